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
