"""The practice server's protocol: aiosmtpd's SMTP with teaching replies and the lesson scenarios.

What changes from stock aiosmtpd, and why:

- every stock reply gets an enhanced status code (RFC 3463), so each one can be
  explained (:data:`REWRITES`);
- AUTH before TLS gets ``530 5.7.0`` (RFC 4954 section 6) instead of 538;
  AUTH is not advertised until TLS is on; implicit TLS counts as TLS;
- AUTH CRAM-MD5 (RFC 2195) is added to LOGIN and PLAIN;
- EXPN expands a mailing list; STARTTLS inside TLS is refused;
- the scenarios of :mod:`.scenarios` misbehave on purpose.

The ``smuggling`` scenario is an old, lenient server: it turns every bare CR or
LF the client sends into CRLF before aiosmtpd reads it (:class:`LaxLineEnds`),
so ``LF . LF``, ``CR . CR``, ``CRLF . CR`` and ``LF . CRLF`` all end a message and
what follows is read as new commands. The normal server reads lines as aiosmtpd
does: only CRLF . CRLF ends a message (RFC 5321 4.1.1.4). It also sends the
replies to one read of pipelined input in one write (as Postfix does, RFC 2920
3.2), so the client sees them together: a lesson replays the same way every time.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import Callable
from email._header_value_parser import get_addr_spec, get_angle_addr
from email.errors import HeaderParseError
from typing import TYPE_CHECKING, Any, AnyStr

from aiosmtpd.smtp import MISSING, SMTP, AuthResult, syntax

from .policy import TeachingPolicy
from .scenarios import Scenario

if TYPE_CHECKING:
    from .feed import ClassFeed, ClassSession

# The EHLO keyword that says where the class view is ("XCLASSVIEW http://host:port/"):
# names starting with X are private extensions (RFC 5321 4.1.5). /mailbox reads it.
CLASS_VIEW_KEYWORD = "XCLASSVIEW"

# aiosmtpd logs every unknown command as a warning; with no handler configured,
# Python would print those on stderr, in the middle of the student's shell.
logging.getLogger("mail.log").addHandler(logging.NullHandler())

# Sent right after "220 Ready to start TLS", in the same write (one TCP segment).
INJECTED = b"250 2.1.0 Sender OK (injected in clear text before TLS: a man in the middle could answer for the server)\r\n"
# One line that is not SMTP: binary bytes, a bell, and an escape sequence that
# would clear the screen and turn it red if a client printed it raw.
GARBAGE = b"\x00\x01\xfe\xff\x07 \x1b[2J\x1b[31m*** this is not SMTP ***\x1b[0m \x16\x03\x01\r\n"
# The start of an EHLO reply, cut off in the middle of a line.
HALF_REPLY = b"250-{hostname} greets you\r\n250-SIZE 10"

# Stock aiosmtpd replies, with enhanced status codes and plainer words.
REWRITES: dict[str, str] = {
    "250 OK": "250 2.0.0 OK",
    "221 Bye": "221 2.0.0 Bye",
    "220 Ready to start TLS": "220 2.0.0 Ready to start TLS",
    "503 Error: send HELO first": "503 5.5.1 Error: send HELO or EHLO first",
    "503 Error: send EHLO first": "503 5.5.1 Error: send EHLO first",
    "503 Error: need MAIL command": "503 5.5.1 Error: need MAIL FROM first",
    "503 Error: need RCPT command": "503 5.5.1 Error: need RCPT TO first (no recipient accepted yet)",
    "503 Error: nested MAIL command": "503 5.5.1 Error: nested MAIL command (finish with DATA, or RSET)",
    "503 Already authenticated": "503 5.5.1 Already authenticated",
    "501 Not enough value": "501 5.5.4 AUTH needs a mechanism: AUTH PLAIN, AUTH LOGIN or AUTH CRAM-MD5",
    "501 Too many values": "501 5.5.4 Too many values for AUTH",
    "500 Error: bad syntax": "500 5.5.2 Error: bad syntax",
    "500 Command line too long": "500 5.5.2 Command line too long (512 bytes at most, RFC 5321 4.5.3.1.4)",
    "500 Line too long (see RFC5321 4.5.3.1.6)": "500 5.5.2 Line too long (1000 bytes at most, RFC 5321 4.5.3.1.6)",
    "500 Error: strict ASCII mode": "500 5.6.7 Error: non-ASCII data without SMTPUTF8",
    "552 Error: message size exceeds fixed maximum message size":
        "552 5.3.4 Message size exceeds fixed maximum message size ({limit} bytes)",
    "552 Error: Too much mail data": "552 5.3.4 Message too big for this server ({limit} bytes at most)",
    "555 MAIL FROM parameters not recognized or not implemented":
        "555 5.5.4 MAIL FROM parameters not recognized or not implemented",
    "555 RCPT TO parameters not recognized or not implemented":
        "555 5.5.4 RCPT TO parameters not recognized or not implemented",
}
# Variable stock replies: (prefix, replacement prefix).
PREFIX_REWRITES: tuple[tuple[str, str], ...] = (
    ("250 Supported commands: ", "214 2.0.0 Supported commands: "),  # HELP answers 214 (RFC 5321 4.1.1.8)
    ("250 Syntax: ", "214 2.0.0 Syntax: "),
    ("500 Error: command ", "500 5.5.1 Error: command "),
    ("501 Syntax: ", "501 5.5.4 Syntax: "),
    ("502 Could not VRFY ", "501 5.1.3 Could not VRFY "),
    ("501 Error: ", "501 5.5.4 Error: "),
)


# One match finds which prefix (if any) a reply starts with, instead of one startswith per prefix.
_PREFIXES = re.compile("|".join(re.escape(prefix) for prefix, _ in PREFIX_REWRITES))
_REPLACEMENTS = dict(PREFIX_REWRITES)


def rewrite(status: str, limit: int) -> str:
    new = REWRITES.get(status)
    if new is not None:
        return new.format(limit=limit)
    match = _PREFIXES.match(status)
    if match is None:
        return status
    return _REPLACEMENTS[match.group()] + status[match.end():]


# aiosmtpd's _getaddr defines a typing.Protocol class on every call and runs the
# email package's address parser (about 300 Python calls for MAIL FROM:<a@b>):
# two thirds of a bare aiosmtpd's own work per message. The answer depends on the
# argument alone, and a class sends the same few addresses again and again.
_ADDRESSES: dict[str, tuple[str | None, str | None]] = {}
_ADDRESSES_KEPT = 4096  # a bound on memory: the cache starts again when full


def parse_address(arg: str) -> tuple[str | None, str | None]:
    """(address, the rest) as aiosmtpd's ``SMTP._getaddr`` returns them; (None, None) if unparsable."""
    known = _ADDRESSES.get(arg)
    if known is not None:
        return known
    if not arg:
        return "", ""
    answer: tuple[str | None, str | None]
    try:
        address, rest = get_angle_addr(arg) if arg.lstrip().startswith("<") else get_addr_spec(arg)
    except HeaderParseError:
        answer = (None, None)
    else:
        answer = (address.addr_spec, rest)
    if len(_ADDRESSES) >= _ADDRESSES_KEPT:
        _ADDRESSES.clear()
    _ADDRESSES[arg] = answer
    return answer


class LaxLineEnds:
    """Bare CR and LF made CRLF, over any split of the input (the ``smuggling`` scenario)."""

    def __init__(self) -> None:
        self._skip_lf = False  # the last chunk ended in CR, already made CRLF

    def feed(self, chunk: bytes) -> bytes:
        if self._skip_lf and chunk.startswith(b"\n"):
            chunk = chunk[1:]
        if not chunk:
            return b""
        self._skip_lf = chunk.endswith(b"\r")
        return chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n").replace(b"\n", b"\r\n")


class PracticeSMTP(SMTP):
    """One connection to the practice server."""

    def __init__(self, policy: TeachingPolicy, *, scenario: Scenario,
                 on_open: Callable[[PracticeSMTP], None] | None = None,
                 on_close: Callable[[PracticeSMTP], None] | None = None,
                 feed: ClassFeed | None = None,
                 web_url: Callable[[asyncio.BaseTransport], str | None] | None = None,
                 **kwargs: Any) -> None:
        config = policy.config
        super().__init__(
            policy,
            data_size_limit=config.size_limit,
            enable_SMTPUTF8=True,
            hostname=config.hostname,
            ident="ESMTP smtpshell practice server",
            timeout=config.idle_timeout,
            auth_require_tls=False,  # we decide (with implicit TLS counted), see smtp_AUTH
            authenticator=policy.authenticate,
            **kwargs,
        )
        self.policy = policy
        self.scenario = scenario
        self._on_open = on_open
        self._on_close = on_close
        self._mid_reply = False  # the last line pushed was "NNN-": the reply goes on
        self._inject_after_220 = False
        self._misbehaved = False  # garbage/drop happen once per connection
        # The web view's class feed (None without --web: nothing is mirrored, nothing costs).
        self._feed = feed
        self._feed_session: ClassSession | None = None
        self._web_url = web_url
        self.class_view_url: str | None = None  # announced in the EHLO reply (XCLASSVIEW)
        self._lax = LaxLineEnds() if scenario is Scenario.SMUGGLING else None
        # Smuggling: replies held while more input waits; normal: a multi-line reply's first lines.
        self._held_replies: list[bytes] = []
        # No scenario and no feed: push has nothing to do but rewrite and write (its fast path).
        self._plain = scenario is Scenario.NORMAL and feed is None

    # -- connection bookkeeping (the server closes what is open when it stops) -------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        first = self.transport is None
        super().connection_made(transport)
        if first and self._on_open is not None:
            self._on_open(self)
        if self._feed is not None:
            if first:
                assert self.session is not None
                self._feed_session = self._feed.opened(_peer_text(self.session.peer))
                if self._web_url is not None:
                    self.class_view_url = self._web_url(transport)
            elif self._feed_session is not None:
                self._feed.tls_started(self._feed_session, self.tls_description())

    def data_received(self, data: bytes) -> None:
        # Plaintext from the client (after TLS too): mirrored, redacted, into the class feed.
        if self._feed is not None and self._feed_session is not None:
            try:
                self._feed.client_bytes(self._feed_session, data)
            except Exception:  # the feed must never cut a student's connection
                pass
        if self._lax is not None:
            data = self._lax.feed(data)  # the class view saw the real bytes; aiosmtpd reads these
            if not data:
                return
        super().data_received(data)

    def _to_feed(self, data: bytes) -> None:
        if self._feed is not None and self._feed_session is not None:
            try:
                self._feed.server_bytes(self._feed_session, data)
                if self.session is not None:
                    login = self.session.auth_data if self.session.authenticated else None
                    self._feed.identified(self._feed_session, self.session.host_name or "", login)
            except Exception:
                pass

    def _write(self, data: bytes) -> None:
        """A write that bypasses push (scenarios, the idle 421): also shown in the feed."""
        self._to_feed(data)
        self._writer.write(data)

    def connection_lost(self, error: Exception | None) -> None:
        if self._feed is not None and self._feed_session is not None:
            self._feed.closed(self._feed_session)
            self._feed_session = None
        try:
            super().connection_lost(error)
        finally:
            if self._on_close is not None:
                self._on_close(self)
                self._on_close = None

    def _timeout_cb(self) -> None:
        # Say why before hanging up (aiosmtpd just closes): a student who went
        # for coffee sees a 421 explained, not a silent disconnection.
        if self.transport is not None and not self.transport.is_closing():
            minutes = self._timeout_duration / 60
            self._write(f"421 4.4.2 {self.hostname} idle for {minutes:g} minutes, closing connection\r\n".encode())
        super()._timeout_cb()  # type: ignore[no-untyped-call]  # aiosmtpd leaves it untyped

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.close()
        if self._original_transport is not None:
            self._original_transport.close()

    # -- TLS state ---------------------------------------------------------------

    @property
    def tls_active(self) -> bool:
        if self._tls_protocol is not None:
            return True
        return self.transport is not None and self.transport.get_extra_info("ssl_object") is not None

    def tls_description(self) -> str | None:
        if self.transport is None:
            return None
        obj = self.transport.get_extra_info("ssl_object")
        if obj is None:
            return None
        cipher = obj.cipher()
        return f"{obj.version()} with cipher {cipher[0] if cipher else '?'}"

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        """aiosmtpd's, with the parse kept (see :func:`parse_address`); a test holds the two equal."""
        address, rest = parse_address(arg)
        if address and self.local_part_limit and len(address.rpartition("@")[0]) > self.local_part_limit:
            return None, None
        return address, rest

    # -- replies ---------------------------------------------------------------

    async def push(self, status: AnyStr) -> None:
        if self._plain and isinstance(status, str):
            # The normal scenario without the class view (a classroom's every reply):
            # only the rewrite, then aiosmtpd's write and drain without its debug log line.
            # The lines of a multi-line reply (EHLO's) go out in one write, not one each.
            line = rewrite(status, self.data_size_limit or 0).encode("utf-8") + b"\r\n"
            if status[3:4] == "-":
                self._held_replies.append(line)
                return
            if self._held_replies:
                line, self._held_replies = b"".join([*self._held_replies, line]), []
            self._writer.write(line)
            await self._writer.drain()
            return
        if isinstance(status, str):
            status = rewrite(status, self.data_size_limit or 0)
        text = status if isinstance(status, str) else status.decode("utf-8", "replace")
        if self.scenario is Scenario.SLOW and not self._mid_reply:
            await asyncio.sleep(self.policy.config.slow_delay)  # once per reply, not per line
        self._mid_reply = text[3:4] == "-"
        if self._inject_after_220 and text.startswith("220"):
            self._inject_after_220 = False
            self._to_feed(text.encode() + b"\r\n" + INJECTED)  # the injected line is shown as sent
            self._writer.write(text.encode() + b"\r\n" + INJECTED)  # one write: one segment
            await self._writer.drain()
            return
        if self._feed is not None:
            self._to_feed((status if isinstance(status, bytes) else status.encode("utf-8", "replace")) + b"\r\n")
        if self._lax is not None:
            await self._push_batched(status)
            return
        await super().push(status)

    async def _push_batched(self, status: AnyStr) -> None:
        """A reply held while more of the client's input is waiting, then all of them in one write."""
        line = status if isinstance(status, bytes) else status.encode("utf-8", "strict")
        self._held_replies.append(line + b"\r\n")
        # aiosmtpd's StreamReader keeps the unread input; it has no public way to ask its size.
        waiting: bytearray = self._reader._buffer  # type: ignore[attr-defined]  # asyncio.StreamReader's own buffer
        if b"\n" in waiting and self.transport is not None:
            return  # a whole line is still to be read: its reply goes in the same write
        data, self._held_replies = b"".join(self._held_replies), []
        self._writer.write(data)
        await self._writer.drain()

    def ehlo_lines(self, responses: list[str]) -> list[str]:
        """Adjust aiosmtpd's EHLO reply (called from the policy's EHLO hook)."""
        keep: list[str] = []
        for line in responses:
            keyword = line[4:].split(" ", 1)[0].upper()
            if keyword == "STARTTLS" and (self.scenario is Scenario.STARTTLS_STRIPPED or self.tls_active):
                continue
            if keyword == "AUTH" and self.policy.config.auth_requires_tls and not self.tls_active:
                continue
            keep.append(line)
        # Extensions aiosmtpd honours but does not announce.
        extra = ["250-ENHANCEDSTATUSCODES", "250-PIPELINING"]
        if self.class_view_url:
            extra.append(f"250-{CLASS_VIEW_KEYWORD} {self.class_view_url}")
        keep[1:1] = extra
        body = [line[4:] for line in keep]
        return [f"250-{text}" for text in body[:-1]] + [f"250 {body[-1]}"]

    # -- commands ----------------------------------------------------------------

    @syntax("EHLO hostname")
    async def smtp_EHLO(self, hostname: str) -> None:
        if hostname and await self._misbehave():
            return
        await super().smtp_EHLO(hostname)

    @syntax("HELO hostname")
    async def smtp_HELO(self, hostname: str) -> None:
        if hostname and await self._misbehave():
            return
        await super().smtp_HELO(hostname)

    async def _misbehave(self) -> bool:
        """The garbage and drop scenarios, once per connection. True if the reply was replaced."""
        if self._misbehaved or self.scenario not in (Scenario.GARBAGE, Scenario.DROP):
            return False
        self._misbehaved = True
        if self.scenario is Scenario.GARBAGE:
            self._write(GARBAGE)
            await self._writer.drain()
            return True
        self._write(HALF_REPLY.replace(b"{hostname}", self.hostname.encode()))
        await self._writer.drain()
        self.abort()
        return True

    @syntax("STARTTLS")
    async def smtp_STARTTLS(self, arg: str) -> None:
        if arg:
            await self.push("501 5.5.4 Syntax: STARTTLS (no parameters)")
            return
        if self.tls_active:
            await self.push("503 5.5.1 TLS is already active")
            return
        if self.scenario is Scenario.STARTTLS_STRIPPED:
            # What the server says when an attacker rewrote the command on its way.
            await self.push('500 5.5.1 Error: command "XXXXXXXX" not recognized')
            return
        if self.scenario is Scenario.STARTTLS_REFUSED:
            await self.push("454 4.7.0 TLS not available due to temporary reason")
            return
        if not self.tls_context:
            await self.push("454 4.7.0 TLS not available on this port")
            return
        self._inject_after_220 = self.scenario is Scenario.STARTTLS_INJECTION
        await super().smtp_STARTTLS(arg)

    @syntax("AUTH <mechanism>")
    async def smtp_AUTH(self, arg: str) -> None:
        assert self.session is not None
        if (self.session.host_name and self.session.extended_smtp
                and self.policy.config.auth_requires_tls and not self.tls_active):
            await self.push("530 5.7.0 Must issue a STARTTLS command first")
            return
        await super().smtp_AUTH(arg)

    async def auth_CRAM__MD5(self, _: Any, args: list[str]) -> AuthResult:
        """RFC 2195: the server sends a unique challenge, the client answers "user HMAC-MD5(password, challenge)"."""
        if len(args) > 1:
            await self.push("501 5.5.4 CRAM-MD5 takes no initial response")
            return AuthResult(success=False, handled=True)
        challenge = f"<{secrets.randbelow(10**12)}.{int(time.time())}@{self.hostname}>"
        response = await self.challenge_auth(challenge)
        if response is MISSING:
            return AuthResult(success=False, handled=True)
        assert isinstance(response, bytes)
        user, _, digest = response.decode("utf-8", "replace").rpartition(" ")
        password = self.policy.password_of(user)
        if password is not None:
            expected = hmac.new(password.encode(), challenge.encode(), hashlib.md5).hexdigest()
            if hmac.compare_digest(expected, digest.lower()):
                return AuthResult(success=True, auth_data=user)
        return AuthResult(success=False, handled=False)

    @syntax("EXPN <list>")
    async def smtp_EXPN(self, arg: str) -> None:
        if not arg:
            await self.push("501 5.5.4 Syntax: EXPN <list>")
            return
        for line in self.policy.expn_lines(arg):
            await self.push(line)


def _peer_text(peer: Any) -> str:
    if isinstance(peer, tuple) and len(peer) >= 2:
        host = f"[{peer[0]}]" if ":" in str(peer[0]) else str(peer[0])
        return f"{host}:{peer[1]}"
    return str(peer)
