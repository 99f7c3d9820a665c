"""Where lessons are, and how ``smtpshell lesson NAME`` finds one.

Lessons are transcript files (``*.transcript``). They are looked for in, in order:
the directories in ``$SMTPSHELL_LESSONS`` (a teacher's own, ``:``-separated),
the ``transcripts/`` folder of a source checkout, and ``<prefix>/share/smtpshell/transcripts``
of an installed copy. NAME is a file path, a file name, or a unique part of
one (``01``, ``starttls``).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from ..i18n import t
from .parse import TranscriptError, read_transcript

SUFFIX = ".transcript"
ENV = "SMTPSHELL_LESSONS"


@dataclass(frozen=True)
class LessonInfo:
    name: str
    title: str
    summary: str
    path: Path


def lesson_dirs() -> list[Path]:
    dirs = [Path(p) for p in os.environ.get(ENV, "").split(os.pathsep) if p]
    dirs.append(Path(__file__).resolve().parents[2] / "transcripts")  # a source checkout
    dirs.append(Path(sys.prefix) / "share" / "smtpshell" / "transcripts")  # an installed copy
    return [d for d in dirs if d.is_dir()]


def list_lessons() -> list[LessonInfo]:
    seen: set[str] = set()
    out: list[LessonInfo] = []
    for directory in lesson_dirs():
        for path in sorted(directory.glob(f"*{SUFFIX}")):
            name = path.name[: -len(SUFFIX)]
            if name in seen:
                continue  # an earlier directory's lesson of the same name wins
            seen.add(name)
            try:
                lesson = read_transcript(path)
                out.append(LessonInfo(name, lesson.title, lesson.header.get("summary", ""), path))
            except TranscriptError as exc:
                out.append(LessonInfo(name, t("transcript.lessons.unreadable", "(unreadable: {problem})", problem=exc), "", path))
    return out


class LessonNotFound(LookupError):
    pass


def find_lesson(name: str) -> Path:
    given = Path(name)
    if given.is_file():
        return given
    lessons = list_lessons()
    wanted = name[: -len(SUFFIX)] if name.endswith(SUFFIX) else name
    exact = [lesson for lesson in lessons if lesson.name == wanted]
    if exact:
        return exact[0].path
    partial = [lesson for lesson in lessons if wanted.lower() in lesson.name.lower()]
    if len(partial) == 1:
        return partial[0].path
    names = ", ".join(lesson.name for lesson in (partial or lessons)) or t("transcript.lessons.none_found", "none found")
    if partial:
        raise LessonNotFound(t("transcript.lessons.several", "{name} matches several lessons: {names}", name=repr(name), names=names))
    raise LessonNotFound(t("transcript.lessons.not_found", "no lesson {name}; lessons: {names} ('smtpshell lesson' lists them)",
                           name=repr(name), names=names))
