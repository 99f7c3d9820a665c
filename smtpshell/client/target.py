"""Where to connect: HOST[:PORT], [IPv6]:PORT, smtp://host:port, smtps://host:port."""

from __future__ import annotations

from ..i18n import t
from ..records import NamedTuple

SMTP_PORT = 25
SUBMISSION_PORT = 587
SMTPS_PORT = 465


class BadTarget(ValueError):
    pass


class Target(NamedTuple):  # not a dataclass: dataclasses costs ms at every start
    host: str
    port: int
    implicit_tls: bool = False
    user: str | None = None  # from smtp://USER@host: who AUTH logs in as (never a password)

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def parse_target(text: str, implicit_tls: bool = False) -> Target:
    """Parse a target the way people write them. Raises BadTarget with a clear message."""
    spec = text.strip()
    scheme = ""
    user_name: str | None = None
    if "://" in spec:
        scheme, _, spec = spec.partition("://")
        scheme = scheme.lower()
        if scheme not in ("smtp", "smtps", "submission", "submissions"):
            raise BadTarget(t("client.target.scheme", "unknown scheme {scheme} in {text}: use smtp:// or smtps://", scheme=repr(scheme), text=repr(text)))
        spec = spec.rstrip("/")
        user, at, rest = spec.rpartition("@")
        if at:
            spec = rest
            user_name = _user_of(user, text)
    else:
        user_name = None
    if scheme in ("smtps", "submissions"):
        implicit_tls = True
    port: int | None = None
    if spec.startswith("["):
        host, sep, rest = spec[1:].partition("]")
        if not sep:
            raise BadTarget(t("client.target.bracket", "missing ']' in {text}", text=repr(text)))
        if rest:
            if not rest.startswith(":"):
                raise BadTarget(t("client.target.after_bracket", "expected ':PORT' after ']' in {text}", text=repr(text)))
            port = _port(rest[1:], text)
    elif spec.count(":") == 1:
        host, _, port_text = spec.partition(":")
        port = _port(port_text, text)
    else:
        host = spec  # a name, an IPv4 address, or a bare IPv6 address
    if not host:
        raise BadTarget(t("client.target.no_host", "no host in {text}", text=repr(text)))
    if port is None:
        port = SMTPS_PORT if implicit_tls else (SUBMISSION_PORT if scheme == "submission" else SMTP_PORT)
    return Target(host, port, implicit_tls, user_name)


def resolver_host(host: str) -> str | bytes:
    """``host`` as ``getaddrinfo`` gets it: an ASCII name as the bytes the idna codec would make.

    Given text, the socket module encodes the name with the ``idna`` codec, and loading
    that codec (with ``stringprep`` and ``unicodedata``) costs more at start-up than the
    connection. For ASCII the codec only checks the label lengths and gives the same
    bytes: the same checks here, and a name they refuse is left to the codec, which
    says so as before.
    """
    if not host.isascii():
        return host
    labels = host.split(".")
    if any(not 0 < len(label) < 64 for label in labels[:-1]) or len(labels[-1]) >= 64:
        return host
    return host.encode("ascii")


def _user_of(userinfo: str, whole: str) -> str:
    """The user of ``smtp://USER@host``; a password there is refused, with the reason."""
    from urllib.parse import unquote

    if ":" in userinfo:
        raise BadTarget(t("client.target.password_in_url", "a password in the URL {scheme}://…:…@… is refused: every user of this machine can read command lines (ps) and your shell keeps them in its history. Give only the user (smtp://user@host); smtpshell asks for the password, or reads $SMTPSHELL_PASSWORD or ~/.netrc",
                          scheme=whole.split("@")[0].split(":")[0]))
    user = unquote(userinfo)
    if not user:
        raise BadTarget(t("client.target.empty_user", "empty user before '@' in {text}", text=repr(whole)))
    return user


def _port(text: str, whole: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise BadTarget(t("client.target.bad_port", "bad port {port} in {text}: a number from 1 to 65535", port=repr(text), text=repr(whole)))
    return int(text)
