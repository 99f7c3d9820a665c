"""The command catalogue is the one table of verbs: argument shapes feed the lexer,
the completer, /help and the toolbar; shell commands declare an ArgKind with a
completer each; MAIL/RCPT arguments have one reader."""

from __future__ import annotations

import io
import pathlib
import re

import pytest
from pygments.token import Error, Keyword, Name, Punctuation

from smtpshell.drivers.script import ScriptContext
from smtpshell.protocol import catalogue, envelope
from smtpshell.protocol.catalogue import ArgShape
from smtpshell.protocol.session import extract_address
from smtpshell.shell import registry
from smtpshell.shell.registry import ArgKind
from smtpshell.ui import completion, lexer
from smtpshell.ui.completion import (
    ADDRESS,
    KEYWORD,
    NOTHING,
    PARAM_VALUE,
    PARAMETER,
    Sources,
    complete,
    slot_at,
)
from smtpshell.ui.toolbar import help_line
from tests.plugins.pty import EHLO_FULL, session_at

UI = pathlib.Path(completion.__file__).parent


def texts(found) -> list[str]:
    return [c.text for c in found]


# -- every shape and every kind has its reader ------------------------------------


def test_every_argument_shape_has_a_lexer_and_a_completion_slot():
    assert set(lexer._ARGUMENT_LEXERS) == set(ArgShape)
    assert set(completion._ARGUMENT_SLOTS) == set(ArgShape)


def test_every_arg_kind_has_a_completer_and_every_command_declares_one():
    assert set(completion.SHELL_ARG_COMPLETERS) == set(ArgKind)
    for cmd in registry.load_all().values():
        assert isinstance(cmd.arg_kind, ArgKind), cmd.name


def test_a_kind_without_a_completer_fails_loudly(monkeypatch):
    monkeypatch.delitem(completion.SHELL_ARG_COMPLETERS, ArgKind.LEVEL)
    with pytest.raises(KeyError):
        complete("/level ")


def test_client_identifying_verbs_are_flagged_in_the_catalogue():
    assert {v.name for v in catalogue.VERBS.values() if v.identifies_client} == {"EHLO", "HELO", "LHLO"}
    assert catalogue.VERBS["MAIL"].argument is ArgShape.ENVELOPE
    assert catalogue.VERBS["XFORWARD"].argument is ArgShape.ATTRIBUTES


def test_no_list_of_verbs_is_left_in_ui():
    """ui/ reads verbs from the catalogue: no module there names one in quotes."""
    found = []
    for path in sorted(UI.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        for name in catalogue.VERBS:
            for m in re.finditer(rf"[\"']{name}[\"']", source):
                found.append(f"{path.name}:{source.count(chr(10), 0, m.start()) + 1}: {name}")
    assert found == []


# -- the bugs: /level, /explain 55, /connect + Tab ---------------------------------


def test_level_tab_offers_the_levels():
    _, found = complete("/level ")
    assert texts(found) == ["full", "brief", "failures", "off"]
    assert texts(complete("/level b")[1]) == ["brief"]


def test_explain_55_tab_offers_reply_codes_starting_with_55():
    _, found = complete("/explain 55")
    offered = texts(found)
    assert {"550", "551", "552", "553", "554"} <= set(offered)
    assert all(text.startswith("55") for text in offered)


def test_explain_tab_offers_keywords_and_last():
    offered = texts(complete("/explain ")[1])
    assert "last" in offered and "SIZE" in offered and "X.7.1" in offered


def test_connect_tab_offers_known_targets_first_then_the_usual_forms():
    sources = Sources(targets=["127.0.0.1:2525", "mx.example.org:25"])
    offered = texts(complete("/connect ", sources=sources)[1])
    assert offered[:2] == ["127.0.0.1:2525", "mx.example.org:25"]
    assert {"localhost:25", "localhost:587", "localhost:465", "smtp://", "smtps://"} <= set(offered)
    assert texts(complete("/connect smtps", sources=sources)[1]) == ["smtps://"]
    assert texts(complete("/connect localhost:5", sources=sources)[1]) == ["localhost:587"]


def test_pipeline_and_auth_and_login_complete_their_choices():
    assert texts(complete("/pipeline ")[1]) == ["on", "group", "off"]
    assert texts(complete("/auth m")[1]) == ["manual"]
    assert "PLAIN" in texts(complete("/login P")[1])


# -- one reader of MAIL/RCPT syntax ------------------------------------------------


@pytest.mark.parametrize(
    "argument, keyword, path, address, params",
    [
        ("FROM:<a@b.example> SIZE=10 BODY=8BITMIME", "FROM:", "<a@b.example>", "a@b.example", ["SIZE=10", "BODY=8BITMIME"]),
        ("FROM: <a@b.example>", "FROM:", "<a@b.example>", "a@b.example", []),
        ("FROM:<>", "FROM:", "<>", None, []),
        ("FROM:<a@b", "FROM:", "<a@b", None, []),
        ("FROM:a@b", "FROM:", "a@b", None, []),
        ("FROM <a@b>", "FROM", None, None, []),
        ("", None, None, None, []),
    ],
)
def test_envelope_reader(argument, keyword, path, address, params):
    parts = envelope.parse(argument)
    assert (parts.keyword.text if parts.keyword else None) == keyword
    assert (parts.path.text if parts.path else None) == path
    assert parts.address == address
    assert [p.text for p in parts.parameters()] == params
    for piece in [parts.keyword, parts.path, *parts.parameters()]:
        if piece is not None:
            assert argument[piece.start : piece.end] == piece.text  # positions point into the text


def test_lexer_completer_and_session_read_the_same_address():
    line = "MAIL FROM:<alice@example.org> SIZE=1"
    assert extract_address(line) == "alice@example.org"
    tokens = list(lexer.lex_line(line))
    assert (Name.Variable, "alice@example.org") in [(tok, text) for _, tok, text in tokens]
    session = session_at(("EHLO me.example", EHLO_FULL))
    assert slot_at("MAIL FROM:<alice@example.org> ", session).kind == PARAMETER
    assert slot_at("MAIL FROM:<alice@example.org> SIZE=", session).kind == PARAM_VALUE
    assert slot_at("MAIL FROM:<ali", session).kind == ADDRESS
    assert slot_at("MAIL FR", session).kind == KEYWORD
    assert slot_at("MAIL FROM <x", session).kind == NOTHING
    assert extract_address("MAIL FROM <x@y>") is None  # no colon: not a path (the lexer marks it too)


# -- adding a verb is one catalogue entry -------------------------------------------


@pytest.fixture
def new_verb(monkeypatch):
    verb = catalogue.Verb(
        "XPROBE", "XPROBE <domain>", "ask the server to probe a domain", "RFC 0000",
        argument=ArgShape.DOMAIN, identifies_client=True, ends_group=True,
    )
    monkeypatch.setitem(catalogue.VERBS, verb.name, verb)  # restored after the test
    return verb


async def test_a_verb_added_to_the_catalogue_is_picked_up_everywhere(new_verb):
    session = session_at(("EHLO me.example", EHLO_FULL))
    # completion: offered as a verb, its argument completed as its shape says
    assert "XPROBE" in texts(complete("XP", session=session)[1])
    assert texts(complete("XPROBE ", session=session, sources=Sources(helo_names=["me.example"]))[1])[0] == "me.example"
    # highlighting: a keyword, and its argument lexed as a domain (not an error)
    tokens = [(tok, text) for _, tok, text in lexer.lex_line("XPROBE example.org")]
    assert tokens[0] == (Keyword, "XPROBE") and all(tok is not Error for tok, _ in tokens)
    # /help lists it and explains it; /pipeline names it among the group enders
    out, err = io.StringIO(), io.StringIO()
    ctx = ScriptContext(out, err, color=False)
    await registry.dispatch(ctx, "/help")
    await registry.dispatch(ctx, "/help XPROBE")
    await registry.dispatch(ctx, "/help /pipeline")
    text = out.getvalue()
    assert "ask the server to probe a domain" in text
    assert "XPROBE <domain>" in text and "names the client" in text and "ends a pipelined group" in text
    assert re.search(r"end a group \([^)]*XPROBE", text)
    # toolbar: its syntax and summary while it is typed
    line = "".join(t for _, t in help_line(session, "XPROBE "))
    assert "XPROBE <domain>" in line and "probe a domain" in line


async def test_pipeline_text_lists_exactly_the_group_enders():
    out = io.StringIO()
    await registry.dispatch(ScriptContext(out, io.StringIO(), color=False), "/help /pipeline")
    listed = re.search(r"end a group \(([^)]*)\)", out.getvalue())
    assert listed is not None
    assert listed.group(1).split(", ") == [v.name for v in catalogue.VERBS.values() if v.ends_group]


async def test_help_verb_describes_its_argument():
    out = io.StringIO()
    ctx = ScriptContext(out, io.StringIO(), color=False)
    await registry.dispatch(ctx, "/help MAIL")
    await registry.dispatch(ctx, "/help DATA")
    text = out.getvalue()
    assert "FROM:<address> in angle brackets" in text
    assert "takes no argument" in text


def test_lexer_marks_an_argument_to_a_verb_that_takes_none():
    tokens = [(tok, text) for _, tok, text in lexer.lex_line("QUIT now")]
    assert (Error, "now") in tokens
    assert (Error, "now") not in [(tok, text) for _, tok, text in lexer.lex_line("NOOP now")]
    xforward = [(tok, text) for _, tok, text in lexer.lex_line("XFORWARD NAME=host.example")]
    assert (Name.Attribute, "NAME") in xforward
    assert (Punctuation, "<") in [(tok, text) for _, tok, text in lexer.lex_line("RCPT TO:<b@c>")]


async def test_the_repl_offers_the_server_it_connected_to_after_connect(smtp_server):
    from prompt_toolkit.document import Document

    from tests.test_repl import run_repl

    run = await run_repl(smtp_server.address, "NOOP\r/connect 127.0.0.1:1\r" + "\x04")
    completer = run.repl.ui.prompt_session.completer
    assert completer is not None
    document = Document("/connect ")
    offered = [c.text for c in completer.get_completions(document, None)]  # type: ignore[arg-type]
    assert smtp_server.address in offered
    assert offered.index(smtp_server.address) < offered.index("localhost:25")
