"""The EventBus routes by event type (issue 18: no isinstance chain per listener per event)."""

from __future__ import annotations

from smtpshell import events as ev
from smtpshell.protocol.line import LineKind


def line(text: str) -> ev.LineSent:
    return ev.LineSent(text, LineKind.COMMAND, len(text) + 2)


def test_a_typed_subscription_gets_only_its_types_in_subscription_order() -> None:
    bus, seen = ev.EventBus(), []
    bus.subscribe(lambda event: seen.append(("all", type(event).__name__)))
    bus.subscribe_types({ev.Info: lambda event: seen.append(("info", event.message)),
                         ev.Warning: lambda event: seen.append(("warning", event.message))})
    bus.subscribe(lambda event: seen.append(("last", type(event).__name__)))
    bus.emit(line("NOOP"))
    bus.emit(ev.Info("hello"))
    bus.emit(ev.Warning("careful"))
    assert seen == [("all", "LineSent"), ("last", "LineSent"),
                    ("all", "Info"), ("info", "hello"), ("last", "Info"),
                    ("all", "Warning"), ("warning", "careful"), ("last", "Warning")]


def test_unsubscribing_changes_the_routes_already_worked_out() -> None:
    bus, seen = ev.EventBus(), []
    stop = bus.subscribe_types({ev.Info: lambda event: seen.append(event.message)})
    bus.emit(ev.Info("one"))
    stop()
    bus.emit(ev.Info("two"))
    later = bus.subscribe_types({ev.Info: lambda event: seen.append("later " + event.message)})
    bus.emit(ev.Info("three"))
    later()
    assert seen == ["one", "later three"]


def test_a_subclass_of_a_handled_type_reaches_its_handler() -> None:
    class Loud(ev.Info):
        pass

    bus, seen = ev.EventBus(), []
    bus.subscribe_types({ev.Info: lambda event: seen.append(type(event).__name__)})
    bus.emit(Loud("hey"))  # type: ignore[arg-type]  # not one of Event's members, on purpose
    assert seen == ["Loud"]


def test_a_failing_handler_does_not_stop_the_others(capsys: object) -> None:
    bus, seen = ev.EventBus(), []

    def broken(event: ev.Info) -> None:
        raise ValueError("bug")

    bus.subscribe_types({ev.Info: broken})
    bus.subscribe(seen.append)
    bus.emit(ev.Info("x"))
    assert seen == [ev.Info("x")]
