"""The SMTP Pygments lexer: token lists, and the pygmentize plugin."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pygments.lexers import get_lexer_by_name
from pygments.token import Error, Keyword, Name, Number, Operator, Punctuation, String, Text, Whitespace

from smtpshell.ui.lexer import SmtpAuthLexer, SmtpLexer, lex_data_line


def tokens(line: str, lexer=None) -> list[tuple[object, str]]:
    lexer = lexer or SmtpLexer()
    return [(t, v) for t, v in lexer.get_tokens(line) if not (t is Whitespace and v == "\n")]


def test_mail_from_with_parameters():
    assert tokens("MAIL FROM:<alice@example.org> SIZE=1024 BODY=8BITMIME SMTPUTF8") == [
        (Keyword, "MAIL"), (Whitespace, " "), (Keyword.Pseudo, "FROM:"),
        (Punctuation, "<"), (Name.Variable, "alice@example.org"), (Punctuation, ">"),
        (Whitespace, " "), (Name.Attribute, "SIZE"), (Operator, "="), (Number, "1024"),
        (Whitespace, " "), (Name.Attribute, "BODY"), (Operator, "="), (String, "8BITMIME"),
        (Whitespace, " "), (Name.Attribute, "SMTPUTF8"),
    ]


def test_null_sender_and_lower_case():
    assert tokens("mail from:<>") == [
        (Keyword, "mail"), (Whitespace, " "), (Keyword.Pseudo, "from:"),
        (Punctuation, "<"), (Punctuation, ">"),
    ]


def test_missing_colon_is_an_error():
    result = tokens("RCPT TO <bob@example.org>")
    assert (Error, "TO") in result


def test_wrong_keyword_unclosed_address_and_bare_address_are_errors():
    assert (Error, "TO:") in tokens("MAIL TO:<a@b>")
    assert (Error, "<a@b") in tokens("RCPT TO:<a@b")
    assert (Error, "a@b") in tokens("RCPT TO:a@b")


def test_unknown_verb_is_an_error_but_not_while_being_typed():
    assert tokens("FROB x")[0] == (Error, "FROB")
    assert tokens("EHL") == [(Text, "EHL")]  # a prefix of EHLO, cursor at its end
    assert tokens("XYZ") == [(Error, "XYZ")]


def test_auth_mechanism_and_base64():
    assert tokens("AUTH PLAIN AGFsaWNlAHNlY3JldA==") == [
        (Keyword, "AUTH"), (Whitespace, " "), (Name.Constant, "PLAIN"), (Whitespace, " "),
        (String.Other, "AGFsaWNlAHNlY3JldA=="),
    ]
    assert tokens("AUTH PLAIN not*base64")[-1] == (Error, "not*base64")
    assert tokens("AUTH PLAIN a b")[-1] == (Error, "b")


def test_sasl_answer_lines():
    assert tokens("YWxpY2U=", SmtpAuthLexer()) == [(String.Other, "YWxpY2U=")]
    assert tokens("*", SmtpAuthLexer()) == [(Keyword, "*")]
    assert tokens("alice!", SmtpAuthLexer()) == [(Error, "alice!")]


def test_verbs_without_arguments_flag_extra_words():
    assert tokens("DATA now") == [(Keyword, "DATA"), (Whitespace, " "), (Error, "now")]
    assert tokens("NOOP anything")[-1] == (Name, "anything")  # NOOP may carry a string


def test_bdat_and_ehlo_arguments():
    assert tokens("BDAT 100 LAST") == [
        (Keyword, "BDAT"), (Whitespace, " "), (Number, "100"), (Whitespace, " "), (Keyword.Pseudo, "LAST"),
    ]
    assert tokens("EHLO client.example.org") == [(Keyword, "EHLO"), (Whitespace, " "), (Name, "client.example.org")]


def test_shell_commands():
    assert tokens("/help MAIL") == [(Name.Function, "/help"), (Text, " MAIL")]
    assert tokens("/frobnicate") == [(Error, "/frobnicate")]


def test_tokens_cover_the_text_exactly():
    line = "  MAIL FROM:<a@b>  SIZE=10 BODY= X-Y\tZ"
    assert "".join(v for _, _, v in SmtpLexer().get_tokens_unprocessed(line)) == line
    offsets = [i for i, _, _ in SmtpLexer().get_tokens_unprocessed(line)]
    assert offsets == sorted(offsets)


def test_data_lines_as_email():
    assert list(lex_data_line("Subject: hello", in_body=False))[0][1:] == (Name.Tag, "Subject:")
    assert [t for _, t, _ in lex_data_line("plain words", in_body=True)] == [Text]
    assert list(lex_data_line(".", in_body=True)) == [(0, Keyword, ".")]
    assert list(lex_data_line(".dot", in_body=True))[0] == (0, String.Escape, ".")
    assert "".join(v for _, _, v in lex_data_line("From: a@b.c", in_body=False)) == "From: a@b.c"


def test_registered_with_pygments():
    assert isinstance(get_lexer_by_name("smtp"), SmtpLexer)


def test_pygmentize_highlights_a_session(tmp_path: Path):
    pygmentize = Path(sys.executable).parent / "pygmentize"
    if not pygmentize.exists():
        pytest.skip("pygmentize is not installed next to this Python")
    script = tmp_path / "session.smtp"
    script.write_text("EHLO me\nMAIL FROM:<a@b>\nFROB\n")
    out = subprocess.run([str(pygmentize), "-l", "smtp", "-f", "terminal", str(script)],
                         capture_output=True, text=True, timeout=30, check=True).stdout
    assert "\x1b[" in out and "MAIL" in out and "FROB" in out
