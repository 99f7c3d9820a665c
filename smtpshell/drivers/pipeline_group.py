"""/pipeline group: pipelining as real clients do it, each group in one write.

With ``/pipeline on`` the shell writes every command as it is typed and does not
wait; a server reads them as they come. Real clients (Postfix, Exim, Thunderbird)
buffer a whole group (MAIL, RCPT..., DATA: RFC 2920 3.1) and send it in one
write, so the server finds several commands in one read. A server that did not
advertise PIPELINING may refuse that (OpenSMTPD answers ``500 5.5.1 Invalid
command: Pipelining not supported`` and closes). ``/pipeline group`` holds the
commands that do not end a group and sends them with the one that does, in one
write; afterwards it says which reply answered which command.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .. import events as ev
from ..i18n import t
from ..protocol.line import Line
from ..protocol.replies import Reply
from ..protocol.session import Exchange
from ..untrusted import safe


class Collector:
    """Keeps every exchange the bus reports until :meth:`stop` (the group's replies, in order).

    ``owed``: replies still owed to lines sent before the group (the '.' of the message before,
    which does not end a group and so is answered with it). They come first (replies come in
    the order of the commands), and are not the group's: they are skipped.
    """

    def __init__(self, bus: ev.EventBus, owed: int = 0) -> None:
        self.exchanges: list[Exchange] = []
        self._owed = owed
        self._stop: Callable[[], None] | None = bus.subscribe(self)

    def __call__(self, event: ev.Event) -> None:
        if isinstance(event, ev.ReplyReceived) and event.exchange.sent is not None:
            self._keep(event.exchange)
        elif isinstance(event, ev.ProtocolErrorReceived) and event.exchange is not None:
            self._keep(event.exchange)

    def _keep(self, exchange: Exchange) -> None:
        if self._owed:
            self._owed -= 1
            return
        self.exchanges.append(exchange)

    def stop(self) -> None:
        if self._stop is not None:
            self._stop()
            self._stop = None


def held_note(count: int) -> str:
    return t("pipeline.held", "held for the group's one write ({count} command(s) so far); it goes out with the command that ends the group (DATA, NOOP, QUIT, ...)", count=count)


def dropped_note(count: int) -> str:
    return t("pipeline.dropped", "{count} held command(s) were not sent: the connection closed", count=count)


def pairing(group: Sequence[Line], exchanges: Sequence[Exchange], *, shown: str | None = None) -> list[str]:
    """Which reply answered which command of the group, one line each, in order (RFC 2920: replies
    come in the order of the commands)."""
    rows = []
    for n, line in enumerate(group):
        text = shown if n == len(group) - 1 and shown is not None else line.text
        if n < len(exchanges):
            reply = exchanges[n].reply
            if isinstance(reply, Reply):
                answer = safe(f"{reply.code} {reply.lines[0] if reply.lines else ''}".rstrip())
            else:
                answer = t("pipeline.no_reply_error", "no reply: {error}", error=safe(reply.message))
        else:
            answer = t("pipeline.no_reply", "no reply (the connection closed first)")
        rows.append(f"  {safe(text)}  ->  {answer}")
    return [t("pipeline.pairing", "the group's replies, in the order of its commands:"), *rows]
