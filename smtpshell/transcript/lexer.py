"""A Pygments lexer for smtpshell transcripts (``*.transcript``, alias ``smtp-transcript``).

Registered as a Pygments plugin (entry point group ``pygments.lexers``), so
documentation tools highlight ```` ```smtp-transcript ```` blocks. Reply codes get
a token per class, so a style can colour 2xx/3xx/4xx/5xx as the shell does.
"""

from __future__ import annotations

from pygments.lexer import RegexLexer, bygroups
from pygments.token import Comment, Generic, Keyword, Name, Operator, String, Text, Whitespace

# Reply class -> token (green, cyan, yellow and red in most styles).
REPLY_TOKENS = {
    "1": Generic.Subheading,
    "2": Generic.Inserted,
    "3": Generic.Subheading,
    "4": Generic.Strong,
    "5": Generic.Deleted,
}

_PLACEHOLDER = r"<(?:username|password|credentials|secret|secret hidden)>"


def _reply_rules() -> list[tuple[str, object, str]]:
    return [
        (rf"^(S:)( ?)({digit}\d\d)([ -]?)", bygroups(Generic.Prompt, Whitespace, token, Operator), "reply-text")
        for digit, token in REPLY_TOKENS.items()
    ]


class TranscriptLexer(RegexLexer):
    name = "smtpshell transcript"
    aliases = ["smtp-transcript", "smtpshell-transcript"]
    filenames = ["*.transcript"]
    mimetypes = ["text/x-smtp-transcript"]
    url = "https://github.com/smtpshell/smtpshell"

    tokens = {
        "root": [
            (r"^(#:)([^:\n]*)(:)(.*\n?)", bygroups(Comment.Preproc, Name.Attribute, Comment.Preproc, String)),
            (r"^#.*\n?", Comment.Single),
            (rf"^(C:)( ?)((?:AUTH \S+ )?)({_PLACEHOLDER})(\s*\n?)",
             bygroups(Generic.Prompt, Whitespace, Keyword, Name.Variable.Magic, Whitespace)),
            (r"^(C:)( ?)([A-Za-z]+)(?=[ :\n]|$)", bygroups(Generic.Prompt, Whitespace, Keyword), "client-text"),
            (r"^(C:)( ?)", bygroups(Generic.Prompt, Whitespace), "client-text"),
            (r"^(C\(raw\):)( ?)", bygroups(Generic.Prompt, Whitespace), "raw-text"),
            *_reply_rules(),
            (r"^\*\*.*\n?", Generic.Output),
            (r"^!!.*\n?", Generic.Error),
            # The shell's explanation under a reply, as handouts show it ('   ↳ ...', '   → ...').
            (r"^([ \t]+)([↳→].*\n?)", bygroups(Whitespace, Generic.Emph)),
            (r"\s+", Whitespace),
            (r".+\n?", Generic.Error),  # not a transcript line
        ],
        "client-text": [
            (r".*\n?", Text, "#pop"),
        ],
        # A C(raw): line: raw mode's escapes (\r \n \t \\ \xHH) stand out from the text.
        "raw-text": [
            (r"\\(?:[rnt\\]|x[0-9a-fA-F]{2})", String.Escape),
            (r"[^\\\n]+", Text),
            (r"\\", Text),
            (r"\n", Whitespace, "#pop"),
        ],
        "reply-text": [
            (r"\.\.\.(?=\s*$)", Operator),  # '...': any number of lines
            (r"\\\*", String),
            (r"\*", Operator),  # wildcard
            (r"[^*\\\n]+", String),
            (r"\\", String),
            (r"\n", Whitespace, "#pop"),
        ],
    }

    @staticmethod
    def analyse_text(text: str) -> float:  # pygments calls it on the class
        if text.startswith("# smtpshell transcript"):
            return 1.0
        return 0.3 if "\nS: 220 " in text or text.startswith("S: 220 ") else 0.0
