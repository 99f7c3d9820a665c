"""The teaching rules: who may send to whom, VRFY/EXPN answers, greylisting, storing mail.

This is the aiosmtpd *handler* (its ``handle_*`` hooks): one instance shared by
every connection, so greylisting remembers a triplet across connections.
Protocol-level behaviour (STARTTLS, AUTH, scenarios) is in :mod:`.smtp`.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any, Protocol

from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from ..untrusted import header_safe
from .config import PracticeConfig
from .store import Mailbox, StoredMessage, subject_of


class PracticeSMTP(Protocol):
    """What the hooks use of the server (smtp.PracticeSMTP), named here so policy does not import smtp back."""

    def ehlo_lines(self, responses: list[str]) -> list[str]: ...

    def tls_description(self) -> str | None: ...

Clock = Callable[[], float]


class TeachingPolicy:
    """The handler. The config's names and domains are read once, here, not per RCPT (the server
    never changes its config while it runs)."""

    def __init__(self, config: PracticeConfig, mailbox: Mailbox, clock: Clock = time.monotonic) -> None:
        self.config = config
        self.mailbox = mailbox
        self.clock = clock
        self._greylist: dict[tuple[str, str, str], float] = {}
        self._local_names = frozenset(config.local_names())
        self._local_domains = frozenset(d.lower() for d in config.domains)

    # -- AUTH (LOGIN and PLAIN come here; CRAM-MD5 checks with password_of) ---------------

    def password_of(self, user: str) -> str | None:
        return self.config.users.get(user)

    def authenticate(self, server: Any, session: Session, envelope: Envelope, mechanism: str, auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            user = auth_data.login.decode("utf-8", "replace")
            expected = self.password_of(user)
            if expected is not None and hmac.compare_digest(expected.encode(), auth_data.password):
                return AuthResult(success=True, auth_data=user)
        return AuthResult(success=False, handled=False)

    # -- the envelope ---------------------------------------------------------

    async def handle_EHLO(self, server: PracticeSMTP, session: Session, envelope: Envelope,
                          hostname: str, responses: list[str]) -> list[str]:
        session.host_name = hostname  # aiosmtpd leaves this to the hook when there is one
        return server.ehlo_lines(responses)

    async def handle_MAIL(self, server: Any, session: Session, envelope: Envelope,
                          address: str, options: list[str]) -> str:
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return f"250 2.1.0 Sender <{address}> OK"

    async def handle_RCPT(self, server: Any, session: Session, envelope: Envelope,
                          address: str, options: list[str]) -> str:
        local, at, domain = address.rpartition("@")
        if not at or not local or not domain:
            return f"501 5.1.3 <{address}>: Recipient address needs a domain (user@{self.config.domains[0]})"
        if domain.lower() in self._local_domains:
            if local.lower() not in self._local_names:
                return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown in local recipient table"
            if self.config.greylisting and not session.authenticated:
                wait = self._greylist_wait(session, envelope, address)
                if wait is not None:
                    later = f"in {wait:.0f} seconds" if wait >= 1 else "later (a retry is accepted)"
                    return f"451 4.7.1 <{address}>: Recipient address rejected: Greylisted, try again {later}"
        elif not session.authenticated:
            return (f"554 5.7.1 <{address}>: Relay access denied "
                    f"(this server only takes mail for {', '.join(self.config.domains)} unless you AUTH)")
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return f"250 2.1.5 <{address}>: Recipient OK"

    def _greylist_wait(self, session: Session, envelope: Envelope, address: str) -> float | None:
        """Seconds still to wait for this (client, sender, recipient) triplet; None: it may pass."""
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)
        key = (peer, (envelope.mail_from or "").lower(), address.lower())
        now = self.clock()
        first = self._greylist.get(key)
        if first is None:  # the first try is always turned away
            self._greylist[key] = now
            return self.config.greylist_delay
        left = self.config.greylist_delay - (now - first)
        return left if left > 0 else None

    async def handle_RSET(self, server: Any, session: Session, envelope: Envelope) -> str:
        return "250 2.0.0 OK"

    async def handle_NOOP(self, server: Any, session: Session, envelope: Envelope, arg: str) -> str:
        return "250 2.0.0 OK"

    async def handle_QUIT(self, server: Any, session: Session, envelope: Envelope) -> str:
        return f"221 2.0.0 {self.config.hostname} closing connection"

    # -- VRFY and EXPN --------------------------------------------------------

    async def handle_VRFY(self, server: Any, session: Session, envelope: Envelope, address: str) -> str:
        if not self.config.vrfy:
            return "252 2.5.2 Cannot VRFY user, but will accept message and attempt delivery"
        name = self._local_name(address)
        if name is None:
            return f"252 2.5.2 <{address}>: not a local address, cannot VRFY it"
        if name in self.config.lists:
            return f"250 2.1.5 {name} <{self.config.address(name)}> (a mailing list: EXPN {name} lists it)"
        if name in {n.lower() for n in (*self.config.users, *self.config.mailboxes)}:
            return f"250 2.1.5 {name.capitalize()} <{self.config.address(name)}>"
        return f"550 5.1.1 <{address}>: User unknown"

    def expn_lines(self, argument: str) -> list[str]:
        """The full EXPN reply, one string per line (codes included)."""
        if not self.config.expn:
            return ["502 5.5.1 EXPN is turned off on this server (as on most real ones)"]
        name = self._local_name(argument)
        if name is None or name not in self.config.lists:
            return [f"550 5.1.1 <{argument}>: no such mailing list"]
        members = self.config.lists[name]
        lines = [f"{m.capitalize()} <{self.config.address(m)}>" for m in members] or ["(an empty list)"]
        return [f"250-2.1.5 {line}" for line in lines[:-1]] + [f"250 2.1.5 {lines[-1]}"]

    def _local_name(self, address: str) -> str | None:
        text = address.strip().strip("<>")
        local, at, domain = text.rpartition("@")
        if not at:
            local = text
        elif not self.config.local_domain(domain):
            return None
        return local.lower()

    # -- DATA -----------------------------------------------------------------

    async def handle_DATA(self, server: PracticeSMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        queue_id = secrets.token_hex(5).upper()
        now = datetime.now(UTC)
        tls = server.tls_description()
        user = session.auth_data if session.authenticated else None
        peer = _peer(session.peer)
        helo = session.host_name or "unknown"
        trace = _trace_headers(
            self.config.hostname, queue_id, now, peer, helo, envelope, tls, user,
            extended=session.extended_smtp,
        )
        message = StoredMessage(
            number=self.mailbox.next_number(),
            queue_id=queue_id,
            received_at=now,
            peer=peer,
            helo=helo,
            mail_from=envelope.mail_from or "",
            rcpt_tos=tuple(envelope.rcpt_tos),
            tls=tls,
            auth_user=str(user) if user else None,
            subject=subject_of(content),
            size=len(content),
            data=trace + content,
        )
        try:
            await self.mailbox.deliver(message)  # on disk (if stored) before the 250
        except OSError as exc:
            return f"451 4.3.0 Could not store the message: {exc.strerror or exc}; try again later"
        return f"250 2.0.0 OK: queued as {queue_id}"


_DATE: list[tuple[datetime, str]] = []  # the last second's Date text (a class sends many a second)


def _date_text(when: datetime) -> str:
    """``format_datetime(when)``, formatted once per second."""
    second = when.replace(microsecond=0)
    if not _DATE or _DATE[0][0] != second:
        _DATE[:] = [(second, format_datetime(second))]
    return _DATE[0][1]


def _peer(peer: Any) -> str:
    if isinstance(peer, tuple) and len(peer) >= 2:
        host = f"[{peer[0]}]" if ":" in str(peer[0]) else str(peer[0])
        return f"{host}:{peer[1]}"
    return str(peer)


def _trace_headers(hostname: str, queue_id: str, when: datetime, peer: str, helo: str,
                   envelope: Envelope, tls: str | None, user: Any, *, extended: bool) -> bytes:
    # RFC 3848: ESMTP + S (TLS) + A (authenticated); plain SMTP after HELO.
    protocol = "ESMTP" if extended else "SMTP"
    if extended:
        protocol += ("S" if tls else "") + ("A" if user else "")
    ip = peer.rsplit(":", 1)[0]
    ip = ip if ip.startswith("[") else f"[{ip}]"
    rcpts = envelope.rcpt_tos
    lines = [f"Return-Path: <{envelope.mail_from or ''}>"]
    lines += [f"Delivered-To: {r}" for r in rcpts]
    received = f"Received: from {header_safe(helo)} ({ip})\r\n\tby {hostname} (smtpshell practice server) with {protocol} id {queue_id}"
    if tls:
        received += f"\r\n\t(using {tls})"
    if user:
        received += f"\r\n\t(authenticated as {header_safe(str(user))})"
    if len(rcpts) == 1:
        received += f"\r\n\tfor <{rcpts[0]}>"
    received += f"; {_date_text(when)}"
    lines.append(received)
    return ("\r\n".join(lines) + "\r\n").encode("utf-8", "surrogateescape")
