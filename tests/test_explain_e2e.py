"""Annotated replies end to end: the real client against aiosmtpd and a hostile
scripted server, the rendered output checked as the terminal would get it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from smtpshell import events as ev
from smtpshell.client import Connection, Target, TLSOptions
from smtpshell.render import ansi
from smtpshell.render.styled import RenderOptions, render_event
from tests.plugins.servers import SmtpServer, read_command

SMTPSHELL = str(Path(sys.executable).with_name("smtpshell"))
RED_550 = "\x1b[1;31m550 \x1b[0m"


class Screen:
    """A listener that renders every event as script mode would, with colour on."""

    def __init__(self, options: RenderOptions = RenderOptions(), color: bool = True) -> None:
        self.conn: Connection | None = None
        self.options = options
        self.color = color
        self.chunks: list[str] = []

    def __call__(self, event: ev.Event) -> None:
        session = self.conn.session if self.conn is not None else None
        self.chunks.append(ansi.to_text(render_event(event, session, self.options), color=self.color))

    @property
    def output(self) -> str:
        return "".join(self.chunks)


async def open_with_screen(host: str, port: int, options: RenderOptions = RenderOptions()) -> tuple[Connection, Screen]:
    bus = ev.EventBus()
    screen = Screen(options)
    bus.subscribe(screen)
    conn = await Connection.open(Target(host, port), bus, timeout=10)
    screen.conn = conn
    return conn, screen


# -- must-show 3 -----------------------------------------------------------------------


async def test_rejected_recipient_shown_in_5xx_colour_with_explanation(smtp_server: SmtpServer) -> None:
    conn, screen = await open_with_screen(smtp_server.host, smtp_server.port)
    try:
        await conn.greeting()
        await conn.command("EHLO client.example")
        await conn.command("MAIL FROM:<alice@example.org>")
        ok = await conn.command("RCPT TO:<bob@example.org>")
        bad = await conn.command("RCPT TO:<nobody@example.org>")
        await conn.command("QUIT")
    finally:
        await conn.close()
    assert ok.reply.code == 250 and bad.reply.code == 550  # type: ignore[union-attr]
    out = screen.output
    line = next(x for x in out.splitlines() if "nobody@example.org>: Recipient" in x)
    assert RED_550 in line  # the code in the 5xx colour
    assert "\x1b[1;1;31m5.1.1\x1b[0m" in line  # the enhanced code, recognised, same colour
    after = out[out.index(line):]
    assert "no mailbox of that name exists" in after
    assert "5.1.1 bad destination mailbox address" in after
    assert "check the spelling of the address" in after
    # the accepted one, in green, explained in its own context
    assert "\x1b[1;32m250 \x1b[0m" in out and "this recipient is accepted" in out
    # the EHLO table shows aiosmtpd's SIZE as a limit
    assert "32 MiB limit" in out


async def test_level_off_shows_bare_wire(smtp_server: SmtpServer) -> None:
    conn, screen = await open_with_screen(smtp_server.host, smtp_server.port, RenderOptions("off"))
    try:
        await conn.greeting()
        await conn.command("EHLO client.example")
        await conn.command("MAIL FROM:<a@example.org>")
        await conn.command("RCPT TO:<nobody@example.org>")
    finally:
        await conn.close()
    assert RED_550 in screen.output
    assert "↳" not in screen.output


async def test_ehlo_after_starttls_shows_what_changed(starttls_server: SmtpServer, ca_file: str) -> None:
    bus = ev.EventBus()
    screen = Screen(color=False)
    bus.subscribe(screen)
    conn = await Connection.open(Target("localhost", starttls_server.port), bus, TLSOptions(cafile=ca_file), timeout=10)
    screen.conn = conn
    try:
        await conn.greeting()
        await conn.command("EHLO client.example")
        await conn.command("STARTTLS")
        await conn.command("EHLO client.example")
        await conn.command("QUIT")
    finally:
        await conn.close()
    plain = screen.output
    after = plain[plain.rindex("C: EHLO client.example"):]
    assert "what changed since STARTTLS:" in after
    assert "+ AUTH LOGIN PLAIN appeared" in after
    assert "- STARTTLS disappeared" in after
    assert "TLS handshake starts now" in plain  # the 220 to STARTTLS, explained


# -- must-show 4 -----------------------------------------------------------------------

HOSTILE = b"\x1b[2J\x1b]0;you have been pwned\x07\rfake prompt $ \x00\xc2\x9b31m\xe2\x80\xae"


async def test_hostile_reply_text_never_reaches_the_output_raw(scripted_server) -> None:  # type: ignore[no-untyped-def]
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 evil.test " + HOSTILE + b" ESMTP\r\n")
        await writer.drain()
        await read_command(reader)  # EHLO
        writer.write(b"250-evil.test " + HOSTILE + b"\r\n250-SIZE " + HOSTILE + b"\r\n250 X" + HOSTILE + b"\r\n")
        await writer.drain()
        await read_command(reader)  # RCPT
        writer.write(b"550 5.7.1 " + HOSTILE + b"\r\n")
        await writer.drain()
        await read_command(reader)  # QUIT
        writer.write(b"221 bye " + HOSTILE + b"\r\n")
        await writer.drain()

    server = scripted_server(script)
    conn, screen = await open_with_screen(server.host, server.port)
    try:
        await conn.greeting()
        await conn.command("EHLO x")
        await conn.command("RCPT TO:<a@b.example>")
        await conn.command("QUIT")
    finally:
        await conn.close()
    out = screen.output
    assert "\x1b[2J" not in out
    assert "\x1b]" not in out  # no OSC (window title) sequence
    for raw in ("\r", "\x00", "\x07", "\x9b", "\u202e"):
        assert raw not in out, repr(raw)
    # every ESC left is one of our own SGR colour sequences
    for i in range(len(out)):
        if out[i] == "\x1b":
            assert out[i + 1] == "[" and out[i + 2 : out.index("m", i)].replace(";", "").isdigit()
    # the hostile bytes are shown, escaped
    assert "\\x1b[2J\\x1b]0;you have been pwned\\x07\\x0dfake prompt $ \\x00\\x9b31m\\u202e" in out
    # the colour and explanation still come from the parsed code
    assert RED_550 in out and "delivery not authorized" in out


# -- through the command line (script mode) --------------------------------------------------


def run(args: list[str], stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SMTPSHELL, *args], input=stdin, capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


def test_script_mode_colours_and_explains(smtp_server: SmtpServer) -> None:
    result = run([smtp_server.address, "--color=always"],
                 stdin="EHLO x\nMAIL FROM:<a@example.org>\nRCPT TO:<nobody@example.org>\nQUIT\n")
    assert "Traceback" not in result.stdout + result.stderr
    assert RED_550 in result.stdout
    assert "no mailbox of that name exists" in result.stdout


def test_script_mode_without_colour_still_explains(smtp_server: SmtpServer) -> None:
    result = run([smtp_server.address], stdin="EHLO x\nMAIL FROM:<a@example.org>\nRCPT TO:<nobody@example.org>\n")
    assert "\x1b" not in result.stdout
    assert "S: 550 5.1.1" in result.stdout and "no mailbox of that name exists" in result.stdout


def test_explain_subcommand() -> None:
    result = run(["explain", "550", "5.7.1"])
    assert result.returncode == 0, result.stderr
    assert "550 mailbox unavailable" in result.stdout and "5.7.1 delivery not authorized" in result.stdout
    assert "RFC 5321" in result.stdout and "\x1b" not in result.stdout
    one = run(["explain", "5.7.1"])
    assert "delivery not authorized" in one.stdout and "RFC 3463" in one.stdout
    bad = run(["explain", "hello", "world"])
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr and "not a reply code" in bad.stderr


def test_hostile_text_through_script_mode(scripted_server) -> None:  # type: ignore[no-untyped-def]
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 evil.test " + HOSTILE + b"\r\n")
        await writer.drain()
        while True:
            line = await read_command(reader)
            if line.upper() == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                return
            writer.write(b"554 5.7.1 " + HOSTILE + b"\r\n")
            await writer.drain()

    server = scripted_server(script)
    result = run([server.address, "--color=always"], stdin="NOOP\n")
    out = result.stdout + result.stderr
    assert "Traceback" not in out
    assert "\\x1b[2J" in result.stdout  # shown, escaped
    for raw in ("\x1b[2J", "\x1b]", "\r", "\x00", "\x07", "\x9b", "\u202e"):
        assert raw not in out, repr(raw)
    assert "\x1b[1;31m554 \x1b[0m" in result.stdout
