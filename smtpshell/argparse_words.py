"""argparse's own words ("usage: ", "options", "invalid choice: ...") through :func:`smtpshell.i18n.t`.

argparse looks every word it prints up through the module-level ``_`` and
``ngettext`` it imported from :mod:`gettext`; :func:`install` points both at a
table built here from ``t()`` calls, so the catalogue (and the ``qps``
pseudo-locale) covers them like any other text. The CLI installs it only when
the language is not English, before it builds a parser (some words, such as
the help flag's, are read when an argument is added): English costs nothing.

argparse's words are ``%``-formatted by argparse itself (``%(prog)s``,
``%s``): a translation keeps them as they are. A word the table lacks (a
newer Python's, or a programmer's error such as a conflicting option) stays
English.
"""

from __future__ import annotations

import argparse

from .i18n import t


def words() -> dict[str, str]:
    """argparse's English (the msgid it asks for) -> the current language's text."""
    return {
        "usage: ": t("argparse.usage", "usage: "),
        "positional arguments": t("argparse.positionals", "positional arguments"),
        "options": t("argparse.options", "options"),
        "show this help message and exit": t("argparse.help", "show this help message and exit"),
        "argument %(argument_name)s: %(message)s": t("argparse.argument", "argument %(argument_name)s: %(message)s"),
        "unrecognized arguments: %s": t("argparse.unrecognized", "unrecognized arguments: %s"),
        "the following arguments are required: %s": t("argparse.required", "the following arguments are required: %s"),
        "one of the arguments %s is required": t("argparse.one_required", "one of the arguments %s is required"),
        "not allowed with argument %s": t("argparse.not_allowed", "not allowed with argument %s"),
        "ignored explicit argument %r": t("argparse.ignored", "ignored explicit argument %r"),
        "expected one argument": t("argparse.expected_one", "expected one argument"),
        "expected at most one argument": t("argparse.expected_at_most_one", "expected at most one argument"),
        "expected at least one argument": t("argparse.expected_at_least_one", "expected at least one argument"),
        "ambiguous option: %(option)s could match %(matches)s": t(
            "argparse.ambiguous", "ambiguous option: %(option)s could match %(matches)s"),
        "unexpected option string: %s": t("argparse.unexpected", "unexpected option string: %s"),
        "invalid %(type)s value: %(value)r": t("argparse.invalid_value", "invalid %(type)s value: %(value)r"),
        "invalid choice: %(value)r (choose from %(choices)s)": t(
            "argparse.invalid_choice", "invalid choice: %(value)r (choose from %(choices)s)"),
        "can't open '%(filename)s': %(error)s": t("argparse.cannot_open", "can't open '%(filename)s': %(error)s"),
        "%(prog)s: error: %(message)s\n": t("argparse.error", "%(prog)s: error: %(message)s\n"),
    }


def plural_words() -> dict[tuple[str, str], tuple[str, str]]:
    """argparse's ngettext pairs -> (one, several) in the current language."""
    return {
        ("expected %s argument", "expected %s arguments"): (
            t("argparse.expected_n_one", "expected %s argument"), t("argparse.expected_n", "expected %s arguments")),
    }


def gettext(message: str) -> str:
    """argparse's ``_``: the word in the language current now (English stays as it is)."""
    return words().get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    one, several = plural_words().get((singular, plural), (singular, plural))
    return one if n == 1 else several


def install() -> None:
    """Make argparse say its words through the catalogue (call before building a parser).

    The words are looked up at each use, not when installed, so a later change
    of language (a test, an embedding program) is followed, English included.
    """
    argparse._ = gettext  # type: ignore[attr-defined]  # argparse's module-level gettext alias, read at each call
    argparse.ngettext = ngettext  # type: ignore[attr-defined]  # likewise for its plural forms
