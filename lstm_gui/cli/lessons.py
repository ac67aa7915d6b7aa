"""`lstm-gui lessons [NAME]`: list the lessons, or print one (see core/lessons.py)."""
from __future__ import annotations

import sys

from ..core import lessons
from .support import plural

NAMES = ("lessons",)


def add_parser(sub) -> None:
    p = sub.add_parser("lessons", help="list the guided lessons, or print one")
    p.add_argument("name", nargs="?", help="a lesson to print (see the list)")


def _settings(lesson: lessons.Lesson) -> str:
    cfg = lesson.config
    if cfg.is_unit:
        model = f"{cfg.units} unit{'s' if cfg.units > 1 else ''}"
    else:   # a model of H units: its cell, width and layers
        model = f"{cfg.cell.upper()} of {cfg.hidden} unit{'s' if cfg.hidden > 1 else ''}" + (
            f", {cfg.units} layers" if cfg.units > 1 else "")
    parts = [f"task {cfg.task.key}", model, f"{cfg.optimizer} lr {cfg.lr:g}", f"seed {cfg.seed}",
             plural(cfg.epochs, "epoch")]
    if cfg.batch:
        parts.append(f"batches of {cfg.batch}")
    if lesson.start:
        parts.append("starting with " + ", ".join(f"{k} = {v:g}" for k, v in lesson.start))
    if cfg.noise.active:
        parts.append(f"noise on the {cfg.noise.mode} ±{cfg.noise.amplitude:g}")
    if cfg.delay:
        parts.append("lstmlib timing")
    if cfg.gradient != "exact":
        parts.append(f"the {cfg.gradient} rule")
    if cfg.frozen:
        parts.append("frozen " + ", ".join(map(str, cfg.frozen)))
    return "; ".join(parts)


def run(args, parser) -> int:
    if args.name is None:
        names = lessons.names()
        width = max(map(len, names))
        for number, name in enumerate(names, start=1):
            lesson = lessons.load(name)
            print(f"{number:>2}. {name:<{width}}  {lesson.title}: {lesson.summary}")
        print("\nlstm-gui lessons NAME prints one; Help > Lessons opens it in the window.")
        return 0
    try:
        lesson = lessons.load(args.name)
    except lessons.LessonError as exc:
        print(f"lstm-gui lessons: {exc}", file=sys.stderr)
        return 2
    print(f"# {lesson.title}\n\n({_settings(lesson)}; views: {', '.join(lesson.docks)})\n")
    print(lesson.text, end="")
    return 0
