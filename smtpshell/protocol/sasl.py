"""SASL mechanisms for SMTP AUTH (RFC 4954), sans-I/O.

Theory of operation
-------------------
A :class:`Mechanism` turns server challenges into client responses: the
driver feeds it the decoded 334 challenge and gets back a :class:`Step`: the
base64 text to put on the wire (``wire``), what the screen may show for that
line (``shown``), what the line means decoded, with any secret masked
(``meaning``), and whether the line carries a secret at all.

Only ``Step.wire`` ever holds a secret (or its base64); it is excluded from
``repr`` and must never be put in an event, a message or a log. ``shown`` and
``meaning`` are safe to display and to save by construction.

Mechanisms know nothing of sockets, prompts or the terminal. Which credentials
a step needs is data (:meth:`Mechanism.needs`), so a driver can fetch them
(flags, environment, netrc, a hidden prompt) before asking for the step.

The same module decodes lines a student types by hand ("manual" mode) with
:func:`describe_manual_response`, masking whatever the password is.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from ..i18n import t
from ..records import NamedTuple
from ..untrusted import safe_bytes

PASSWORD_HIDDEN = "<password hidden>"  # English; the screen shows password_hidden()
TOKEN_HIDDEN = "<token hidden>"
# Kept as is in every language: the same words are a transcript placeholder (events.SECRET_PLACEHOLDER).
SECRET_HIDDEN = "<secret hidden>"
DIGEST_HIDDEN = "<HMAC-MD5 digest hidden>"


# What stands for a secret on screen, in the current language (read when shown, not at import).
def password_hidden() -> str:
    return t("protocol.sasl.password_hidden", "<password hidden>")


def token_hidden() -> str:
    return t("protocol.sasl.token_hidden", "<token hidden>")


def digest_hidden() -> str:
    return t("protocol.sasl.digest_hidden", "<HMAC-MD5 digest hidden>")

USER, PASSWORD, TOKEN = "user", "password", "token"


def _credential_word(what: str) -> str:
    """'user' / 'password' / 'token' in words (the attribute names stay the code's)."""
    words = {USER: t("protocol.sasl.word.user", "user"), PASSWORD: t("protocol.sasl.word.password", "password"),
             TOKEN: t("protocol.sasl.word.token", "token")}
    return words.get(what, what)


class SaslError(ValueError):
    """A step cannot be taken (a missing credential, a challenge out of order).

    Messages never include a credential: they name what is missing or wrong.
    """


# NamedTuples, not dataclasses: the first /command of a script should not load dataclasses
# (and inspect, ast, dis) for three records.
class Credentials(NamedTuple):
    """What a mechanism may need. ``repr`` never shows the password or token."""

    user: str | None = None
    password: str | None = None
    token: str | None = None
    authzid: str = ""  # PLAIN's authorisation identity (usually empty)
    host: str | None = None  # for OAUTHBEARER's host= and port= fields
    port: int | None = None

    def __repr__(self) -> str:
        hidden = {name: "<hidden>" for name in ("password", "token") if getattr(self, name) is not None}
        return (f"Credentials(user={self.user!r}, password={hidden.get('password')}, token={hidden.get('token')}, "
                f"authzid={self.authzid!r}, host={self.host!r}, port={self.port!r})")

    def has(self, what: str) -> bool:
        return getattr(self, what) is not None

    def require(self, what: str) -> str:
        value = getattr(self, what)
        if value is None:
            raise SaslError(t("protocol.sasl.missing", "no {what} given", what=_credential_word(what)))
        return str(value)


class Step(NamedTuple):
    """One client response. Only ``wire`` may hold a secret; it is never shown."""

    wire: str  # the base64 text to send ("" for an empty line, "*" to cancel)
    shown: str  # what the screen shows for the line on the wire
    meaning: str  # what the line says decoded, secrets masked
    secret: bool

    def __repr__(self) -> str:
        return f"Step(shown={self.shown!r}, meaning={self.meaning!r}, secret={self.secret!r})"


class Challenge(NamedTuple):
    """A 334 challenge: the text after '334 ', and its base64 decoding."""

    text: str
    data: bytes | None  # None: not valid base64
    meaning: str  # for the screen: the decoded bytes, control characters escaped

    @classmethod
    def parse(cls, text: str) -> Challenge:
        data = b64decode(text)
        if data is None:
            meaning = t("protocol.sasl.challenge_not_base64", "not valid base64 ({text})", text=printable(text.encode("utf-8", "replace")))
        elif not data:
            meaning = t("protocol.sasl.challenge_empty", "(empty: the server waits for the client to speak first)")
        else:
            meaning = quoted(data)
        return cls(text, data, meaning)


# -- base64 and display helpers ---------------------------------------------------


def b64encode(data: bytes | str) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return base64.b64encode(raw).decode("ascii")


def b64decode(text: str) -> bytes | None:
    """Strict base64 decoding; None if ``text`` is not valid base64."""
    stripped = text.strip()
    try:
        return base64.b64decode(stripped.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None


def printable(data: bytes) -> str:
    """Bytes as text with control characters (NUL, CR, ESC...) escaped, never raw."""
    return safe_bytes(data)


def quoted(data: bytes) -> str:
    return f'"{printable(data)}"'


# -- mechanisms -------------------------------------------------------------------


class _Words:
    """A class attribute read in the current language (``Login.summary``), not frozen at import."""

    def __init__(self, words: Callable[[], str]) -> None:
        self._words = words

    def __get__(self, obj: object, owner: type | None = None) -> str:
        return self._words()


class Mechanism:
    """Base class: one AUTH exchange. Subclasses fill in the steps."""

    name = ""
    initial_response_allowed = True  # may the first response ride on the AUTH line?
    summary: str | _Words = ""
    uses: tuple[str, ...] = (USER, PASSWORD)  # every credential the whole exchange needs

    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials
        self.responses = 0  # how many responses were produced so far

    def needs(self) -> tuple[str, ...]:
        """The credentials the next step needs (fetch them before calling it)."""
        return ()

    def missing(self) -> tuple[str, ...]:
        return tuple(n for n in self.needs() if not self.credentials.has(n))

    def with_credentials(self, credentials: Credentials) -> None:
        self.credentials = credentials

    def initial(self) -> Step:
        """The initial response, sent on the AUTH line itself (RFC 4954 4)."""
        if not self.initial_response_allowed:
            raise SaslError(t("protocol.sasl.no_initial", "{mechanism} has no initial response: the server speaks first", mechanism=self.name))
        step = self._respond(b"", initial=True)
        self.responses += 1
        return step

    def respond(self, challenge: Challenge) -> Step:
        """The answer to one 334 challenge."""
        if challenge.data is None:
            raise SaslError(t("protocol.sasl.bad_challenge", "the server's 334 challenge is not valid base64, so it cannot be answered"))
        step = self._respond(challenge.data, initial=False)
        self.responses += 1
        return step

    def _respond(self, challenge: bytes, initial: bool) -> Step:  # pragma: no cover - abstract
        raise NotImplementedError

    def auth_line(self, initial: bool) -> tuple[str, str, Step | None]:
        """The AUTH command: (wire text, shown text, the initial step or None)."""
        if not initial:
            return f"AUTH {self.name}", f"AUTH {self.name}", None
        step = self.initial()
        wire_arg = step.wire or "="  # "=" is an empty initial response (RFC 4954 4)
        shown_arg = step.shown if step.secret else wire_arg
        return f"AUTH {self.name} {wire_arg}", f"AUTH {self.name} {shown_arg}", step


class Login(Mechanism):
    """LOGIN: the server asks "Username:" then "Password:", each in base64."""

    name = "LOGIN"
    summary = _Words(lambda: t("protocol.sasl.login.summary", "username, then password, each base64-encoded (no RFC; widely used)"))

    def needs(self) -> tuple[str, ...]:
        return (USER,) if self.responses == 0 else (PASSWORD,)

    def _respond(self, challenge: bytes, initial: bool) -> Step:
        if self.responses == 0 and not _asks_password(challenge):
            user = self.credentials.require(USER)
            wire = b64encode(user)
            return Step(wire, wire, t("protocol.sasl.username", "the username {user}", user=quoted(user.encode())), secret=False)
        if self.responses >= 2:
            raise SaslError(t("protocol.sasl.login_third", "LOGIN was answered twice already; the server asked a third question"))
        password = self.credentials.require(PASSWORD)
        return Step(b64encode(password), password_hidden(), t("protocol.sasl.password", "the password {hidden}", hidden=password_hidden()), secret=True)


def _asks_password(challenge: bytes) -> bool:
    return b"pass" in challenge.lower()


class Plain(Mechanism):
    """PLAIN (RFC 4616): authzid NUL user NUL password, in one base64 line."""

    name = "PLAIN"
    summary = _Words(lambda: t("protocol.sasl.plain.summary", "authzid, user and password joined by NUL, base64-encoded (RFC 4616)"))

    def needs(self) -> tuple[str, ...]:
        return (USER, PASSWORD)

    def _respond(self, challenge: bytes, initial: bool) -> Step:
        if self.responses:
            raise SaslError(t("protocol.sasl.single", "{mechanism} has a single response; the server asked again", mechanism="PLAIN"))
        c = self.credentials
        user, password = c.require(USER), c.require(PASSWORD)
        wire = b64encode(f"{c.authzid}\0{user}\0{password}")
        return Step(wire, SECRET_HIDDEN, plain_meaning(c.authzid.encode(), user.encode()), secret=True)


def plain_meaning(authzid: bytes, user: bytes) -> str:
    return t("protocol.sasl.plain_meaning", "authzid {authzid}, NUL, user {user}, NUL, password {hidden}",
             authzid=quoted(authzid), user=quoted(user), hidden=password_hidden())


class CramMD5(Mechanism):
    """CRAM-MD5 (RFC 2195): "user HMAC-MD5(password, challenge) in hex"."""

    name = "CRAM-MD5"
    initial_response_allowed = False
    summary = _Words(lambda: t("protocol.sasl.cram_md5.summary", "user and an HMAC-MD5 of the server's challenge keyed with the password (RFC 2195)"))

    def needs(self) -> tuple[str, ...]:
        return (USER, PASSWORD)

    def _respond(self, challenge: bytes, initial: bool) -> Step:
        if self.responses:
            raise SaslError(t("protocol.sasl.single", "{mechanism} has a single response; the server asked again", mechanism="CRAM-MD5"))
        user, password = self.credentials.require(USER), self.credentials.require(PASSWORD)
        digest = cram_md5_digest(password, challenge)
        wire = b64encode(f"{user} {digest}")
        # The digest is not the password, but with the challenge it allows an
        # offline guessing attack on it, so it is kept off the screen too.
        return Step(wire, SECRET_HIDDEN, t("protocol.sasl.user_and_digest", "the user {user} and {digest}", user=quoted(user.encode()), digest=digest_hidden()), secret=True)


def cram_md5_digest(password: str, challenge: bytes) -> str:
    import hashlib  # CRAM-MD5 only: not loaded for /b64 or the other mechanisms
    import hmac

    return hmac.new(password.encode("utf-8"), challenge, hashlib.md5).hexdigest()


class XOAuth2(Mechanism):
    """XOAUTH2 (Google/Microsoft): "user=U^Aauth=Bearer T^A^A" in base64."""

    name = "XOAUTH2"
    uses = (USER, TOKEN)
    summary = _Words(lambda: t("protocol.sasl.xoauth2.summary", "user and an OAuth 2.0 bearer token (Google, Microsoft)"))

    def needs(self) -> tuple[str, ...]:
        return (USER, TOKEN) if self.responses == 0 else ()

    def _respond(self, challenge: bytes, initial: bool) -> Step:
        if self.responses:
            # The server sent its error as a 334 JSON challenge; an empty
            # response lets it finish with the final (5xx) reply.
            return Step("", "", t("protocol.sasl.empty_acknowledge", "an empty line: acknowledging the error, the server ends the exchange"), secret=False)
        user, token = self.credentials.require(USER), self.credentials.require(TOKEN)
        wire = b64encode(f"user={user}\x01auth=Bearer {token}\x01\x01")
        meaning = f'"user={printable(user.encode())}\\x01auth=Bearer {token_hidden()}\\x01\\x01"'
        return Step(wire, SECRET_HIDDEN, meaning, secret=True)


class OAuthBearer(Mechanism):
    """OAUTHBEARER (RFC 7628): a GS2 header, host, port and the bearer token."""

    name = "OAUTHBEARER"
    uses = (USER, TOKEN)
    summary = _Words(lambda: t("protocol.sasl.oauthbearer.summary", "an OAuth 2.0 bearer token with host and port (RFC 7628)"))

    def needs(self) -> tuple[str, ...]:
        return (USER, TOKEN) if self.responses == 0 else ()

    def _respond(self, challenge: bytes, initial: bool) -> Step:
        if self.responses:
            # RFC 7628 3.2.3: after an error challenge the client sends ^A.
            return Step(b64encode("\x01"), b64encode("\x01"), t("protocol.sasl.acknowledge_short", "{data}: acknowledging the error", data='"\\x01"'), secret=False)
        c = self.credentials
        user, token = c.require(USER), c.require(TOKEN)
        fields = f"n,a={_gs2_name(user)},\x01"
        if c.host:
            fields += f"host={c.host}\x01"
        if c.port:
            fields += f"port={c.port}\x01"
        shown_fields = printable(fields.encode())
        wire = b64encode(f"{fields}auth=Bearer {token}\x01\x01")
        meaning = f'"{shown_fields}auth=Bearer {token_hidden()}\\x01\\x01"'
        return Step(wire, SECRET_HIDDEN, meaning, secret=True)


def _gs2_name(user: str) -> str:
    # RFC 5801: ',' and '=' in the authzid are escaped as =2C and =3D.
    return user.replace("=", "=3D").replace(",", "=2C")


MECHANISMS: dict[str, type[Mechanism]] = {
    m.name: m for m in (Login, Plain, CramMD5, XOAuth2, OAuthBearer)
}

# When the shell picks a mechanism itself, the first one the server offers wins.
PREFERENCE = ("CRAM-MD5", "PLAIN", "LOGIN")
TOKEN_PREFERENCE = ("OAUTHBEARER", "XOAUTH2")


def mechanism(name: str, credentials: Credentials) -> Mechanism | None:
    cls = MECHANISMS.get(name.upper())
    return cls(credentials) if cls is not None else None


def choose(offered: list[str] | tuple[str, ...], have_token: bool) -> str | None:
    """The mechanism to use among those the server offered, or None."""
    upper = [o.upper() for o in offered]
    order = (TOKEN_PREFERENCE + PREFERENCE) if have_token else PREFERENCE
    for name in order:
        if name in upper:
            return name
    return None


# -- manual mode: describing what a student typed -----------------------------------


def describe_manual_response(mechanism_name: str, index: int, last_challenge: Challenge | None, line: str) -> Step:
    """What a typed SASL response means, masked; ``wire`` is the line as typed.

    ``index`` counts the responses already given in this exchange (the initial
    response included). Anything that might hold the password or a token is
    masked; a line whose role is unknown is hidden whole.
    """
    text = line.strip()
    if text == "*":
        return Step(line, "*", t("protocol.sasl.cancel", "'*': cancel the exchange (the server answers 501)"), secret=False)
    data = b64decode(text)
    name = mechanism_name.upper()
    if name == "LOGIN":
        asks_password = last_challenge is not None and last_challenge.data is not None and _asks_password(last_challenge.data)
        if index == 0 and not asks_password:
            if data is None:
                return Step(line, line, t("protocol.sasl.not_base64", "not valid base64: the server will probably refuse it (501)"), secret=False)
            return Step(line, line, t("protocol.sasl.username", "the username {user}", user=quoted(data)), secret=False)
        return Step(line, password_hidden(), _masked_meaning(data, t("protocol.sasl.password", "the password {hidden}", hidden=password_hidden())), secret=True)
    if data is None:
        return Step(line, SECRET_HIDDEN, t("protocol.sasl.not_base64", "not valid base64: the server will probably refuse it (501)"), secret=True)
    if name == "PLAIN":
        parts = data.split(b"\0")
        if len(parts) == 3:
            return Step(line, SECRET_HIDDEN, plain_meaning(parts[0], parts[1]), secret=True)
        return Step(line, SECRET_HIDDEN, t("protocol.sasl.plain_fields", "not the three NUL-separated fields PLAIN needs ({count} field(s))", count=len(parts)), secret=True)
    if name == "CRAM-MD5":
        user, sep, _ = data.rpartition(b" ")
        if sep:
            return Step(line, SECRET_HIDDEN, t("protocol.sasl.user_and_digest", "the user {user} and {digest}", user=quoted(user), digest=digest_hidden()), secret=True)
        return Step(line, SECRET_HIDDEN, t("protocol.sasl.cram_shape", "not 'user digest' as CRAM-MD5 needs"), secret=True)
    if name in ("XOAUTH2", "OAUTHBEARER"):
        if data in (b"", b"\x01"):
            return Step(line, line, t("protocol.sasl.acknowledge", "{data}: acknowledging the server's error", data=quoted(data)), secret=False)
        return Step(line, SECRET_HIDDEN, _mask_bearer(data), secret=True)
    return Step(line, SECRET_HIDDEN, t("protocol.sasl.other_response", "a response for {mechanism} (hidden: it may hold a secret)", mechanism=printable(name.encode())), secret=True)


def _masked_meaning(data: bytes | None, meaning: str) -> str:
    if data is None:
        return t("protocol.sasl.masked_not_base64", "not valid base64 (hidden: it may be a password typed without encoding); the server will probably refuse it")
    return meaning


def _mask_bearer(data: bytes) -> str:
    out = []
    for part in data.split(b"\x01"):
        if part.lower().startswith(b"auth="):
            out.append(b"auth=Bearer " + TOKEN_HIDDEN.encode())
        else:
            out.append(part)
    return quoted(b"\x01".join(out))


def describe_error_challenge(challenge: Challenge) -> str | None:
    """XOAUTH2 / OAUTHBEARER errors come as a base64 JSON 334 challenge."""
    if not challenge.data or not challenge.data.lstrip().startswith(b"{"):
        return None
    try:
        import json  # an OAuth error document only

        doc = json.loads(challenge.data)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(doc, dict):
        return None
    status = printable(str(doc.get("status", "?")).encode())
    return t("protocol.sasl.oauth_error", "the server reports an OAuth error (status {status}); the token was refused", status=status)
