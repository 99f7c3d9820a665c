"""EHLO capabilities: the keyword lines of a 250 reply to EHLO, parsed."""

from __future__ import annotations

from ..records import NamedTuple
from .replies import Reply


class Capabilities(NamedTuple):
    """What the server advertised in its EHLO reply.

    ``keywords`` maps each upper-cased keyword to its parameters as sent.
    The first reply line is the server's greeting name, not a keyword.
    """

    server_name: str
    keywords: dict[str, tuple[str, ...]]

    @classmethod
    def from_reply(cls, reply: Reply) -> Capabilities:
        lines = reply.lines
        server_name = lines[0].split(" ", 1)[0] if lines else ""
        keywords: dict[str, tuple[str, ...]] = {}
        for line in lines[1:]:
            words = line.split()
            if not words:
                continue
            key, params = words[0].upper(), tuple(words[1:])
            # The old "AUTH=LOGIN PLAIN" form (pre-RFC 4954 Outlook servers) is
            # folded into AUTH, but only when no proper AUTH line exists.
            if key.startswith("AUTH=") and "AUTH" not in keywords:
                keywords["AUTH"] = (key[5:], *params)
                continue
            keywords[key] = params
        return cls(server_name, keywords)

    def has(self, keyword: str) -> bool:
        return keyword.upper() in self.keywords

    def params(self, keyword: str) -> tuple[str, ...]:
        return self.keywords.get(keyword.upper(), ())

    @property
    def auth_mechanisms(self) -> tuple[str, ...]:
        return tuple(m.upper() for m in self.params("AUTH"))

    @property
    def size_limit(self) -> int | None:
        """SIZE's value in bytes; None when absent or 0 (no fixed limit)."""
        values = self.params("SIZE")
        if values and values[0].isdigit() and int(values[0]) > 0:
            return int(values[0])
        return None
