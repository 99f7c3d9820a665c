"""``smtpshell export FILE --as swaks|curl|openssl``: a recorded session as another tool's command line.

What the session did is read from the transcript's steps: the server (the
``server:`` header; ``tls: implicit`` for TLS from the first byte), the EHLO
name, STARTTLS, the AUTH mechanism, MAIL FROM, every RCPT TO and the message
between DATA and ".". The message goes on the command's standard input as a
quoted here-document, so nothing in it is expanded by the shell.

Secrets stay out: a transcript holds placeholders (``<password>``), and the
commands take the credentials from ``$SMTPSHELL_USER`` / ``$SMTPSHELL_PASSWORD``
as ``smtpshell replay`` does. Commands the other tool cannot send (VRFY,
NOOP, a second message, ...) are listed in a comment, not dropped silently.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field

from ..i18n import t
from .model import Transcript

END = "SMTPSHELL_MESSAGE_END"
USER, PASSWORD = '"$SMTPSHELL_USER"', '"$SMTPSHELL_PASSWORD"'
_ADDRESS = re.compile(r"^(?:MAIL FROM|RCPT TO):\s*<([^>]*)>", re.IGNORECASE)


class NotExpressible(ValueError):
    """The session cannot be said with that tool; str() says why and what to use."""


@dataclass
class Session:
    host: str
    port: int
    implicit_tls: bool
    ehlo: str | None = None
    starttls: bool = False
    auth: str | None = None
    mail_from: str | None = None
    recipients: list[str] = field(default_factory=list)
    message: list[str] | None = None  # the lines between DATA and "."
    after_tls: list[str] = field(default_factory=list)  # every line sent once TLS is on (openssl)
    all_lines: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)


def read_session(transcript: Transcript) -> Session:
    host, port = _server(transcript.header.get("server", ""), 465 if transcript.implicit_tls else 25)
    session = Session(host, port, transcript.implicit_tls)
    in_data = False
    tls_on = transcript.implicit_tls
    for step in transcript.steps:
        line = step.line
        if line is None:
            continue
        if step.raw:
            # Raw bytes (a bare LF, a smuggling probe) would come out of the other tool normalised.
            raise NotExpressible(t("export.as.raw", "line {line}: a C(raw): line is bytes only smtpshell sends as they are; swaks, curl and openssl would change them: use smtpshell replay",
                                   line=step.line_no))
        session.all_lines.append(line)
        if tls_on:
            session.after_tls.append(line)
        if in_data:
            if line == ".":
                in_data = False
            else:
                assert session.message is not None
                session.message.append(line)
            continue
        verb = line.split(" ", 1)[0].split(":", 1)[0].upper()
        if verb in ("EHLO", "HELO", "LHLO") and session.ehlo is None:
            session.ehlo = line.partition(" ")[2].strip() or None
        elif verb == "STARTTLS":
            session.starttls = tls_on = True
        elif verb == "AUTH":
            session.auth = (line.split() + [""])[1].upper()
        elif verb in ("MAIL", "RCPT") and (match := _ADDRESS.match(line)):
            if verb == "MAIL" and session.mail_from is None:
                session.mail_from = match.group(1)
            elif verb == "RCPT":
                session.recipients.append(match.group(1))
        elif verb == "DATA" and session.message is None:
            session.message, in_data = [], True
        elif verb not in ("EHLO", "HELO", "LHLO", "QUIT", "DATA") and not _is_auth_answer(line, session):
            session.left_out.append(line)
    return session


def _is_auth_answer(line: str, session: Session) -> bool:
    return session.auth is not None and session.mail_from is None and " " not in line


def _server(text: str, default_port: int) -> tuple[str, int]:
    host, _, port = text.strip().rpartition(":")
    if not host or not port.isdigit():
        return "HOST", default_port  # a lesson ("server: practice"): the reader fills it in
    return host.strip("[]"), int(port)


def _join(words: list[str]) -> str:
    return " \\\n    ".join(words)


def _heredoc(lines: list[str]) -> str:
    return f" <<'{END}'\n" + "".join(f"{line}\n" for line in lines) + f"{END}\n"


def _comment(session: Session, tool: str) -> str:
    if not session.left_out:
        return ""
    shown = ", ".join(session.left_out[:5]) + (", ..." if len(session.left_out) > 5 else "")
    return "# " + t("export.as.left_out", "not sent by {tool}: {lines}", tool=tool, lines=shown) + "\n"


def as_swaks(session: Session) -> str:
    words = ["swaks", f"--server {shlex.quote(session.host)}", f"--port {session.port}"]
    if session.implicit_tls:
        words.append("--tls-on-connect")
    elif session.starttls:
        words.append("--tls")
    if session.ehlo:
        words.append(f"--ehlo {shlex.quote(session.ehlo)}")
    if session.auth:
        words += [f"--auth {shlex.quote(session.auth)}", f"--auth-user {USER}", f"--auth-password {PASSWORD}"]
    words.append(f"--from {shlex.quote(session.mail_from or '')}")
    if session.recipients:
        words.append(f"--to {shlex.quote(','.join(session.recipients))}")
    if session.message is None:
        words.append("--quit-after RCPT")
        return _comment(session, "swaks") + _join(words) + "\n"
    words.append("--data -")
    return _comment(session, "swaks") + _join(words) + _heredoc(session.message)


def as_curl(session: Session) -> str:
    if not session.recipients or session.message is None:
        raise NotExpressible(t("export.as.curl_no_message", "curl sends SMTP only to deliver a message: this session sent none (use --as swaks or --as openssl)"))
    scheme = "smtps" if session.implicit_tls else "smtp"
    host = f"[{session.host}]" if ":" in session.host else session.host
    url = f"{scheme}://{host}:{session.port}/{session.ehlo or ''}"
    words = ["curl", f"--url {shlex.quote(url)}"]
    if session.starttls:
        words.append("--ssl-reqd")
    if session.auth:
        words += ['--user "$SMTPSHELL_USER:$SMTPSHELL_PASSWORD"',
                  f"--login-options {shlex.quote('AUTH=' + session.auth)}"]
    words.append(f"--mail-from {shlex.quote(session.mail_from or '')}")
    for to in session.recipients:
        words.append(f"--mail-rcpt {shlex.quote(to)}")
    words += ["--crlf", "--upload-file -"]
    return _comment(session, "curl") + _join(words) + _heredoc(session.message)


def as_openssl(session: Session) -> str:
    if not (session.implicit_tls or session.starttls):
        raise NotExpressible(t("export.as.openssl_no_tls", "this session never used TLS, and openssl s_client always does (use --as swaks or --as curl)"))
    host = f"[{session.host}]" if ":" in session.host else session.host
    words = ["openssl s_client", f"-connect {shlex.quote(f'{host}:{session.port}')}"]
    if session.starttls:  # s_client says EHLO and STARTTLS itself, then hands over
        words.append("-starttls smtp")
        if session.ehlo:
            words.append(f"-name {shlex.quote(session.ehlo)}")
    # -quiet: no certificate dump and no "Q"/"R" line commands; -crlf: CRLF line ends.
    words += ["-crlf", "-quiet"]
    lines = session.after_tls if session.starttls else session.all_lines
    note = "# " + t("export.as.placeholders", "AUTH answers are placeholders: put the base64 values in their place") + "\n" if any(
        line.startswith("<") and line.endswith(">") for line in lines) else ""
    return note + _join(words) + _heredoc(lines)


AS: dict[str, Callable[[Session], str]] = {"swaks": as_swaks, "curl": as_curl, "openssl": as_openssl}


def export_as(transcript: Transcript, tool: str) -> str:
    """The command line for ``tool``. Raises NotExpressible."""
    return AS[tool](read_session(transcript))
