"""Lessons (issue 17): every lesson loads, trains, and names only views that exist."""
import numpy as np
import pytest

from lstm_gui.core import lessons
from lstm_gui.core.training.run import RunConfig, TrainingRun

# The dock names of the window (brief of issue 17), written out here on purpose: a lesson
# naming anything else fails even if someone adds the name to lessons.DOCKS by mistake.
VIEWS = {"signalView", "gatesView", "mseView", "paramsView", "cellView", "landscapeView",
         "gradientView", "ensembleView"}


def test_there_are_at_least_six_lessons_in_order():
    names = lessons.names()
    assert len(names) >= 6
    assert names[0] == "memory" and len(set(names)) == len(names)


@pytest.mark.parametrize("name", lessons.names())
def test_every_lesson_loads_trains_and_names_known_views(name):
    lesson = lessons.load(name)
    assert lesson.name == name and lesson.title and lesson.summary
    assert isinstance(lesson.config, RunConfig)
    assert lesson.docks and set(lesson.docks) <= VIEWS
    # Two sections: the question before training, the explanation after.
    before, after = lesson.text.index("## Before you press Train"), lesson.text.index("## What you saw")
    assert before < after and "Predict" in lesson.text[before:after]
    assert len(lesson.text.splitlines()) <= 40     # a screen
    run = TrainingRun(lesson.config)
    run.train(20)
    assert run.epoch == 20 and np.isfinite(run.mse)
    assert all(0 < epoch <= max(lesson.config.epochs, epoch) for epoch, _ in lesson.bookmarks)


def test_a_lesson_overrides_only_what_it_names():
    lesson = lessons.parse("x", '---\n{"title": "T", "config": {"task": {"key": "next-step", '
                                '"length": 50}, "noise": {"mode": "input"}, "frozen": [2]}}\n---\n## Text\n')
    cfg = lesson.config
    assert (cfg.task.key, cfg.task.length, cfg.task.cycles) == ("next-step", 50, 3.0)
    assert cfg.noise.mode == "input" and cfg.frozen == (2,)
    assert cfg.lr == RunConfig().lr and lesson.text == "## Text\n"


@pytest.mark.parametrize("source, message", [
    ("no header", "JSON header"),
    ('---\n{"title": "T", "docks": ["plotView"]}\n---\nText', "unknown views plotView"),
    ('---\n{"title": "T", "config": {"lr": 2}}\n---\nText', "learning rate"),
    ('---\n{"title": "T", "config": {"task": {"key": "nope"}}}\n---\nText', "unknown task"),
    ('---\n{title: T}\n---\nText', "lesson bad"),
])
def test_a_broken_lesson_says_what_is_wrong(source, message):
    with pytest.raises(lessons.LessonError, match=message):
        lessons.parse("bad", source)


def test_an_unknown_lesson_lists_the_known_ones():
    with pytest.raises(lessons.LessonError, match="memory"):
        lessons.load("nope")
