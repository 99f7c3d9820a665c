"""Direct delivery (--mx, /mx) against a real DNS server on 127.0.0.1 (tests/plugins/dns.py).

Every case of RFC 5321 5.1 / RFC 7505 the zone serves, in script mode (the
installed command, a subprocess) and in the REPL (a real pty). The MX hosts
point at 127.0.0.1 (the test's aiosmtpd server, reached with --port) or at
127.0.0.2 (nothing listens there: the unreachable first MX).
"""

from __future__ import annotations

import pytest

from smtpshell import exitcodes
from smtpshell.client.mx import MxPlan, Route, domain_of, order_mx, parse_resolver
from smtpshell.client.target import BadTarget
from tests.plugins.dns import (
    REACHABLE,
    UNREACHABLE,
    DnsServer,
    unreachable_port_is_closed,
)
from tests.plugins.pty import PROMPT, plain
from tests.plugins.servers import SmtpServer
from tests.test_script_mode import assert_no_traceback, run

SEND = ["EHLO client.test", "MAIL FROM:<me@client.test>", "RCPT TO:<you@{domain}>", "DATA",
        "Subject: direct", "", "hello", ".", "QUIT"]


def mx_run(dns: DnsServer, smtp: SmtpServer, domain: str, *lines: str):
    args = ["--mx", domain, "--resolver", dns.address, "--port", str(smtp.port), "--explain", "off"]
    for line in lines:
        args += ["-c", line]
    result = run(args)
    assert_no_traceback(result)
    return result


def send_lines(domain: str) -> list[str]:
    return [line.format(domain=domain) for line in SEND]


# -- the pure part --------------------------------------------------------------------


def test_order_mx_sorts_by_preference_then_name() -> None:
    plan = order_mx("d.test", [(20, "b.d.test."), (10, "z.d.test."), (10, "a.d.test.")])
    assert plan is not None and plan.route is Route.MX
    assert [(h.preference, h.name) for h in plan.hosts] == [(10, "a.d.test"), (10, "z.d.test"), (20, "b.d.test")]


def test_order_mx_knows_the_null_mx_and_no_records() -> None:
    assert order_mx("d.test", [(0, ".")]) == MxPlan("d.test", Route.NULL)
    assert order_mx("d.test", []) is None
    # "." among real MX records is not a null MX (RFC 7505 3: it must be the only one)
    plan = order_mx("d.test", [(0, "."), (10, "mx.d.test.")])
    assert plan is not None and [h.name for h in plan.hosts] == ["mx.d.test"]


def test_domain_and_resolver_parsing() -> None:
    assert domain_of("Zzz@163.COM.") == "163.com"
    assert parse_resolver("127.0.0.1:5353").port == 5353
    assert parse_resolver("::1").address == "::1"
    assert parse_resolver("[::1]:54").port == 54
    with pytest.raises(BadTarget):
        parse_resolver("dns.example")
    with pytest.raises(BadTarget):
        domain_of("user@")


# -- script mode ------------------------------------------------------------------------


def test_script_mx_delivers_to_the_best_host(mx_dns: DnsServer, smtp_server: SmtpServer) -> None:
    result = mx_run(mx_dns, smtp_server, "you@direct.test", *send_lines("direct.test"))
    assert result.returncode == exitcodes.OK, result.stderr
    assert "MX records of direct.test" in result.stdout
    assert "mail.direct.test  127.0.0.1" in result.stdout
    assert "direct delivery" in result.stdout and "PTR" in result.stdout and "SPF" in result.stdout
    assert "reached mail.direct.test" in result.stdout
    assert [m.rcpt_tos for m in smtp_server.messages] == [["you@direct.test"]]
    # only the test DNS server was asked, and it was asked for the MX and its address
    assert ("udp", "direct.test.", "MX") in mx_dns.queries
    assert ("udp", "mail.direct.test.", "A") in mx_dns.queries


def test_script_mx_falls_back_when_the_first_host_is_unreachable(mx_dns: DnsServer, smtp_server: SmtpServer) -> None:
    assert unreachable_port_is_closed(smtp_server.port)
    result = mx_run(mx_dns, smtp_server, "fallback.test", *send_lines("fallback.test"))
    assert result.returncode == exitcodes.OK, result.stderr
    out = result.stdout
    # ordered by preference although the zone lists 20 first
    assert out.index("mx1.fallback.test  127.0.0.2") < out.index("mx2.fallback.test  127.0.0.1")
    assert f"MX 1/2: mx1.fallback.test (preference 10) at {UNREACHABLE}" in out
    assert "mx1.fallback.test cannot be reached" in out and "trying the next MX" in out
    assert f"MX 2/2: mx2.fallback.test (preference 20) at {REACHABLE}" in out
    assert out.index("cannot be reached") < out.index("reached mx2.fallback.test")
    assert len(smtp_server.messages) == 1


def test_script_null_mx_says_no_mail_and_stops(mx_dns: DnsServer, smtp_server: SmtpServer) -> None:
    result = mx_run(mx_dns, smtp_server, "user@nomail.test", "EHLO client.test")
    assert result.returncode == exitcodes.PERMANENT
    assert "nomail.test takes no mail" in result.stderr and "RFC 7505" in result.stderr
    assert "S: 220" not in result.stdout  # nothing was connected to


def test_script_no_mx_uses_the_implicit_mx(mx_dns: DnsServer, smtp_server: SmtpServer) -> None:
    result = mx_run(mx_dns, smtp_server, "implicit.test", *send_lines("implicit.test"))
    assert result.returncode == exitcodes.OK, result.stderr
    assert "implicit.test has no MX record" in result.stdout and "implicit MX" in result.stdout
    assert ("udp", "implicit.test.", "A") in mx_dns.queries
    assert len(smtp_server.messages) == 1


def test_script_cname_mx_is_followed_and_flagged(mx_dns: DnsServer, smtp_server: SmtpServer) -> None:
    result = mx_run(mx_dns, smtp_server, "alias.test", *send_lines("alias.test"))
    assert result.returncode == exitcodes.OK, result.stderr
    assert "smtp.alias.test  127.0.0.1 (a CNAME to real.alias.test" in result.stdout
    assert len(smtp_server.messages) == 1


def test_script_servfail_is_one_clear_line(mx_dns: DnsServer, smtp_server: SmtpServer) -> None:
    result = mx_run(mx_dns, smtp_server, "broken.test", "EHLO client.test")
    assert result.returncode == exitcodes.CONNECTION
    assert "SERVFAIL" in result.stderr and mx_dns.address in result.stderr
    assert result.stderr.count("\n") == 1


def test_script_every_mx_unreachable(mx_dns: DnsServer, smtp_server: SmtpServer) -> None:
    result = mx_run(mx_dns, smtp_server, "dead.test", "EHLO client.test")
    assert result.returncode == exitcodes.CONNECTION
    assert "mx.dead.test cannot be reached" in result.stdout
    assert "no mail server of dead.test could be reached" in result.stderr


def test_script_nxdomain(mx_dns: DnsServer, smtp_server: SmtpServer) -> None:
    result = mx_run(mx_dns, smtp_server, "missing.test", "EHLO client.test")
    assert result.returncode == exitcodes.CONNECTION
    assert "missing.test does not exist in DNS (NXDOMAIN)" in result.stderr


def test_mx_with_tls_means_tls_on_every_mx(mx_dns: DnsServer, implicit_tls_server: SmtpServer, ca_file: str) -> None:
    # The MX name is what the certificate must match, so the trustme cert (localhost) fails by name,
    # and --sni localhost makes it pass: either way the session is TLS from the first byte, never plaintext.
    base = ["--mx", "fallback.test", "--resolver", mx_dns.address, "--port", str(implicit_tls_server.port),
            "--tls", "--cafile", ca_file, "-c", "NOOP"]
    by_mx_name = run(base)
    assert by_mx_name.returncode == exitcodes.CONNECTION
    assert "mx2.fallback.test" in by_mx_name.stdout + by_mx_name.stderr
    assert "S: 220" not in by_mx_name.stdout
    with_sni = run([*base, "--sni", "localhost"])
    assert with_sni.returncode == exitcodes.OK, with_sni.stdout + with_sni.stderr
    assert "(implicit TLS)" in with_sni.stdout and "TLS started" in with_sni.stdout


def test_mx_flags_misused_are_usage_errors(mx_dns: DnsServer, smtp_server: SmtpServer) -> None:
    both = run(["--mx", "direct.test", smtp_server.address, "-c", "NOOP"])
    assert both.returncode == exitcodes.USAGE and "either TARGET or --mx" in both.stderr
    bad = run(["--mx", "direct.test", "--resolver", "not-an-ip", "-c", "NOOP"])
    assert bad.returncode == exitcodes.USAGE and "--resolver not-an-ip" in bad.stderr
    for result in (both, bad):
        assert_no_traceback(result)


def test_script_mode_never_loads_asyncio_for_mx(mx_dns: DnsServer, smtp_server: SmtpServer, tmp_path) -> None:
    # -X importtime lists every module imported: dnspython yes (it is the lookup), asyncio no.
    import os

    result = run(["--mx", "direct.test", "--resolver", mx_dns.address, "--port", str(smtp_server.port),
                  "-c", "NOOP"], env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert result.returncode == exitcodes.OK, result.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert "dns.resolver" in imported
    assert "asyncio" not in imported
    assert os.environ.get("PYTHONPROFILEIMPORTTIME") is None


def test_dnspython_is_not_imported_without_mx(smtp_server: SmtpServer) -> None:
    result = run([smtp_server.address, "-c", "NOOP"], env={"PYTHONPROFILEIMPORTTIME": "1"})
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert "smtpshell.cli" in imported  # the import list was read
    assert not any(name == "dns" or name.startswith("dns.") for name in imported)


# -- the REPL: --mx at start-up, and /mx typed -------------------------------------------


def repl(shell_pty, dns: DnsServer, smtp: SmtpServer, *start: str):
    return shell_pty(*start, "--resolver", dns.address, "--port", str(smtp.port), "--explain", "off")


def test_repl_start_with_mx_falls_back(shell_pty, mx_dns: DnsServer, smtp_server: SmtpServer) -> None:
    term = repl(shell_pty, mx_dns, smtp_server, "--mx", "fallback.test")
    screen = plain(term.prompt())
    assert "mx1.fallback.test cannot be reached" in screen
    assert "reached mx2.fallback.test" in screen and "220 mx.test" in screen
    term.line("QUIT")
    term.expect_text("221")
    term.prompt("closed> ")  # QUIT ends the session, not the shell
    term.line("/quit")
    assert term.finish() == exitcodes.OK


@pytest.mark.parametrize(("domain", "seen"), [
    ("direct.test", ["mail.direct.test  127.0.0.1", "reached mail.direct.test", "220 mx.test"]),
    ("you@fallback.test", ["MX 1/2: mx1.fallback.test", "trying the next MX", "reached mx2.fallback.test"]),
    ("implicit.test", ["implicit.test has no MX record", "reached implicit.test"]),
    ("alias.test", ["a CNAME to real.alias.test", "reached smtp.alias.test"]),
])
def test_repl_mx_command_connects(shell_pty, mx_dns: DnsServer, smtp_server: SmtpServer, domain, seen) -> None:
    # started on the embedded practice server, then /mx moves the session to the MX found
    term = repl(shell_pty, mx_dns, smtp_server)
    term.prompt()
    term.line(f"/mx {domain}")
    term.expect_text(", MX of ")
    term.prompt()
    screen = plain(term.screen_log)
    for text in seen:
        assert text in screen, screen
    term.line("EHLO client.test")
    term.expect_text("250 ")
    term.prompt()
    term.line("QUIT")
    term.expect_text("221")
    term.prompt("closed> ")
    term.line("/quit")
    assert term.finish() == exitcodes.OK


@pytest.mark.parametrize(("domain", "seen"), [
    ("nomail.test", "nomail.test takes no mail"),
    ("broken.test", "SERVFAIL"),
    ("dead.test", "no mail server of dead.test could be reached"),
    ("missing.test", "NXDOMAIN"),
    ("", "/mx needs a DOMAIN"),
])
def test_repl_mx_command_refusals(shell_pty, mx_dns: DnsServer, smtp_server: SmtpServer, domain, seen) -> None:
    term = repl(shell_pty, mx_dns, smtp_server)
    term.prompt()
    term.line(f"/mx {domain}".rstrip())
    term.expect_text(seen)
    term.line("/quit")
    term.finish()
    screen = plain(term.screen_log)
    assert "Traceback" not in screen


def test_mx_is_interactive_only_in_scripts(smtp_server: SmtpServer) -> None:
    result = run([smtp_server.address, "-c", "/mx direct.test"])
    assert result.returncode == exitcodes.USAGE
    assert "/mx works only in the interactive shell" in result.stderr
    assert PROMPT not in result.stdout
