"""Where lessons are, and how ``smtpshell lesson NAME`` finds one.

Lessons are transcript files (``*.transcript``). They are looked for in, in order:
the directories in ``$SMTPSHELL_LESSONS`` (a teacher's own, ``:``-separated),
the ``transcripts/`` folder of a source checkout, and ``<prefix>/share/smtpshell/transcripts``
of an installed copy. NAME is a file path, a file name, or a unique part of
one (``01``, ``starttls``).

A lesson is written in English (``DIR/NAME.transcript``) and may have a text in
another language next to it, ``DIR/zh_CN/NAME.transcript``: the same ``C:``/``S:``
lines with the notes and title translated. The session's language picks the text
(``zh_CN``, then ``zh``), falling back to English; the English files are what make
the list of lessons, so a translation never adds or hides a lesson. In the marking
pseudo-locale (``qps``) a lesson's own words (title, summary, notes) are marked like
every other text of smtpshell's: only the server's text stays unmarked.

A lesson in several parts (one connection each: plaintext, then implicit TLS...)
names its next part in a header, ``#: next: NAME``; a part is played after the one
before it and is not listed on its own.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from ..i18n import MARK_CLOSE, MARK_OPEN, current, is_pseudo, t
from .model import Transcript
from .parse import TranscriptError, read_transcript

SUFFIX = ".transcript"
ENV = "SMTPSHELL_LESSONS"


@dataclass(frozen=True)
class LessonInfo:
    name: str
    title: str  # in the language of the text at ``path``
    summary: str
    path: Path  # the text to play: the session language's, else the English one
    next_part: str = ""  # the lesson's next part ('#: next: NAME'), if any


def lesson_dirs() -> list[Path]:
    dirs = [Path(p) for p in os.environ.get(ENV, "").split(os.pathsep) if p]
    dirs.append(Path(__file__).resolve().parents[2] / "transcripts")  # a source checkout
    dirs.append(Path(sys.prefix) / "share" / "smtpshell" / "transcripts")  # an installed copy
    return [d for d in dirs if d.is_dir()]


def language_folders(lang: str | None = None) -> list[str]:
    """The folder names a lesson's translation may be in, best first: 'zh_CN.UTF-8' -> ['zh_CN', 'zh'].

    English (the lesson itself) and the marking pseudo-locale have none.
    """
    base = (lang if lang is not None else current()).split(".", 1)[0].split("@", 1)[0].replace("-", "_")
    if not base or base.split("_", 1)[0] in ("en", "qps", "C", "POSIX"):
        return []
    return list(dict.fromkeys([base, base.split("_", 1)[0]]))


def localized(path: Path, lang: str | None = None) -> Path:
    """The text of the lesson at ``path`` in ``lang`` (default: the session's), else ``path`` itself."""
    folders = language_folders(lang)
    if len(folders) == 1:  # a language without a region ('zh'): a text for one of its regions will do
        folders += sorted(p.name for p in path.parent.glob(f"{folders[0]}_*") if p.is_dir())
    for folder in folders:
        candidate = path.parent / folder / path.name
        if candidate.is_file():
            return candidate
    return path


def read_lesson(path: str | Path) -> Transcript:
    """A lesson's text, ready to show: in the pseudo-locale its own words are marked (``⟦...⟧``)."""
    transcript = read_transcript(path)
    if is_pseudo():
        transcript.header = {key: _marked(value) if key in ("title", "summary") else value
                             for key, value in transcript.header.items()}
        transcript.intro = [_marked(line) for line in transcript.intro]
        for step in transcript.steps:
            step.comments = [_marked(line) for line in step.comments]
    return transcript


def _marked(line: str) -> str:
    return f"{MARK_OPEN}{line}{MARK_CLOSE}" if line else line  # as i18n.t marks a line


def _all_lessons(lang: str | None) -> list[LessonInfo]:
    """Every lesson (parts too), one per name: an earlier directory's lesson of a name wins."""
    seen: set[str] = set()
    out: list[LessonInfo] = []
    for directory in lesson_dirs():
        for english in sorted(directory.glob(f"*{SUFFIX}")):
            name = english.name[: -len(SUFFIX)]
            if name in seen:
                continue
            seen.add(name)
            path = localized(english, lang)
            try:
                lesson = read_lesson(path)
                out.append(LessonInfo(name, lesson.title, lesson.header.get("summary", ""), path, lesson.header.get("next", "")))
            except TranscriptError as exc:
                out.append(LessonInfo(name, t("transcript.lessons.unreadable", "(unreadable: {problem})", problem=exc), "", path))
    return out


def list_lessons(lang: str | None = None) -> list[LessonInfo]:
    """The lessons to offer, titles in ``lang`` (default: the session's); later parts are left out."""
    lessons = _all_lessons(lang)
    by_name = {lesson.name: lesson for lesson in lessons}
    named = {lesson.next_part for lesson in lessons}
    later_parts = {part.name for lesson in lessons if lesson.name not in named
                   for part in _chain(by_name, lesson.name)[1:]}
    return [lesson for lesson in lessons if lesson.name not in later_parts]  # parts in a loop stay listed


def parts_of(first: str, lang: str | None = None) -> list[LessonInfo]:
    """The parts of the lesson ``first``, in order (one: a lesson in one part)."""
    return _chain({lesson.name: lesson for lesson in _all_lessons(lang)}, first)


def _chain(by_name: dict[str, LessonInfo], first: str) -> list[LessonInfo]:
    out: list[LessonInfo] = []
    name = first
    while name in by_name and all(part.name != name for part in out):  # a loop of 'next:' ends
        out.append(by_name[name])
        name = by_name[name].next_part
    return out


class LessonNotFound(LookupError):
    pass


def find_lesson(name: str, lang: str | None = None) -> Path:
    """The text of lesson NAME in ``lang`` (default: the session's; English when it has none).

    A file given by its path is taken as it is. A part of a name matches the lessons
    listed (so ``09`` is a lesson's first part), else their later parts (``09-tutorial-2``).
    """
    given = Path(name)
    if given.is_file():
        return given
    everything = _all_lessons(lang)
    lessons = list_lessons(lang)
    wanted = name[: -len(SUFFIX)] if name.endswith(SUFFIX) else name
    exact = [lesson for lesson in everything if lesson.name == wanted]
    if exact:
        return exact[0].path
    partial = ([lesson for lesson in lessons if wanted.lower() in lesson.name.lower()]
               or [lesson for lesson in everything if wanted.lower() in lesson.name.lower()])
    if len(partial) == 1:
        return partial[0].path
    names = ", ".join(lesson.name for lesson in (partial or lessons)) or t("transcript.lessons.none_found", "none found")
    if partial:
        raise LessonNotFound(t("transcript.lessons.several", "{name} matches several lessons: {names}", name=repr(name), names=names))
    raise LessonNotFound(t("transcript.lessons.not_found", "no lesson {name}; lessons: {names} ('smtpshell lesson' lists them)",
                           name=repr(name), names=names))
