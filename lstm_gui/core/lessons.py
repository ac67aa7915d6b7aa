"""Lessons: small guided experiments, each a run's settings plus a page of text.

A lesson is a Markdown file shipped in ``lstm_gui/lessons/``, named ``NN-name.md`` (NN sets
the order).  It opens with a JSON header between two ``---`` lines::

    ---
    {"title": "...", "summary": "one line", "docks": ["signalView", ...],
     "config": {"task": {"key": "sin-cos"}, "seed": 0, ...},
     "bookmarks": [[300, "look at the gates here"], [3000, "the cell at t = 20", 20]],
     "predict": {"choices": ["towards 0", "towards 1"], "outcome": "towards 1: 0.28 to 0.81"},
     "view": {"span": true}}
    ---
    ## Before you press Train
    ...
    ## What you saw
    ...

``bookmarks`` are the moments the text points at: an epoch, a note and optionally a time
step; the window replays that epoch (and moves the time cursor to the step) when one is
clicked.  The text may link to them too: ``[epoch 300](moment:300)``,
``[t = 20 at epoch 3000](moment:3000/20)``; ``[pin this run](lesson:pin)`` pins the run
as a ghost on the MSE plot, and ``[16 units](lesson:set?hidden=16)`` changes settings
(``RunConfig.with_field`` names, values as JSON; the run restarts, undoably).
``start`` in the header, ``{"b_f": 1.0}``, sets named parameters of the seed's initial model
(the model's own names, ``config.model().names()``); a ``[b_f at 2](lesson:start?b_f=2)``
link starts the run over from such a start, ``lesson:start`` alone from the seed's own.
``predict`` offers the learner choices (they may also type a short answer) and names what
happened, shown beside their prediction once the explanation ("## What you saw" onwards)
unfolds.  ``view`` holds the view options the lesson needs
(``span``: the 3x generalisation span; ``smoothing``; ``unit``: the unit shown, from 1);
every option it does not name is reset to its default when the lesson is set up.

``config`` holds only what differs from the defaults: ``task`` is a preset key and its
overrides (``tasks.preset``), ``noise`` the fields of ``Noise``, the rest ``RunConfig``
fields.  JSON rather than TOML because ``tomllib`` is not in Python 3.10's standard library.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

from .training.noise import Noise
from .training.run import RunConfig, TrainingRun
from .training.tasks import preset

# The view options a lesson may set, and their defaults (what Set up restores otherwise).
VIEW_DEFAULTS = {"span": False, "smoothing": 25, "unit": 1}
EXPLANATION = "## What you saw"

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
    bookmarks: tuple = ()     # (Moment, ...): moments the text points at
    choices: tuple = ()       # what the learner may predict (they may also type)
    outcome: str = ""         # what happened, in a line, shown beside their prediction
    view: tuple = ()          # ((option, value), ...): VIEW_DEFAULTS overridden by the lesson
    start: tuple = ()         # ((parameter name, value), ...) set in the seed's initial model

    @property
    def question(self) -> str:
        """The text before the explanation: what to do and what to predict."""
        return self.text.split(EXPLANATION, 1)[0].rstrip() + "\n"

    @property
    def explanation(self) -> str:
        """The explanation ("## What you saw" onwards), folded until the learner is ready."""
        parts = self.text.split(EXPLANATION, 1)
        return EXPLANATION + parts[1] if len(parts) == 2 else ""

    @property
    def view_options(self) -> dict:
        """Every view option: the lesson's, and the defaults for the rest."""
        return {**VIEW_DEFAULTS, **dict(self.view)}

    @property
    def last_moment(self) -> int:
        """The epoch after which the learner has seen what the lesson is about."""
        return max((m.epoch for m in self.bookmarks), default=self.config.epochs)


@dataclass(frozen=True)
class Moment:
    """A moment the lesson points at: replay `epoch`; move the time cursor to `step`."""

    epoch: int
    note: str = ""
    step: int | None = None

    @property
    def link(self) -> str:
        return f"moment:{self.epoch}" + (f"/{self.step}" if self.step is not None else "")


def make_run(config: RunConfig, start: dict | None = None) -> TrainingRun:
    """A fresh run of `config` whose initial model has the named parameters of `start` set
    (Reset keeps them; a new seed drops them).  ValueError names an unknown parameter."""
    run = TrainingRun(config)
    if not start:
        return run
    names = config.model().names()
    params = run.initial_params.copy()
    flat = params.reshape(-1)
    for name, value in start.items():
        if name not in names:
            raise ValueError(f"no parameter {name!r} in this model; it has "
                             f"{', '.join(names[:12])}, ...")  # not a parameter count
        flat[names.index(name)] = float(value)
    return TrainingRun(config, initial_params=params)


def parse_start_link(url: str) -> dict | None:
    """The start a ``lesson:start?name=value&...`` link names ({} for the seed's own), or None."""
    head, _, query = url.partition("?")
    if head != "lesson:start":
        return None
    return {k: float(v) for k, v in (pair.partition("=")[::2] for pair in query.split("&") if pair)}


def parse_settings_link(url: str) -> dict | None:
    """The settings a ``lesson:set?name=value&...`` link names ({name: value}), or None for
    another link.  Values are JSON (16, 0.5, true) or else plain text (gru)."""
    head, _, query = url.partition("?")
    if head != "lesson:set":
        return None
    settings: dict[str, Any] = {}
    for pair in filter(None, query.split("&")):
        name, _, raw = pair.partition("=")
        try:
            settings[name] = json.loads(raw)
        except ValueError:
            settings[name] = raw
    return settings


def apply_settings(config: RunConfig, settings: dict) -> RunConfig:
    """`config` with the settings of a settings link (ValueError naming what is wrong)."""
    for name, value in settings.items():
        config = config.with_field(name, value)
    return config


def settings_links(lesson: Lesson) -> list[str]:
    """Every ``lesson:set?...`` and ``lesson:start...`` link in the lesson's text, in order."""
    return re.findall(r"\]\((lesson:(?:set\?|start)[^)]*)\)", lesson.text)


def parse_link(url: str) -> Moment | None:
    """The Moment a ``moment:EPOCH[/STEP]`` link names, or None for another link."""
    scheme, _, rest = url.partition(":")
    if scheme != "moment":
        return None
    epoch, _, step = rest.partition("/")
    try:
        return Moment(int(epoch), "", int(step) if step else None)
    except ValueError:
        return None


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
    try:
        bookmarks = tuple(Moment(int(b[0]), str(b[1]), int(b[2]) if len(b) > 2 else None)
                          for b in head.get("bookmarks", ()))
        predict = dict(head.get("predict", {}))
        choices = tuple(str(c) for c in predict.get("choices", ()))
        view = dict(head.get("view", {}))
        start = tuple((str(k), float(v)) for k, v in dict(head.get("start", {})).items())
    except (ValueError, TypeError, IndexError) as exc:
        raise LessonError(f"lesson {name}: {exc.__class__.__name__}: {exc}") from None
    unknown = [k for k in view if k not in VIEW_DEFAULTS]
    if unknown:
        raise LessonError(f"lesson {name}: unknown view options {', '.join(unknown)}; "
                          f"known: {', '.join(VIEW_DEFAULTS)}")
    return Lesson(name=name, title=title, summary=head.get("summary", ""),
                  config=config, text=parts[2].strip() + "\n", docks=docks, bookmarks=bookmarks,
                  choices=choices, outcome=str(predict.get("outcome", "")),
                  view=tuple(sorted(view.items())), start=start)


def load(name: str) -> Lesson:
    """The lesson called `name` (see :func:`names`)."""
    files = _files()
    if name not in files:
        raise LessonError(f"no lesson {name!r}; choose one of {', '.join(files)}")
    return parse(name, files[name][1].read_text(encoding="utf-8"))
