"""/tls: what TLS this session negotiated, and the certificate chain, in full."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ..client.tls_diagnosis import certificate_lines
from ..client.tls_options import TLSOptions
from ..events import CertSummary, TLSInfo
from ..i18n import t
from ..protocol.session import Session
from ..render.width import pad_to
from ..untrusted import safe
from .registry import ShellContext, command

if TYPE_CHECKING:
    from ..client.core import ConnectionCore as Connection

StyledText = list[tuple[str, str]]

LABEL = "class:explain.label"


@command(
    "tls",
    "show the TLS version, cipher, SNI, ALPN, certificate chain and verification result",
    usage="[save FILE]",
    details="Each certificate: subject, names (SANs), issuer, validity with days left, key type "
    "and size, SHA-256 fingerprint. Without TLS it says how to start it. "
    "'/tls save FILE' writes the certificates the server sent to FILE as PEM.",
)
async def tls_command(ctx: ShellContext, args: str) -> None:
    conn = ctx.connection
    if conn is None or not conn.is_open:
        ctx.error("/tls: not connected")
        return
    action, _, path = args.partition(" ")
    if action:
        _tls_action(ctx, conn, action, path.strip())
        return
    info = conn.tls_info
    if info is None:
        ctx.print(no_tls_report(ctx.session))
        return
    ctx.print(tls_report(info, str(conn.target), conn.tls_options, upgraded=not conn.target.implicit_tls))


def _tls_action(ctx: ShellContext, conn: Connection, action: str, path: str) -> None:
    if action != "save" or not path:
        ctx.error(t("tls.cmd.usage", "/tls {action}: write /tls to see the TLS state or /tls save FILE to save the chain",
                    action=safe(action)))
        return
    if conn.tls_info is None:
        ctx.error(t("tls.cmd.save_no_tls", "/tls save: TLS is not on: there is no certificate to save (STARTTLS first)"))
        return
    from ..client.tls_save import save_chain
    from ..events import Info

    event = save_chain(conn, path)
    if isinstance(event, Info):
        ctx.print([("class:tls", f"** {event.message}\n")])
    else:
        ctx.error(event.message)


def tls_report(
    info: TLSInfo, where: str, options: TLSOptions, *, upgraded: bool, now: datetime | None = None
) -> StyledText:
    """The /tls text for a session with TLS on (a pure function, for tests)."""
    now = now or datetime.now(UTC)
    how = "upgraded with STARTTLS" if upgraded else "implicit TLS from the first byte"
    out: StyledText = [("class:tls", f"TLS with {where} ({how})\n")]

    def row(label: str, value: str, style: str = "") -> None:
        out.append((LABEL, f"  {pad_to(label + ':', 13)}"))  # columns, not characters (Chinese labels)
        out.append((style, f"{value}\n"))

    row("version", info.version)
    row("cipher", f"{info.cipher} ({info.bits} bits)")
    row("SNI sent", info.sni or "none (connected by IP address; no name is sent)")
    row("ALPN", info.alpn or "none negotiated")
    if info.verified:
        row("verified", f"yes, {info.verify_note}", "class:tls")
    else:
        row("verified", f"NO: {info.verify_note}", "class:insecure")
    if options.certfile:
        row("client cert", options.certfile)
    if options.keylog_path:
        row("key log", f"{options.keylog_path} (session keys for Wireshark)")
    if not info.chain:
        out.append(("class:warning", "  the server sent no certificate we could read\n"))
        return out
    sent = t("tls.chain_sent", "Certificates the server sent ({count}, its own first):", count=len(info.chain))
    if not info.sent_complete:
        sent = t("tls.chain_sent_leaf", "The server's own certificate (this Python cannot show what else it sent):")
    out.append(("class:tls", sent + "\n"))
    for depth, cert in enumerate(info.chain):
        role = "server" if depth == 0 else ("root" if cert.self_signed else "intermediate")
        _certificate(out, row, depth, role, cert, now)
    if info.verified_chain:
        out.append(("class:tls", t("tls.chain_built", "Chain verification built ({count}, from the server's to a "
                                   "trusted root; not necessarily what the server sent):", count=len(info.verified_chain))
                    + "\n"))
        for depth, cert in enumerate(info.verified_chain):
            role = "server" if depth == 0 else ("trusted root" if cert.self_signed else "intermediate")
            out.append(("class:explain.title", f" [{depth}] {role}: {cert.subject}\n"))
    return out


def _certificate(out: StyledText, row: Callable[..., None], depth: int, role: str, cert: CertSummary,
                 now: datetime) -> None:
    out.append(("class:explain.title", f" [{depth}] {role}\n"))
    for line in certificate_lines(cert, now):
        label, _, value = line.strip().partition(":")
        row(label, value.strip(), "class:warning" if _is_bad_validity(value) else "")
    row("key", cert.key)
    row("SHA-256", cert.sha256)


def no_tls_report(session: Session) -> StyledText:
    if session.capabilities is None:
        offer = "say EHLO to see whether the server offers STARTTLS"
    elif session.advertised("STARTTLS"):
        offer = "the server offers STARTTLS: type STARTTLS to upgrade, then EHLO again"
    else:
        offer = "the server's EHLO reply does not offer STARTTLS"
    return [("class:warning", "No TLS on this connection: everything is sent in plaintext.\n"),
            ("class:note", f"  {offer}\n")]


def _is_bad_validity(value: str) -> bool:
    return "expired" in value or "not valid for another" in value

