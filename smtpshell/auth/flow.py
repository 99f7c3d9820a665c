"""The AUTH flow the driver runs: typed ``AUTH`` lines and SASL responses.

Theory of operation
-------------------
An :class:`AuthController` talks to its session through an
:class:`~.host.AuthHost` (the runner implements it and creates the controller
the first time it is needed). The runner hands it every typed line whose verb
is ``AUTH`` (:meth:`AuthController.on_auth_command`), and every line typed
while the server waits for a SASL response (:meth:`AuthController.on_response`).

- **auto** mode (the default): the line is sent as typed; each 334 challenge
  is decoded and shown, the credentials are fetched (flags, environment,
  netrc, a hidden prompt), the mechanism in :mod:`smtpshell.protocol.sasl`
  computes the answer and the shell sends it, marked as sent by smtpshell.
- **manual** mode (teaching): the shell sends only what the user types, and
  shows what each base64 line means, masking the password.

Before any AUTH line leaves, the plaintext-AUTH decision
(:mod:`.safety`) runs; in script mode missing credentials are reported before
anything is sent. Every line that carries a secret goes through
``AuthHost.send_command(shown=<placeholder>, secret=True)``, so the event stream,
and with it the screen, transcripts and logs, never holds the secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import events as ev
from ..i18n import t
from ..protocol import sasl
from ..protocol.line import Line, LineKind
from ..protocol.replies import Reply
from ..protocol.sasl import USER, Challenge, SaslError
from ..protocol.session import Exchange, Phase
from .credentials import CredentialSource, MissingCredential, credential_name, credential_names, join_and
from .redact import Redactor
from .safety import Verdict, plaintext_auth_decision, split_peer

if TYPE_CHECKING:
    from .host import AuthHost

# No mechanism here needs more than a few rounds; a server asking more is stuck or hostile.
MAX_ROUNDS = 8

# Characters that would let a username rewrite a SASL string's fields:
# CR/LF/NUL anywhere, and ^A (the XOAUTH2 / OAUTHBEARER field separator).
_BAD_IN_USER = {"\r": "CR", "\n": "LF", "\x00": "NUL", "\x01": "^A"}


@dataclass
class ManualExchange:
    """Where a hand-typed AUTH exchange is (manual mode, or after an interruption)."""

    mechanism: str
    responses: int = 0
    last_challenge: Challenge | None = None
    user: str | None = None  # the username a LOGIN answer decoded to


class AuthController:
    """Runs AUTH for one session host; see the module docstring."""

    def __init__(self, host: AuthHost) -> None:
        self.host = host
        self.options = host.auth_options
        self.mode = self.options.mode
        self.redactor = Redactor()
        self.manual: ManualExchange | None = None
        self._source: CredentialSource | None = None
        self._plaintext_confirmed_for: str | None = None

    def __repr__(self) -> str:
        return f"AuthController(mode={self.mode!r})"

    def describe(self) -> str:
        """What /auth shows: the mode and where credentials would come from (never values)."""
        source = self.source()
        lines = [t("auth.flow.mode", "AUTH mode: {mode} (/auth auto, /auth manual)", mode=self.mode)]
        try:
            user = source.known(USER)
        except MissingCredential:
            user = None
        if user:
            lines.append(t("auth.flow.username", "username: {user}", user=sasl.printable(user.encode())))
        else:
            lines.append(t("auth.flow.username_unset", "username: not set (asked for when needed)"))
        for what in (sasl.PASSWORD, sasl.TOKEN):
            try:
                have = source.known(what) is not None
            except MissingCredential:
                have = False
            if have:
                lines.append(t("auth.flow.secret_available", "{what}: available (hidden)", what=credential_name(what)))
            else:
                lines.append(t("auth.flow.secret_unset", "{what}: not set: {how}", what=credential_name(what),
                               how=source.how_to_pass(what)))
        return "\n".join(lines)

    # -- seams (tests replace these) --------------------------------------------

    def peer_address(self) -> str:
        """The address AUTH would go to: the peer actually reached, else the target host."""
        peer = self.host.peer
        if peer:
            return split_peer(peer)
        target = self.host.target
        return target.host if target is not None else ""

    def source(self) -> CredentialSource:
        target = self.host.target
        host = target.host if target is not None else ""
        if self._source is None or self._source.host != host:
            self._source = CredentialSource(self.options, host, target.port if target else None)
        return self._source

    # -- the handlers the runner calls ------------------------------------------

    async def on_auth_command(self, line: Line) -> None:
        """A typed line whose verb is AUTH (checked for CR/LF/NUL already: see classify)."""
        words = line.args.split()
        name = words[0].upper() if words else ""
        initial = words[1] if len(words) == 2 else None
        if not self._connected():
            return
        if not await self._plaintext_ok():
            return
        self._note_advertised(name)
        mech = sasl.mechanism(name, sasl.Credentials()) if name else None
        if self.mode == "manual" or mech is None or len(words) > 2:
            await self._manual_auth(line.text, name, initial, len(words) > 2)
            return
        await self._auto(mech, line=line.text, typed_initial=initial)

    async def on_response(self, typed: Line) -> None:
        """A line typed while the server waits for a SASL response."""
        line = typed.text
        state = self.manual or ManualExchange("")
        step = sasl.describe_manual_response(state.mechanism, state.responses, state.last_challenge, line)
        self._info(t("auth.flow.answer_decoded", "your answer, base64-decoded: {meaning}", meaning=self._outside(step.meaning)))
        if state.mechanism == "LOGIN" and not step.secret:
            decoded = sasl.b64decode(line)
            state.user = decoded.decode("utf-8", "replace") if decoded else state.user
        exchange = await self._send(typed, shown=step.shown, secret=step.secret)
        state.responses += 1
        self.manual = state
        self._after_manual(exchange)

    async def login(self, name: str | None, initial: bool) -> None:
        """``/login [MECH] [--initial]``: the shell writes the whole AUTH exchange."""
        if not self._connected():
            return
        session = self.host.session
        if session.phase is Phase.AUTH:
            self._error(t("auth.flow.in_progress", "an AUTH exchange is in progress: answer the 334, or type * to cancel"))
            return
        if name is None:
            offered = session.capabilities.auth_mechanisms if session.capabilities else ()
            have_token = self._token_known()
            name = sasl.choose(offered, have_token)
            if name is None:
                if offered:
                    self._error(t("auth.flow.login_none_known", "/login: the server offered no AUTH mechanism smtpshell knows; name one: /login PLAIN"))
                else:
                    self._error(t("auth.flow.login_no_auth", "/login: the server advertised no AUTH (EHLO first?); name one: /login PLAIN"))
                return
            self._info(t("auth.flow.login_using", "/login: using {mechanism}, the best mechanism the server offers", mechanism=name))
        mech = sasl.mechanism(name, sasl.Credentials())
        if mech is None:
            self._error(t("auth.flow.login_unknown", "/login: smtpshell does not know the mechanism {mechanism} ({known})",
                          mechanism=repr(name), known=", ".join(sasl.MECHANISMS)))
            return
        if initial and not mech.initial_response_allowed:
            self._info(t("auth.flow.no_initial", "{mechanism} has no initial response (the server speaks first): sending AUTH {mechanism} alone",
                         mechanism=mech.name))
            initial = False
        if not await self._plaintext_ok():
            return
        self._note_advertised(mech.name)
        await self._auto(mech, line=None, shell_initial=initial)

    # -- auto mode ---------------------------------------------------------------

    async def _auto(self, mech: sasl.Mechanism, *, line: str | None, typed_initial: str | None = None,
                    shell_initial: bool = False) -> None:
        self.manual = None
        source = self.source()
        step: sasl.Step | None = None
        if typed_initial is not None:
            # The user wrote the initial response: send it as typed, explain it masked.
            step = sasl.describe_manual_response(mech.name, 0, None, typed_initial)
            if mech.name == "LOGIN" and not step.secret:
                decoded = sasl.b64decode(typed_initial)
                if decoded is not None:
                    source.set(USER, decoded.decode("utf-8", "replace"))
        if not self._script_mode_has_credentials(mech, source, typed_initial):
            return
        if not self._known_user_is_clean(source):
            return
        if typed_initial is not None:
            assert step is not None
            mech.responses = 1
            wire = line or ""
            shown = _masked_initial(wire, typed_initial, step)
            if step.secret:
                self.redactor.add(typed_initial)
            self._info(t("auth.flow.initial_decoded", "the initial response, base64-decoded: {meaning}",
                         meaning=self._outside(step.meaning)))
            exchange = await self._send(wire, shown=shown, secret=step.secret)
        elif shell_initial:
            credentials = await self._credentials(mech)
            if credentials is None:
                return
            try:
                wire, shown, step = mech.auth_line(initial=True)
            except SaslError as exc:
                self._error(t("auth.flow.sasl_error_unsent", "AUTH {mechanism}: {problem}; nothing was sent",
                              mechanism=mech.name, problem=self.redactor.scrub(str(exc))))
                return
            assert step is not None
            self._remember(step)
            self._info(t("auth.flow.with_initial", "AUTH {mechanism} with an initial response: {meaning}, base64-encoded",
                         mechanism=mech.name, meaning=self._outside(step.meaning)))
            exchange = await self._send(wire, shown=shown, secret=step.secret, automatic=True)
        else:
            wire = line if line is not None else f"AUTH {mech.name}"
            exchange = await self._send(wire, automatic=line is None)
        rounds = 0
        cancelled = False
        while exchange is not None and isinstance(exchange.reply, Reply):
            reply = exchange.reply
            if reply.code != 334:
                self._explain(reply)
                return
            challenge = self._show_challenge(reply, mech.name)
            rounds += 1
            if cancelled or rounds > MAX_ROUNDS:
                # A server that will not let go: stop answering; '*' by hand ends it.
                self._error(t("auth.flow.keeps_asking", "the server keeps asking (334) after {count} answer(s); smtpshell stopped answering: type * to cancel, or /reconnect",
                              count=rounds - 1))
                return
            answer = await self._answer(mech, challenge)
            if answer is None:
                cancelled = True
                exchange = await self._cancel()
                continue
            if answer.wire:
                self._info(t("auth.flow.answering_encoded", "answering with {meaning}, base64-encoded",
                             meaning=self._outside(answer.meaning)))
            else:
                self._info(t("auth.flow.answering", "answering with {meaning}", meaning=self._outside(answer.meaning)))
            exchange = await self._send(
                answer.wire, kind=LineKind.SASL_RESPONSE, shown=answer.shown, secret=answer.secret, automatic=True
            )

    async def _answer(self, mech: sasl.Mechanism, challenge: Challenge) -> sasl.Step | None:
        if await self._credentials(mech) is None:
            return None
        try:
            step = mech.respond(challenge)
        except SaslError as exc:
            self._error(t("auth.flow.sasl_error", "AUTH {mechanism}: {problem}", mechanism=mech.name,
                          problem=self.redactor.scrub(str(exc))))
            return None
        self._remember(step)
        return step

    async def _credentials(self, mech: sasl.Mechanism) -> sasl.Credentials | None:
        prompt = self.host.prompt if self.host.interactive else None
        try:
            credentials = await self.source().credentials(mech.needs(), prompt)
        except MissingCredential as exc:
            self._flush_warnings()
            self._error(self.redactor.scrub(str(exc)))
            return None
        self._flush_warnings()
        problem = _user_problem(credentials.user) or _secret_problem(credentials)
        if problem:
            self._error(t("auth.flow.refused_unsent", "refused: {problem}; it was not sent", problem=problem))
            return None
        self.redactor.add(credentials.password, credentials.token)
        mech.with_credentials(credentials)
        return credentials

    def _script_mode_has_credentials(self, mech: sasl.Mechanism, source: CredentialSource,
                                     typed_initial: str | None) -> bool:
        """Script mode cannot prompt: say what is missing before anything is sent."""
        if self.host.interactive:
            return True
        needed = list(mech.uses)
        if typed_initial is not None:
            needed = [] if mech.name != "LOGIN" else [sasl.PASSWORD]
        for what in needed:
            try:
                value = source.known(what)
                self._flush_warnings()
            except MissingCredential as exc:
                self._error(t("auth.flow.missing_unsent", "{problem}; AUTH was not sent", problem=self.redactor.scrub(str(exc))))
                return False
            refused = source.refused_source(what)
            if value is None and refused is not None:
                self._error(t("auth.refused_not_resent", "the server refused the {what} from {source} in this session, so it is not sent again: correct it there and reconnect",
                              what=credential_name(what), source=refused)
                            + t("auth.not_sent", "; AUTH was not sent"))
                return False
            if value is None:
                self._error(t("auth.flow.script_cannot_ask", "AUTH {mechanism} needs a {what}, and script mode cannot ask for one: {how}. AUTH was not sent",
                              mechanism=mech.name, what=credential_name(what), how=source.how_to_pass(what)))
                return False
        return True

    def _known_user_is_clean(self, source: CredentialSource) -> bool:
        """A username from --user, the environment or netrc is checked before AUTH is sent."""
        try:
            problem = _user_problem(source.known(USER))
        except MissingCredential:
            return True
        if problem:
            self._error(t("auth.flow.refused_auth_unsent", "refused: {problem}; AUTH was not sent", problem=problem))
            return False
        return True

    async def _cancel(self) -> Exchange | None:
        self._info(t("auth.flow.cancelling", "cancelling the exchange with '*' (RFC 4954), so the session can go on"))
        return await self._send("*", kind=LineKind.SASL_RESPONSE, automatic=True)

    # -- manual mode ---------------------------------------------------------------

    async def _manual_auth(self, line: str, name: str, initial: str | None, extra_words: bool) -> None:
        self.manual = ManualExchange(name)
        shown, secret = line, False
        if initial is not None:
            step = sasl.describe_manual_response(name, 0, None, initial)
            self._info(t("auth.flow.initial_decoded", "the initial response, base64-decoded: {meaning}",
                         meaning=self._outside(step.meaning)))
            secret = step.secret
            shown = _masked_initial(line, initial, step)
            self.manual.responses = 1
            decoded = sasl.b64decode(initial) if name == "LOGIN" and not secret else None
            self.manual.user = decoded.decode("utf-8", "replace") if decoded else None
        elif extra_words:
            shown, secret = f"AUTH {sasl.printable(name.encode())} {sasl.SECRET_HIDDEN}", True
        exchange = await self._send(line, shown=shown, secret=secret)
        self._after_manual(exchange)

    def _after_manual(self, exchange: Exchange | None) -> None:
        if exchange is None or not isinstance(exchange.reply, Reply):
            return
        reply = exchange.reply
        if reply.code == 334:
            state = self.manual or ManualExchange("")
            state.last_challenge = self._show_challenge(reply, state.mechanism)
            self.manual = state
            self._info(t("auth.flow.type_answer", "type the answer in base64 (/b64 TEXT encodes it), or * to cancel"))
            return
        self._explain(reply)
        self.manual = None

    # -- showing -------------------------------------------------------------------

    def _show_challenge(self, reply: Reply, mechanism: str) -> Challenge:
        challenge = Challenge.parse(reply.lines[0] if reply.lines else "")
        self._info(t("auth.flow.challenge_decoded", "334 challenge, base64-decoded: {meaning}",
                     meaning=self._outside(challenge.meaning)))
        oauth_error = sasl.describe_error_challenge(challenge)
        if oauth_error:
            self._info(self._outside(oauth_error))
        return challenge

    def _explain(self, reply: Reply) -> None:
        """The exchange is over. Its meaning was shown with the reply (knowledge/, once): here only the state."""
        if reply.code == 235:
            self.host.session.authenticated_as(self._attempt_user())
        elif reply.code == 535 and self.manual is None and self._source is not None:
            self._forget_refused(self._source)

    def _forget_refused(self, source: CredentialSource) -> None:
        """535: typed credentials are forgotten (the next AUTH asks again); those from a flag,
        the environment or netrc are named, and not resent blindly."""
        forgotten, kept = source.refused()
        if forgotten:
            self._info(t("auth.forgotten", "the {what} you typed was refused and is forgotten: the next AUTH or /login asks again",
                         what=credential_names(forgotten)))
        for what, origin in kept:
            if self.host.interactive:
                self._info(t("auth.refused_source", "the {what} came from {source} and was refused: smtpshell will not send it again in this session; the next AUTH or /login asks for one",
                             what=credential_name(what), source=origin))
            else:
                self._info(t("auth.refused_source_script", "the {what} came from {source} and was refused: smtpshell will not send it again in this session; correct it there",
                             what=credential_name(what), source=origin))

    async def _send(self, line: str | Line, **how: Any) -> Exchange | None:
        """Every line of the exchange goes out here, so the session knows who is logging in
        before the reply comes (the reply's explanation says "logged in as ...")."""
        self.host.session.auth_attempt_user = self._attempt_user()
        return await self.host.send_command(line, **how)

    def _attempt_user(self) -> str | None:
        if self.manual is not None:
            return self.manual.user
        try:
            return self._source.known(USER) if self._source is not None else None
        except MissingCredential:
            return None

    def _note_advertised(self, name: str) -> None:
        caps = self.host.session.capabilities
        if not name:
            return
        if caps is None:
            self._info(t("auth.flow.no_ehlo", "no EHLO yet, so smtpshell does not know which AUTH mechanisms the server offers; sending anyway"))
        elif not caps.has("AUTH"):
            self._info(t("auth.flow.no_auth_advertised", "the server did not advertise AUTH in its EHLO reply; sending anyway (it may answer 502 or 503)"))
        elif name not in caps.auth_mechanisms:
            offered = sasl.printable(" ".join(caps.auth_mechanisms).encode())
            self._info(t("auth.flow.not_advertised", "the server did not advertise {mechanism} (it offers: {offered}); sending anyway",
                         mechanism=sasl.printable(name.encode()), offered=self._outside(offered)))

    def _flush_warnings(self) -> None:
        source = self._source
        if source is not None:
            for warning in source.warnings:
                self._warn(warning, "netrc")
            source.warnings.clear()

    def _remember(self, step: sasl.Step) -> None:
        if step.secret:
            self.redactor.add(step.wire)

    def _info(self, message: str) -> None:
        # smtpshell's own words are never redacted (a password "wrong" must not
        # rewrite "the username or password is wrong"): only the outside text
        # put into them is, through _outside at each place.
        self.host.emit(ev.Info(message))

    def _outside(self, text: str) -> str:
        """Text from outside (server, user, files) about to go into a message: scrubbed of secrets."""
        return self.redactor.scrub(text)

    def _warn(self, message: str, kind: str) -> None:
        self.host.emit(ev.Warning(self.redactor.scrub(message), kind=kind))

    def _error(self, message: str) -> None:
        self.host.error(self.redactor.scrub(message))

    # -- safety ---------------------------------------------------------------------

    def _connected(self) -> bool:
        if not self.host.connected:
            self._error(t("auth.flow.not_connected", "not connected: /connect HOST[:PORT] opens a connection"))
            return False
        return True

    async def _plaintext_ok(self) -> bool:
        address = self.peer_address()
        decision = plaintext_auth_decision(
            address, tls=self.host.session.tls, interactive=self.host.interactive,
            allowed=self.options.allow_plaintext_auth or self._plaintext_confirmed_for == address,
        )
        if decision.verdict is Verdict.GO:
            return True
        if decision.verdict is Verdict.GO_WITH_WARNING:
            self._warn(decision.message, "plaintext-auth")
            return True
        if decision.verdict is Verdict.REFUSE:
            self._error(decision.message)
            return False
        self._warn(decision.message, "plaintext-auth")
        try:
            answer = await self.host.prompt(t("auth.flow.confirm_plaintext", "Send credentials without encryption anyway? [y/N] "))
        except (EOFError, KeyboardInterrupt):
            answer = ""
        if answer.strip().lower() in ("y", "yes"):
            self._plaintext_confirmed_for = address
            return True
        self._info(t("auth.flow.declined", "AUTH was not sent (STARTTLS first, then EHLO, then AUTH)"))
        return False

    def _token_known(self) -> bool:
        try:
            return self.source().known(sasl.TOKEN) is not None
        except MissingCredential:
            return False

    def connection_opened(self) -> None:
        """The host opened a new connection: what was known of the last one is gone."""
        self._plaintext_confirmed_for = None
        self.manual = None


def _masked_initial(line: str, initial: str, step: sasl.Step) -> str:
    """The AUTH line as shown: the initial response replaced when it is secret."""
    if not step.secret:
        return line
    return line[: line.rindex(initial)] + step.shown


def _user_problem(user: str | None) -> str | None:
    if user is None:
        return None
    found = [name for ch, name in _BAD_IN_USER.items() if ch in user]
    if found:
        return t("auth.flow.user_smuggles", "the username holds {characters}, which would smuggle extra fields or commands",
                 characters=join_and(found))
    return None


def _secret_problem(credentials: sasl.Credentials) -> str | None:
    if credentials.password is not None and "\x00" in credentials.password:
        return t("auth.flow.password_nul", "the password holds NUL, which would shift the fields of AUTH PLAIN")
    if credentials.token is not None and any(ch in credentials.token for ch in "\r\n\x01"):
        return t("auth.flow.token_control", "the token holds a control character (CR, LF or ^A)")
    return None
