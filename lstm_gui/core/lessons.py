"""Lessons: small guided experiments, each a run's settings plus a page of text.

A lesson is a Markdown file shipped in ``lstm_gui/lessons/``, named ``NN-name.md`` (NN sets
the order).  It opens with a JSON header between two ``---`` lines::

    ---
    {"title": "...", "summary": "one line", "docks": ["signalView", ...],
     "config": {"task": {"key": "sin-cos"}, "seed": 0, ...},
     "bookmarks": [[300, "look at the gates here"]]}
    ---
    ## Before you press Train
    ...
    ## What you saw
    ...

``config`` holds only what differs from the defaults: ``task`` is a preset key and its
overrides (``tasks.preset``), ``noise`` the fields of ``Noise``, the rest ``RunConfig``
fields.  JSON rather than TOML because ``tomllib`` is not in Python 3.10's standard library.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from .training.noise import Noise
from .training.run import RunConfig
from .training.tasks import preset

# The views a lesson may ask the window to show (the docks' object names).
DOCKS = ("signalView", "gatesView", "mseView", "paramsView", "cellView", "landscapeView",
         "gradientView", "ensembleView")


class LessonError(ValueError):
    """A lesson file that cannot be read; the message names the lesson."""


@dataclass(frozen=True)
class Lesson:
    """One lesson: ``config`` to train, ``text`` (Markdown) to read beside the plots."""

    name: str
    title: str
    summary: str
    config: RunConfig
    text: str
    docks: tuple = ()
    bookmarks: tuple = ()     # ((epoch, note), ...): moments the text points at


def _files() -> dict:
    folder = resources.files("lstm_gui") / "lessons"
    found = {}
    for entry in folder.iterdir():
        stem, _, ext = entry.name.partition(".")
        number, dash, name = stem.partition("-")
        if ext == "md" and dash and number.isdigit():
            found[name] = (int(number), entry)
    return dict(sorted(found.items(), key=lambda item: item[1][0]))


def names() -> list[str]:
    """The lessons' names, in teaching order."""
    return list(_files())


def _config(d: dict) -> RunConfig:
    d = dict(d)
    task = dict(d.pop("task", {"key": "sin-cos"}))
    settings: dict[str, Any] = {"task": preset(task.pop("key"), **task)}
    if "noise" in d:
        settings["noise"] = Noise(**d.pop("noise"))
    if "frozen" in d:
        settings["frozen"] = tuple(d.pop("frozen"))
    return RunConfig(**settings, **d)


def parse(name: str, source: str) -> Lesson:
    """A lesson from the text of its file."""
    parts = source.split("---\n", 2)
    if len(parts) != 3 or parts[0].strip():
        raise LessonError(f"lesson {name}: the file must start with a JSON header between '---' lines")
    try:
        head = json.loads(parts[1])
        title = str(head["title"])
        config = _config(head.get("config", {}))
    except (ValueError, TypeError, KeyError) as exc:
        raise LessonError(f"lesson {name}: {exc.__class__.__name__}: {exc}") from None
    docks = tuple(head.get("docks", ()))
    unknown = [d for d in docks if d not in DOCKS]
    if unknown:
        raise LessonError(f"lesson {name}: unknown views {', '.join(unknown)}")
    bookmarks = tuple((int(epoch), str(note)) for epoch, note in head.get("bookmarks", ()))
    return Lesson(name=name, title=title, summary=head.get("summary", ""),
                  config=config, text=parts[2].strip() + "\n", docks=docks, bookmarks=bookmarks)


def load(name: str) -> Lesson:
    """The lesson called `name` (see :func:`names`)."""
    files = _files()
    if name not in files:
        raise LessonError(f"no lesson {name!r}; choose one of {', '.join(files)}")
    return parse(name, files[name][1].read_text(encoding="utf-8"))
