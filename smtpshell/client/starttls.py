"""STARTTLS (RFC 3207) and TLS on a connection: the rules, the gate, the handshake, injected plaintext.

The first half is data and small pure functions (the texts, where a TLS
record starts). The second is :class:`TLSHandling`, the part of
:class:`~.core.ConnectionCore` that runs TLS over memory BIOs: the *gate*
that holds writes after STARTTLS until its reply (and the handshake a 220
starts) settles, the handshake itself, and the plaintext a server sends
between its 220 and its first TLS record (discarded and reported).

- Only a 220 reply starts the handshake. Anything else leaves the session in
  plaintext, and the user is told so with what the code means here.
- Plaintext the server sends between its 220 and its first TLS record is not a
  reply: it is discarded and reported (STARTTLS response injection,
  CVE-2011-0411). :func:`tls_record_start` finds where TLS begins in a segment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import events as ev
from ..i18n import t
from ..protocol.replies import ProtocolError, Reply, ReplyParser
from ..protocol.session import Session
from ..untrusted import safe_bytes
from .errors import ConnectionClosed, ConnectionFailed, server_closed
from .target import Target
from .tls_options import TLSOptions

if TYPE_CHECKING:
    import ssl

    from .tls_layer import TLSLayer

GO_AHEAD = 220

def _stays_plain() -> str:
    return t("client.starttls.stays_plain", "no TLS handshake was started; the session stays in plaintext (nothing is encrypted)")


def refusal_meaning(code: int, klass: int) -> str:
    """What a refusal of STARTTLS means, by code (then by class), in the current language."""
    by_code = {
        454: t("client.starttls.refused.454", "the server cannot start TLS right now (temporary: often no certificate is configured, or TLS is switched off); try again later, or ask its administrator"),
        502: t("client.starttls.refused.502", "the server does not implement STARTTLS (it should not have offered it; check its EHLO reply)"),
        500: t("client.starttls.refused.500", "the server did not recognise the command"),
        501: t("client.starttls.refused.501", "STARTTLS takes no arguments: type it alone"),
        503: t("client.starttls.refused.503", "bad sequence: say EHLO first (or TLS is already on)"),
        530: t("client.starttls.refused.530", "the server refuses this now (it may want something else first)"),
        554: t("client.starttls.refused.554", "the server refuses TLS for this connection"),
    }
    if code in by_code:
        return by_code[code]
    by_class = {
        2: t("client.starttls.refused.2xx", "RFC 3207 says the go-ahead is 220; smtpshell starts TLS only on 220"),
        4: t("client.starttls.refused.4xx", "a temporary refusal: try again later"),
        5: t("client.starttls.refused.5xx", "a permanent refusal"),
    }
    return by_class.get(klass) or t("client.starttls.refused.other", "not a go-ahead")


def refusal_message(reply: Reply | ProtocolError) -> str:
    """Why no handshake follows this reply to STARTTLS, in plain words."""
    if not isinstance(reply, Reply):
        return t("client.starttls.no_valid_reply", "STARTTLS got no valid reply: {stays_plain}", stays_plain=_stays_plain())
    meaning = refusal_meaning(reply.code, reply.klass)
    return t("client.starttls.refused", "STARTTLS answered {code}, not 220: {stays_plain}. {meaning}.", code=reply.code,
             stays_plain=_stays_plain(), meaning=f"{meaning[0].upper()}{meaning[1:]}")


def already_tls() -> str:
    return t("client.starttls.already_tls", "the server said 220 to STARTTLS although TLS is already on; smtpshell does not start a second handshake inside the first")


def say_ehlo_again() -> str:
    return t("ui.tls.say_ehlo_again", "TLS is on. The server has forgotten the EHLO and everything it offered before (RFC 3207 section 4.2): say EHLO again to see what it offers inside TLS")


def insecure() -> str:
    return t("client.tls.insecure", "this session is NOT verified (--insecure): the certificate was not checked, so anyone in the middle could be reading and changing everything; do not send real passwords")


def keylog_note(path: str) -> str:
    return t("client.tls.keylog_note", "TLS session keys appended to {path} (--keylog / SSLKEYLOGFILE), for Wireshark: anyone with this file can decrypt a capture of this session", path=path)


# Where injected plaintext was found, for the warning.
SAME_SEGMENT = "same-segment"
PARTIAL_LINE = "partial-line"
LATER_SEGMENT = "later-segment"


def _where_words(where: str) -> str:
    return {
        SAME_SEGMENT: t("client.starttls.injected.same_segment", "in the same packet as its 220"),
        PARTIAL_LINE: t("client.starttls.injected.partial_line", "as an unfinished line after its 220"),
        LATER_SEGMENT: t("client.starttls.injected.later_segment", "in a later packet, before its first TLS record"),
    }.get(where, where)


def injection_message(nbytes: int, where: str) -> str:
    return t("client.starttls.injected", "discarded {count} byte(s) the server sent after its 220 to STARTTLS and before the TLS handshake ({where}). A server never does this; an attacker in the middle might (STARTTLS response injection). They were not treated as replies.",
             count=nbytes, where=_where_words(where))


def plaintext_instead_of_tls(raw: bytes, where: str) -> str:
    """Implicit TLS, and the server spoke plaintext: say so at once instead of timing out."""
    shown = safe_bytes(raw.split(b"\n", 1)[0].rstrip(b"\r")[:60])
    return t("client.tls.plaintext_instead", "{where} answered in plaintext ('{shown}'), not TLS: this port does not use implicit TLS. Connect without --tls / smtps:// and type STARTTLS to upgrade",
             where=where, shown=shown)


_RECORD_TYPES = {21, 22}  # alert, handshake: what a server's first record can be
_MAX_RECORD = 16384 + 2048


def tls_record_start(data: bytes) -> int | None:
    """Offset of the first plausible TLS record header in ``data``, or None.

    A server's first record after our ClientHello is a handshake record holding
    a ServerHello (type 2), or an alert of 2 bytes. Anything before it is
    plaintext. A false match only makes the handshake fail, never turns
    plaintext into a reply, so a simple check is safe.
    """
    for i in range(len(data)):
        if data[i] not in _RECORD_TYPES:
            continue
        header = data[i : i + 6]
        if len(header) >= 2 and header[1] != 3:
            continue
        if len(header) >= 3 and header[2] > 4:
            continue
        if len(header) >= 5:
            length = int.from_bytes(header[3:5], "big")
            if length == 0 or length > _MAX_RECORD:
                continue
            if data[i] == 21 and length != 2:
                continue
        if len(header) >= 6 and data[i] == 22 and header[5] != 2:
            continue
        return i
    return None


# -- the gate, the handshake, injected plaintext ------------------------------------


class _Gate:
    """STARTTLS's reply and the handshake it starts: settled once, with a result or an error."""

    def __init__(self) -> None:
        self.done = False
        self.result: ev.TLSInfo | None = None
        self.error: Exception | None = None

    def settle(self, result: ev.TLSInfo | None) -> None:
        if not self.done:
            self.done, self.result = True, result

    def fail(self, error: Exception) -> None:
        if not self.done:
            self.done, self.error = True, error


class TLSHandling:
    """TLS for :class:`~.core.ConnectionCore` (a base class of it): state lives on the connection.

    The core's receiving path calls :meth:`_tls_received` once TLS has begun,
    and :meth:`_starttls_answered` with the reply to a STARTTLS; its sending
    path closes the gate with :meth:`_expect_starttls_reply` and waits on
    :attr:`tls_pending` / :meth:`wait_tls`.
    """

    # Provided by ConnectionCore.
    target: Target
    bus: ev.EventBus
    session: Session
    parser: ReplyParser
    tls_options: TLSOptions
    tls_info: ev.TLSInfo | None
    timeout: float
    _transport: Any
    _tls: TLSLayer | None
    _tls_done: _Gate | None
    _tls_upgraded: bool
    _injected_tail: bytes
    _sni: str | None
    _checked_name: str | None
    _closed_reason: str | None
    _closed_clean: bool

    def _plaintext(self, data: bytes) -> None:
        raise NotImplementedError

    def _fail(self, reason: str) -> None:
        raise NotImplementedError

    def _notify(self) -> None:
        raise NotImplementedError

    async def _wait_until(self, ready: Callable[[], bool], timeout: float) -> None:
        raise NotImplementedError

    def _tls_received(self, tls: TLSLayer, data: bytes) -> None:
        """Bytes from the server once TLS has begun: handshake records, then records to decrypt."""
        if not tls.established:
            if not tls.records_seen:
                data = self._strip_injected(data)
                if not data:
                    return
                tls.records_seen = True
            tls.incoming.write(data)
            self._advance_handshake()
            if not tls.established:
                return
            data = b""
        try:
            plain, closed = tls.decrypt(data)
        except tls.Error as exc:
            from .tls_diagnosis import handshake_words

            self._fail(t("client.tls.error_from", "TLS error from {target}: {words}", target=self.target, words=handshake_words(exc)))
            return
        self._flush_tls()
        if plain:
            self._plaintext(plain)
        if closed and not self._closed_clean:  # after QUIT/221, "closed after QUIT" says it better
            self._closed_reason = self._closed_reason or t("client.tls.close_notify", "the server ended TLS (close_notify)")
        if closed:
            self._answer_close_notify(tls)

    def _answer_close_notify(self, tls: TLSLayer) -> None:
        """The server ended TLS: send our close_notify and close, as it waits for (else its timeout)."""
        try:
            tls.obj.unwrap()
        except (tls.Error, ValueError):
            pass  # no reply to send (a broken or half-done shutdown): closing is all that is left
        self._flush_tls()
        if self._transport is not None and not self._transport.is_closing():
            self._transport.close()

    def _context(self) -> ssl.SSLContext:
        from .tls import TLSSetupError, make_context

        try:
            return make_context(self.tls_options)
        except TLSSetupError as exc:
            raise ConnectionFailed(str(exc)) from None


    def _context_or_fail(self) -> ssl.SSLContext | None:
        # Called from a protocol callback: it must not raise.
        try:
            return self._context()
        except ConnectionFailed as exc:
            self.bus.emit(ev.Warning(str(exc), kind="tls-setup"))
            self._fail(str(exc))
            return None


    def _strip_injected(self, data: bytes) -> bytes:
        """Drop plaintext that came before the server's first TLS record."""
        start = tls_record_start(data)
        cut = len(data) if start is None else start
        if cut and not self._tls_upgraded:
            # Implicit TLS, and the server speaks plaintext: say so now, not after a timeout.
            self._fail(plaintext_instead_of_tls(data[:cut], str(self.target)))
            return b""
        self._report_injection(data[:cut], LATER_SEGMENT)
        return data[cut:]


    def _report_injection(self, raw: bytes, where: str = SAME_SEGMENT) -> None:
        if not raw:
            return
        self.bus.emit(
            ev.Warning(
                injection_message(len(raw), where),
                kind="starttls-injection",
                detail=raw[:200],
            )
        )


    # -- TLS -----------------------------------------------------------------


    def _expect_starttls_reply(self) -> None:
        """STARTTLS is on its way: hold every later write until it is answered.

        ``_tls_done`` is the one gate: pending from here until the reply says
        no (settled at once) or the handshake after a 220 ends.
        """
        if self._tls_done is None or self._tls_done.done:
            self._tls_done = _Gate()


    def _starttls_answered(self, item: Reply | ProtocolError) -> None:
        """The reply to STARTTLS: only 220 starts the handshake (RFC 3207)."""
        if isinstance(item, Reply) and item.code == GO_AHEAD and self._tls is None:
            self._injected_tail = self.parser.clear()
            ctx = self._context_or_fail()
            if ctx is not None:
                self._begin_tls(ctx, upgraded=True)
            return
        if self._tls is None:
            self.bus.emit(ev.Warning(refusal_message(item), kind="starttls-refused"))
        elif isinstance(item, Reply) and item.code == GO_AHEAD:
            self.bus.emit(ev.Warning(already_tls(), kind="starttls-refused"))
        if self._tls_done is not None:
            self._tls_done.settle(self.tls_info)
            self._notify()


    def _begin_tls(self, ctx: ssl.SSLContext, upgraded: bool) -> None:
        from .tls import server_hostname
        from .tls_layer import TLSLayer

        if self._tls_done is None or self._tls_done.done:
            self._tls_done = _Gate()
        self._tls_upgraded = upgraded
        hostname = server_hostname(self.target.host, self.tls_options)
        self._checked_name = hostname
        self._sni = hostname if hostname and not _is_ip(hostname) else None
        self._tls = TLSLayer(ctx, hostname)
        self._advance_handshake()


    def _advance_handshake(self) -> None:
        tls = self._tls
        assert tls is not None and self._tls_done is not None
        try:
            done = tls.step()
        except tls.Error as exc:
            from .tls import diagnose_failure

            self._flush_tls()  # our alert, so the server knows why
            failure = diagnose_failure(exc, tls.obj, str(self.target), self.tls_options, self._checked_name)
            for line in failure.detail.splitlines():  # one event per line: the screen shows no raw newlines
                self.bus.emit(ev.Warning(line, kind=f"tls-{failure.key}"))
            # Said once: the warnings above explain the failure; the close only points at them
            # (the driver's one line on stderr carries the summary for scripts).
            self._closed_reason = t("ui.tls.closed_after_failure", "the TLS handshake failed (why: see above)")
            self._tls_done.fail(ConnectionFailed(failure.summary))
            if self._transport is not None:
                self._transport.close()
            # After the close: asyncio then reports the connection lost before it
            # wakes the waiter, so the Closed event comes before the error surfaces.
            self._notify()
            return
        self._flush_tls()
        if done:
            from .tls import describe

            info = describe(tls.obj, self.tls_options, self._sni, self._checked_name)
            self.tls_info = info
            if self._tls_upgraded:
                self.session.tls_started()
            else:
                self.session.tls = True
            self.bus.emit(ev.TLSStarted(info, upgraded=self._tls_upgraded))
            if not info.verified:
                self.bus.emit(ev.Warning(insecure(), kind="insecure"))
            if self.tls_options.keylog_path:
                self.bus.emit(ev.Info(keylog_note(self.tls_options.keylog_path)))
            if self._tls_upgraded:
                # The one place that says what to do after the upgrade (the 220's hint does not).
                self.bus.emit(ev.Info(say_ehlo_again()))
            self._tls_done.settle(info)
            self._notify()
            # Bytes that arrived with the last handshake message may hold data.
            plain, _ = tls.decrypt(b"")
            if plain:
                self._plaintext(plain)


    def _flush_tls(self) -> None:
        if self._tls is None or self._transport is None:
            return
        out = self._tls.take_output()
        if out and not self._transport.is_closing():
            self._transport.write(out)

    def peer_certificates(self) -> tuple[list[bytes], str]:
        """The certificates the server sent (DER, leaf first) and what they are (see tls_save)."""
        if self._tls is None or not self._tls.established:
            return [], ""
        from .tls_save import sent_chain

        return sent_chain(self._tls.obj)

    @property
    def tls_pending(self) -> bool:
        """A STARTTLS awaits its reply, or a handshake is running: writes must wait."""
        return self._tls_done is not None and not self._tls_done.done


    async def wait_tls(self) -> ev.TLSInfo | None:
        """Wait for STARTTLS's reply and the handshake it starts; raises ConnectionFailed if it fails.

        Returns the TLS details, or None when STARTTLS was refused (still plaintext).
        """
        gate = self._tls_done
        assert gate is not None
        try:
            await self._wait_until(lambda: gate.done, self.timeout)
        except TimeoutError:
            if self._tls is not None:
                self._fail(t("client.tls.handshake_timeout", "the TLS handshake did not finish within {seconds} s", seconds=f"{self.timeout:g}"))
            else:
                self._fail(t("client.starttls.no_reply_timeout", "no reply to STARTTLS within {seconds} s", seconds=f"{self.timeout:g}"))
            raise ConnectionFailed(self._closed_reason or t("client.tls.timed_out", "TLS handshake timed out")) from None
        if gate.error is None:
            return gate.result
        if isinstance(gate.error, ConnectionClosed):
            reason = str(gate.error)
            if reason == server_closed() and self._tls is not None:
                reason = t("client.tls.closed_in_handshake", "the server closed the connection during the TLS handshake (it may not accept our TLS versions, ciphers or name (SNI), or the port does not speak TLS)")
            raise ConnectionFailed(reason)
        raise gate.error


def _is_ip(name: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True
