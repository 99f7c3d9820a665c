from __future__ import annotations

import pytest

from smtpshell.client.target import BadTarget, Target, parse_target


@pytest.mark.parametrize(
    "text, expected",
    [
        ("mx.example", Target("mx.example", 25)),
        ("mx.example:587", Target("mx.example", 587)),
        ("127.0.0.1:2525", Target("127.0.0.1", 2525)),
        ("[::1]:2525", Target("::1", 2525)),
        ("::1", Target("::1", 25)),
        ("smtp://mx.example:26", Target("mx.example", 26)),
        ("smtps://mx.example", Target("mx.example", 465, True)),
        ("submission://mx.example", Target("mx.example", 587)),
    ],
)
def test_parse(text: str, expected: Target) -> None:
    assert parse_target(text) == expected


def test_implicit_tls_flag_changes_default_port() -> None:
    assert parse_target("mx.example", implicit_tls=True) == Target("mx.example", 465, True)


@pytest.mark.parametrize("text", ["mx:0", "mx:99999", "mx:abc", "ftp://mx", "[::1", ":25"])
def test_bad(text: str) -> None:
    with pytest.raises(BadTarget):
        parse_target(text)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "::1", "fe80::1%eth0", "mail.example.org.",
                                  "a." + "x" * 63, ""])
def test_an_ascii_host_goes_to_the_resolver_as_the_bytes_idna_would_make(host: str) -> None:
    from smtpshell.client.target import resolver_host

    assert resolver_host(host) == host.encode("idna")


@pytest.mark.parametrize("host", ["a..b", ".x", "x" * 64, "ü.example"])
def test_a_host_the_idna_checks_refuse_or_change_is_left_to_the_codec(host: str) -> None:
    from smtpshell.client.target import resolver_host

    assert resolver_host(host) == host  # the socket module encodes it (and refuses it) as before
