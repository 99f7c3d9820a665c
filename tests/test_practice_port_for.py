"""Implicit TLS asked of the practice server gets its TLS port, or an error: never the plaintext port."""

from __future__ import annotations

import pytest

from smtpshell.server import PracticeServer
from smtpshell.server.config import PracticeConfig, PracticeServerError


async def test_implicit_tls_without_a_tls_port_is_an_error_not_the_plaintext_port(tmp_path) -> None:
    config = PracticeConfig(port=0, tls_port=None, store_dir=None, state_dir=tmp_path)
    async with PracticeServer(config) as server:
        assert server.port_for(False) == server.port
        with pytest.raises(PracticeServerError, match="no implicit-TLS port"):
            server.port_for(True)


async def test_implicit_tls_gets_the_tls_port(tmp_path) -> None:
    async with PracticeServer(PracticeConfig(port=0, tls_port=0, state_dir=tmp_path)) as server:
        assert server.tls_port is not None
        assert server.port_for(True) == server.tls_port != server.port
