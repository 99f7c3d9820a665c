"""The embedded practice server a transcript is replayed against (lessons, the test suite).

A lesson's header may set the practice server up, one ``name=value`` a word::

    #: practice: greylisting=on vrfy=off scenario=starttls-refused

Names are fields of :class:`smtpshell.server.PracticeConfig`; on/off, yes/no,
true/false for switches. Ports are always free loopback ports and messages stay
in memory, whatever the header says.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from .. import exitcodes
from ..client.target import Target
from ..i18n import t
from ..transcript.model import Transcript
from ..untrusted import safe
from .runner import RunOptions

_TRUE = {"on", "yes", "true", "1"}
_FALSE = {"off", "no", "false", "0"}
_FIXED = {"host", "port", "tls_port", "state_dir", "store_dir", "cert_file", "key_file"}


class PracticeSetupError(ValueError):
    """The header asks for something the practice server does not have."""


def practice_config(transcript: Transcript) -> Any:
    from ..server import PracticeConfig
    from ..server.scenarios import parse_scenario

    config = PracticeConfig(host="127.0.0.1", port=0, tls_port=0)
    fields = {f.name: f for f in dataclasses.fields(PracticeConfig)}
    for word in transcript.header.get("practice", "").split():
        name, sep, value = word.partition("=")
        key = name.strip().lower().replace("-", "_")
        if not sep or key not in fields or key in _FIXED:
            raise PracticeSetupError(t("drivers.practice.not_a_setting", "{name}: 'practice: {word}' is not a practice-server setting (write name=value, e.g. greylisting=on)",
                                       name=transcript.name, word=word))
        current = getattr(config, key)
        if key == "scenario":
            try:
                setattr(config, key, parse_scenario(value))
            except ValueError as exc:
                raise PracticeSetupError(f"{transcript.name}: {exc}") from None
        elif isinstance(current, bool):
            if value.lower() not in _TRUE | _FALSE:
                raise PracticeSetupError(t("drivers.practice.on_or_off", "{name}: practice: {key} takes on or off, not {value}",
                                           name=transcript.name, key=key, value=repr(value)))
            setattr(config, key, value.lower() in _TRUE)
        elif isinstance(current, (int, float)):
            try:
                setattr(config, key, type(current)(value))
            except ValueError:
                raise PracticeSetupError(t("drivers.practice.number", "{name}: practice: {key} takes a number, not {value}",
                                           name=transcript.name, key=key, value=repr(value))) from None
        elif key == "hostname" and not _is_hostname(value):
            raise PracticeSetupError(t("practice.bad_hostname",
                                       "{name}: practice: hostname must be a DNS name (letters, digits, '-' and '.', labels of at most 63 and 253 in all), not {value}",
                                       name=safe(transcript.name), value=safe(repr(value[:80]))))
        else:
            setattr(config, key, value)
    return config


def _is_hostname(name: str) -> bool:
    """A name the certificate and the greeting can hold (RFC 1035 lengths, LDH labels)."""
    labels = name.rstrip(".").split(".")
    return 0 < len(name) <= 253 and all(
        0 < len(label) <= 63 and label.isascii() and label.replace("-", "").isalnum()
        and not label.startswith("-") and not label.endswith("-")
        for label in labels
    )


@asynccontextmanager
async def practice_target(transcript: Transcript, options: RunOptions) -> AsyncIterator[tuple[Target, RunOptions, Any]]:
    """Start the practice server the transcript asks for; yield where to connect and how."""
    from ..server import PracticeServer

    async with PracticeServer(practice_config(transcript)) as server:
        implicit = transcript.implicit_tls
        target = Target(server.host, server.port_for(implicit), implicit_tls=implicit)
        tls = options.tls if options.tls.cafile or options.tls.insecure else options.tls._replace(cafile=server.ca_file)
        yield target, options._replace(tls=tls), server


def run_command(name: str, go: Callable[[], Coroutine[Any, Any, int]]) -> int:
    """Run a subcommand's coroutine; a practice server that cannot be set up or
    started is one line and a status, never a traceback."""
    from ..server import PracticeServerError

    try:
        return asyncio.run(go())
    except PracticeSetupError as exc:
        sys.stderr.write(f"smtpshell {name}: {exc}\n")
        return exitcodes.USAGE
    except PracticeServerError as exc:
        sys.stderr.write(f"smtpshell {name}: " + t("drivers.practice.did_not_start", "the practice server did not start: {error}",
                                                   error=exc) + "\n")
        return exitcodes.CONNECTION
