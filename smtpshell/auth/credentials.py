"""Where credentials come from: flags, the environment, ~/.netrc, a hidden prompt.

Looked up lazily, in that order, and kept only for the session. Nothing here
ever puts a credential in a message: errors name the source, not the value.
"""

from __future__ import annotations

import netrc
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from ..i18n import t
from ..protocol.sasl import PASSWORD, TOKEN, USER, Credentials, printable
from .options import DEFAULT_USER_ENV, AuthOptions

Prompt = Callable[..., Awaitable[str]]  # context.prompt(label, secret=...)


class MissingCredential(Exception):
    """A credential could not be found (script mode) or the user declined the prompt."""


def credential_name(what: str) -> str:
    """A credential kind (``user``, ``password``, ``token``) in words of the current language."""
    if what == USER:
        return t("auth.what.user", "user")
    if what == PASSWORD:
        return t("auth.what.password", "password")
    if what == TOKEN:
        return t("auth.what.token", "token")
    return what


def join_and(items: list[str]) -> str:
    """'a and b' (in the current language)."""
    return t("auth.and", " and ").join(items)


def credential_names(kinds: list[str]) -> str:
    """'user and password', in words of the current language."""
    return join_and([credential_name(what) for what in kinds])


@dataclass
class NetrcEntry:
    login: str | None
    password: str | None = field(repr=False)


def read_netrc(host: str, path: str | None, env: Mapping[str, str]) -> tuple[NetrcEntry | None, str | None]:
    """(entry for host or the default entry, a warning). Never raises, never leaks."""
    file = path or env.get("NETRC") or os.path.join(os.path.expanduser("~"), ".netrc")
    if not os.path.exists(file):
        return None, None
    try:
        parsed = netrc.netrc(file)
    except netrc.NetrcParseError as exc:
        # exc.msg may quote a token from the file (a password): report the line only.
        return None, t("auth.netrc.unparsable", "ignoring {file}: it cannot be parsed (line {line})", file=file, line=exc.lineno)
    except OSError as exc:
        return None, t("auth.netrc.unreadable", "ignoring {file}: {reason}", file=file,
                       reason=exc.strerror or t("auth.cannot_read", "cannot be read"))
    found = parsed.authenticators(host)
    if found is None:
        return None, None
    login, _account, password = found
    return NetrcEntry(login or None, password or None), None


def read_token_file(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            token = handle.read().strip()
    except OSError as exc:
        raise MissingCredential(t("auth.token_file.unreadable", "--token-file {path}: {reason}", path=path,
                                  reason=exc.strerror or t("auth.cannot_read", "cannot be read"))) from None
    except UnicodeDecodeError:
        raise MissingCredential(t("auth.token_file.not_text", "--token-file {path}: not a text file", path=path)) from None
    if not token:
        raise MissingCredential(t("auth.token_file.empty", "--token-file {path} is empty", path=path))
    return token


def how_to_pass(what: str, *, host: str, user_env: str, password_env: str, token_env: str) -> str:
    """How to give smtpshell a credential it could not find (flags, environment, netrc)."""
    if what == USER:
        return t("auth.how.user", "pass --user NAME (or set {user_env}), or add a 'machine {host} login NAME' line to ~/.netrc",
                 host=host, user_env=user_env)
    if what == PASSWORD:
        return t("auth.how.password", "set the environment variable {password_env} (or choose one with --password-env VAR), or add 'machine {host} login NAME password ...' to ~/.netrc",
                 host=host, password_env=password_env)
    return t("auth.how.token", "set the environment variable {token_env} (or --token-env VAR), or pass --token-file FILE",
             token_env=token_env)


class CredentialSource:
    """Finds the user, password and token for one host, asking only when allowed."""

    def __init__(self, options: AuthOptions, host: str, port: int | None = None,
                 env: Mapping[str, str] | None = None) -> None:
        self.options = options
        self.host = host
        self.port = port
        self.env = os.environ if env is None else env
        self._values: dict[str, str] = {}
        self._typed: set[str] = set()  # the credentials the user typed at the prompt
        self._refused: dict[str, str] = {}  # a credential from a flag/env/netrc the server refused: its source
        self._last_user = ""  # the username last typed, offered again after a refusal
        self._netrc: NetrcEntry | None = None
        self._netrc_read = False
        self.warnings: list[str] = []

    def __repr__(self) -> str:  # never the values
        return f"CredentialSource(host={self.host!r}, known={sorted(self._values)})"

    # -- non-interactive lookup ------------------------------------------------

    def known(self, what: str) -> str | None:
        """The credential from flags, environment or netrc, or None (also when the
        server refused that one in this session: it is not resent blindly)."""
        if what in self._values:
            return self._values[what]
        if what in self._refused:
            return None
        value = self._lookup(what)
        if value is not None:
            self._values[what] = value
        return value

    def set(self, what: str, value: str) -> None:
        self._values[what] = value

    def origin(self, what: str) -> str:
        """Where the credential in use came from, in words (never its value)."""
        if what in self._typed:
            return t("auth.origin.typed", "typed at the prompt")
        o = self.options
        if what == USER:
            if o.user:
                return "--user"
            if self.env.get(DEFAULT_USER_ENV):
                return f"${DEFAULT_USER_ENV}"
            return t("auth.origin.netrc", "~/.netrc")
        if what == PASSWORD:
            return f"${o.password_env}" if self.env.get(o.password_env) else t("auth.origin.netrc", "~/.netrc")
        if what == TOKEN:
            return f"--token-file {o.token_file}" if o.token_file else f"${o.token_env}"
        return what

    def refused(self) -> tuple[list[str], list[tuple[str, str]]]:
        """The server refused the credentials in use (535): forget the typed ones, so the
        next AUTH asks again, and mark the others so they are not resent blindly.
        Returns (the kinds forgotten, [(kind, source)] of those kept)."""
        forgotten: list[str] = []
        kept: list[tuple[str, str]] = []
        for what in (USER, PASSWORD, TOKEN):
            if what not in self._values:
                continue
            if what in self._typed:
                if what == USER:
                    self._last_user = self._values[what]
                del self._values[what]
                self._typed.discard(what)
                forgotten.append(what)
            elif what != USER:  # a refused password or token is the news; the user name is kept
                source = self.origin(what)
                self._refused[what] = source
                del self._values[what]
                kept.append((what, source))
        return forgotten, kept

    def refused_source(self, what: str) -> str | None:
        """The source of a credential the server refused in this session, if any."""
        return self._refused.get(what)

    def _lookup(self, what: str) -> str | None:
        o = self.options
        if what == USER:
            if o.user:
                return o.user
            if self.env.get(DEFAULT_USER_ENV):
                return self.env[DEFAULT_USER_ENV]
            entry = self._netrc_entry()
            return entry.login if entry else None
        if what == PASSWORD:
            if self.env.get(o.password_env):
                return self.env[o.password_env]
            entry = self._netrc_entry()
            if entry is None or entry.password is None:
                return None
            user = self._values.get(USER) or o.user
            # A netrc password belongs to its login: never send it for another user.
            if user and entry.login and user != entry.login:
                return None
            return entry.password
        if what == TOKEN:
            if o.token_file:
                return read_token_file(o.token_file)
            return self.env.get(o.token_env) or None
        raise ValueError(f"unknown credential kind {what!r}")

    def _netrc_entry(self) -> NetrcEntry | None:
        if not self.options.use_netrc:
            return None
        if not self._netrc_read:
            self._netrc_read = True
            self._netrc, warning = read_netrc(self.host, self.options.netrc_file, self.env)
            if warning:
                self.warnings.append(warning)
        return self._netrc

    def how_to_pass(self, what: str) -> str:
        o = self.options
        return how_to_pass(what, host=self.host, user_env=DEFAULT_USER_ENV, password_env=o.password_env,
                           token_env=o.token_env)

    # -- with a prompt -----------------------------------------------------------

    async def get(self, what: str, prompt: Prompt | None) -> str:
        """The credential, asking with a hidden prompt if needed (and allowed)."""
        value = self.known(what)
        if value is not None:
            return value
        if prompt is None:
            refused = self._refused.get(what)
            if refused is not None:
                raise MissingCredential(t("auth.refused_not_resent", "the server refused the {what} from {source} in this session, so it is not sent again: correct it there and reconnect",
                                          what=credential_name(what), source=refused))
            raise MissingCredential(t("auth.none_given", "AUTH needs a {what} and none was given: {how}",
                                      what=credential_name(what), how=self.how_to_pass(what)))
        known_user = self._values.get(USER)
        user = printable(known_user.encode()) if known_user else None  # it may come from a decoded line
        labels = {
            USER: t("auth.ask.user", "Username for {host}: ", host=self.host),
            PASSWORD: t("auth.ask.password_for_user", "Password for {user}@{host}: ", user=user, host=self.host) if user
            else t("auth.ask.password", "Password for {host}: ", host=self.host),
            TOKEN: t("auth.ask.token_for_user", "OAuth token for {user}: ", user=user) if user
            else t("auth.ask.token", "OAuth token: "),
        }
        refused = self._refused.get(what)
        if refused is not None:  # say why it asks although a source was given
            labels[what] = t("auth.refused_label", "({source} was refused) ", source=refused) + labels[what]
        try:
            default = self._last_user if what == USER else ""
            value = await prompt(labels[what], secret=what != USER, default=default)
        except (EOFError, KeyboardInterrupt):
            raise MissingCredential(t("auth.not_entered_how", "no {what} entered: {how}", what=credential_name(what),
                                      how=self.how_to_pass(what))) from None
        if not value:
            raise MissingCredential(t("auth.not_entered", "no {what} entered", what=credential_name(what)))
        self._values[what] = value
        self._typed.add(what)
        return value

    async def credentials(self, needs: tuple[str, ...], prompt: Prompt | None, authzid: str = "") -> Credentials:
        for what in needs:
            await self.get(what, prompt)
        v = self._values
        return Credentials(v.get(USER), v.get(PASSWORD), v.get(TOKEN), authzid or self.options.authzid,
                           self.host, self.port)
