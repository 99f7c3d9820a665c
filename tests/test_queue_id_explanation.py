"""The reply after each message names a new queue id; its explanation is made once (issue 18).

``250 2.0.0 Ok: queued as 4XyZ12``: the wire line shows the id, the explanation under it does
not, so the explanation is read from the text with the id put aside and kept by that. Before,
a session of 1,000 messages in ``--explain full`` read the knowledge tables 1,000 times for it.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

from smtpshell import i18n, knowledge
from smtpshell.protocol.replies import Reply, ReplyParser
from smtpshell.protocol.session import Kind, Pending
from smtpshell.render import styled
from smtpshell.render.styled import RenderOptions, render_reply

DOT = Pending(Kind.DATA_END, ".")


def reply_of(raw: bytes) -> Reply:
    (reply,) = ReplyParser().feed(raw)
    assert isinstance(reply, Reply)
    return reply


def forget_explanations() -> None:
    """The explanations kept are the process's: each test starts without them."""
    getattr(styled, "_EXPLAINED", {}).clear()


def explanations_made(work: Any) -> int:
    """How many times knowledge.explain_reply runs during ``work()``."""
    made = 0

    def count(frame: Any, event: str, arg: Any) -> None:
        nonlocal made
        if event == "call" and frame.f_code is knowledge.explain_reply.__code__:
            made += 1

    sys.setprofile(count)
    try:
        work()
    finally:
        sys.setprofile(None)
    return made


def explanation(view: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The lines under the wire line."""
    starts = next(n for n, (style, _) in enumerate(view) if style.startswith("class:explain"))
    return view[starts:]


@pytest.mark.parametrize("explain", ["full", "brief"])
def test_replies_that_differ_only_by_their_queue_id_are_explained_once(explain: str) -> None:
    forget_explanations()
    options = RenderOptions(explain=explain)
    replies = [reply_of(f"250 2.0.0 Ok: queued as {n:X}A{n * 7919:06d}\r\n".encode()) for n in range(20)]
    views: list[list[tuple[str, str]]] = []
    made = explanations_made(lambda: views.extend(render_reply(r, "DATA_END", options, sent=DOT) for r in replies))
    assert made == 1  # before: 20, one a message
    for reply, view in zip(replies, views, strict=True):
        assert reply.lines[0].split()[-1] in "".join(text for _, text in view)  # each shows its own id
    under = {repr(explanation(view)) for view in views}
    assert len(under) == 1 and styled.QUEUE_ID_PLACEHOLDER not in under.pop()
    # The same as it was made afresh, from the reply's own text:
    forget_explanations()
    fresh = render_reply(replies[-1], "DATA_END", options, sent=DOT)
    assert fresh == views[-1]


def test_a_reply_without_a_queue_id_is_explained_from_its_own_text() -> None:
    forget_explanations()
    first = render_reply(reply_of(b"250 2.0.0 message accepted\r\n"), "DATA_END", RenderOptions(), sent=DOT)
    other = render_reply(reply_of(b"550 5.7.1 message refused as spam\r\n"), "DATA_END", RenderOptions(), sent=DOT)
    assert explanation(first) != explanation(other)
    assert len(styled._EXPLAINED) == 2  # each kept by its own text


def test_a_kept_explanation_is_in_the_language_of_the_moment() -> None:
    forget_explanations()
    english = explanation(render_reply(reply_of(b"250 2.0.0 Ok: queued as AAA1\r\n"), "DATA_END", RenderOptions(),
                                       sent=DOT))
    i18n.set_language("zh_CN")
    try:
        chinese = explanation(render_reply(reply_of(b"250 2.0.0 Ok: queued as BBB2\r\n"), "DATA_END",
                                           RenderOptions(), sent=DOT))
    finally:
        i18n.set_language("en")
    again = explanation(render_reply(reply_of(b"250 2.0.0 Ok: queued as CCC3\r\n"), "DATA_END", RenderOptions(),
                                     sent=DOT))
    assert chinese != english and again == english
