"""When a wait for the server begins by polling the socket for a moment before it sleeps.

Theory of operation. A reply from a server on the same machine (Postfix on localhost, the
practice server, Mailpit in a container) comes some tens of microseconds after the command.
A process that sleeps in ``recv`` for it is woken by the kernel, and on a virtual machine
whose idle CPU halted, that wake-up takes longer than the server took to answer: for 1,000
short messages (4,000 round trips) it was most of smtpshell's time, and smtplib pays it
too. A wait that first polls the socket (non-blocking reads) for up to :data:`BUDGET` takes
such a reply without ever sleeping; one that finds nothing sleeps as before.

Polling costs the CPU it spends, so it is done only while it pays: after a poll that found
nothing, the next waits sleep at once, for twice as many waits each time it misses again
(up to :data:`MOST_SKIPPED`); a poll that finds its reply starts over. Against a server
across a network (milliseconds a reply) that is a 50 µs poll at waits 1, 3, 6, 11 ..., then
one every 65 waits: well under a thousandth of the session's time. Only script mode's
blocking connection polls; the REPL's asyncio loop sleeps as it always did.

On a single CPU a poll would only keep the server from running, so it is never done there
(:func:`worth_polling`), as adaptive locks do not spin on one processor.

:class:`SpinPolicy` only counts. ``client/blocking.py`` does the reads.
"""

from __future__ import annotations

import os

BUDGET = 50e-6  # seconds a wait polls before it sleeps
MOST_SKIPPED = 64  # waits that sleep at once, at most, after polls that found nothing


class SpinPolicy:
    """Whether the next wait polls first; told after each poll whether it found its reply."""

    __slots__ = ("_skip", "_backoff")

    def __init__(self) -> None:
        self._skip = 0  # waits still to sleep at once
        self._backoff = 0  # how many the next miss makes skip (0: none missed since the last hit)

    def wanted(self) -> bool:
        if self._skip:
            self._skip -= 1
            return False
        return True

    def found(self, answered: bool) -> None:
        if answered:
            self._backoff = 0
            return
        self._backoff = min(self._backoff * 2 or 1, MOST_SKIPPED)
        self._skip = self._backoff


def worth_polling() -> bool:
    """More than one CPU to run on: a server on this machine can answer while the client polls."""
    try:
        return len(os.sched_getaffinity(0)) > 1
    except (AttributeError, OSError):  # no affinity call (macOS, Windows): count the machine's CPUs
        return (os.cpu_count() or 1) > 1
