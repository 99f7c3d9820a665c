"""/tls: what TLS this session negotiated, and the certificate chain, in full."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from ..client.tls_diagnosis import certificate_lines
from ..client.tls_options import TLSOptions
from ..events import CertSummary, TLSInfo
from ..i18n import t
from ..protocol.session import Session
from ..records import TYPE_CHECKING
from ..render.width import pad_to
from ..untrusted import safe
from .registry import command

if TYPE_CHECKING:
    from ..client.core import ConnectionCore as Connection
    from .context import ShellContext

StyledText = list[tuple[str, str]]

LABEL = "class:explain.label"


@command(
    "tls",
    lambda: t("shell.tls.summary", "show the TLS version, cipher, SNI, ALPN, certificate chain and verification result"),
    usage="[save FILE]",
    details=lambda: t("shell.tls.details", "Each certificate: subject, names (SANs), issuer, validity with days left, key type and size, SHA-256 fingerprint. Without TLS it says how to start it. '/tls save FILE' writes the certificates the server sent to FILE as PEM."),
)
async def tls_command(ctx: ShellContext, args: str) -> None:
    conn = ctx.connection
    if conn is None or not conn.is_open:
        ctx.error(t("shell.tls.not_connected", "/tls: not connected"))
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
    if upgraded:
        title = t("shell.tls.title_starttls", "TLS with {where} (upgraded with STARTTLS)", where=where)
    else:
        title = t("shell.tls.title_implicit", "TLS with {where} (implicit TLS from the first byte)", where=where)
    out: StyledText = [("class:tls", f"{title}\n")]

    def row(label: str, value: str, style: str = "") -> None:
        out.append((LABEL, f"  {pad_to(label + ':', 13)}"))  # columns, not characters (Chinese labels)
        out.append((style, f"{value}\n"))

    row(t("shell.tls.label.version", "version"), info.version)
    row(t("shell.tls.label.cipher", "cipher"), t("shell.tls.cipher", "{cipher} ({bits} bits)", cipher=info.cipher, bits=info.bits))
    row(t("shell.tls.label.sni", "SNI sent"), info.sni or t("shell.tls.no_sni", "none (connected by IP address; no name is sent)"))
    row(t("shell.tls.label.alpn", "ALPN"), info.alpn or t("shell.tls.no_alpn", "none negotiated"))
    if info.verified:
        row(t("shell.tls.label.verified", "verified"), t("shell.tls.verified_yes", "yes, {note}", note=info.verify_note), "class:tls")
    else:
        row(t("shell.tls.label.verified", "verified"), t("shell.tls.verified_no", "NO: {note}", note=info.verify_note), "class:insecure")
    if options.certfile:
        row(t("shell.tls.label.client_cert", "client cert"), options.certfile)
    if options.keylog_path:
        row(t("shell.tls.label.key_log", "key log"),
            t("shell.tls.key_log", "{path} (session keys for Wireshark)", path=options.keylog_path))
    if not info.chain:
        out.append(("class:warning", "  " + t("shell.tls.no_chain", "the server sent no certificate we could read") + "\n"))
        return out
    sent = t("tls.chain_sent", "Certificates the server sent ({count}, its own first):", count=len(info.chain))
    if not info.sent_complete:
        sent = t("tls.chain_sent_leaf", "The server's own certificate (this Python cannot show what else it sent):")
    out.append(("class:tls", sent + "\n"))
    for depth, cert in enumerate(info.chain):
        role = _ROLES["server" if depth == 0 else ("root" if cert.self_signed else "intermediate")]()
        _certificate(out, row, depth, role, cert, now)
    if info.verified_chain:
        out.append(("class:tls", t("tls.chain_built", "Chain verification built ({count}, from the server's to a trusted root; not necessarily what the server sent):",
                                   count=len(info.verified_chain)) + "\n"))
        for depth, cert in enumerate(info.verified_chain):
            role = _ROLES["server" if depth == 0 else ("trusted root" if cert.self_signed else "intermediate")]()
            out.append(("class:explain.title", f" [{depth}] {role}: {cert.subject}\n"))
    return out


def _certificate(out: StyledText, row: Callable[..., None], depth: int, role: str, cert: CertSummary,
                 now: datetime) -> None:
    out.append(("class:explain.title", f" [{depth}] {role}\n"))
    lines = certificate_lines(cert, now)
    for number, line in enumerate(lines):
        label, value = _split_label(line)
        # The validity line is the last; it is flagged from the dates, not from its words.
        bad = number == len(lines) - 1 and not _valid_now(cert, now)
        row(label, value, "class:warning" if bad else "")
    row(t("shell.tls.label.key", "key"), cert.key)
    row("SHA-256", cert.sha256)


# A certificate's place in the chain, in words (read when shown: the language may change).
_ROLES: dict[str, Callable[[], str]] = {
    "server": lambda: t("shell.tls.role.server", "server"),
    "root": lambda: t("shell.tls.role.root", "root"),
    "intermediate": lambda: t("shell.tls.role.intermediate", "intermediate"),
    "trusted root": lambda: t("shell.tls.role.trusted_root", "trusted root"),
}


def _split_label(line: str) -> tuple[str, str]:
    """'  subject:  CN=x' -> ('subject', 'CN=x'); a translated line may use a full-width colon."""
    text = line.strip()
    cut = min((i for i in (text.find(":"), text.find("\uff1a")) if i >= 0), default=-1)
    if cut < 0:
        return text, ""
    return text[:cut], text[cut + 1 :].strip()


def _valid_now(cert: CertSummary, now: datetime) -> bool:
    try:
        return datetime.fromisoformat(cert.not_before) <= now <= datetime.fromisoformat(cert.not_after)
    except (TypeError, ValueError):
        return True  # dates we cannot read: nothing to flag


def no_tls_report(session: Session) -> StyledText:
    if session.capabilities is None:
        offer = t("shell.tls.offer_unknown", "say EHLO to see whether the server offers STARTTLS")
    elif session.advertised("STARTTLS"):
        offer = t("shell.tls.offer_starttls", "the server offers STARTTLS: type STARTTLS to upgrade, then EHLO again")
    else:
        offer = t("shell.tls.offer_none", "the server's EHLO reply does not offer STARTTLS")
    return [("class:warning", t("shell.tls.plaintext", "No TLS on this connection: everything is sent in plaintext.") + "\n"),
            ("class:note", f"  {offer}\n")]

