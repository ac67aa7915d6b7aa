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
    n = 1 if lesson.config.task.is_set else 20    # an epoch of 1 000 sequences is enough
    run.train(n)
    assert run.epoch == n and np.isfinite(run.mse)
    assert all(0 < m.epoch <= lesson.config.epochs for m in lesson.bookmarks)


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


@pytest.mark.parametrize("name", lessons.names())
def test_every_settings_link_of_a_lesson_applies_to_its_run(name):
    """A link the learner clicks must not end in an error line (issue 25)."""
    lesson = lessons.load(name)
    for link in lessons.settings_links(lesson):
        start = lessons.parse_start_link(link)
        if start is not None:
            lessons.make_run(lesson.config, start)
            continue
        settings = lessons.parse_settings_link(link)
        assert settings, link
        lessons.apply_settings(lesson.config, settings)


def test_a_settings_link_reads_json_values_and_plain_words():
    assert lessons.parse_settings_link("lesson:set?hidden=16&cell=gru&lr=0.5&bias=true") == {
        "hidden": 16, "cell": "gru", "lr": 0.5, "bias": True}
    assert lessons.parse_settings_link("moment:300") is None
    with pytest.raises(ValueError, match="unknown setting"):
        lessons.apply_settings(RunConfig(), {"colour": 3})


def test_a_lesson_can_start_from_named_parameters():
    from lstm_gui.core.training.run import TrainingRun
    config = lessons.load("forget-gate").config
    seeded = TrainingRun(config).initial_params
    run = lessons.make_run(config, lessons.parse_start_link("lesson:start?b_f=2"))
    k = config.model().names().index("b_f")
    assert run.params.reshape(-1)[k] == 2.0
    np.testing.assert_array_equal(np.delete(run.params.reshape(-1), k), np.delete(seeded.reshape(-1), k))
    run.train(5)
    run.reset()
    assert run.params.reshape(-1)[k] == 2.0            # Reset keeps the lesson's start
    assert lessons.parse_start_link("lesson:start") == {}
    np.testing.assert_array_equal(lessons.make_run(config, {}).params, seeded)
    with pytest.raises(ValueError, match="no parameter 'b_g'"):
        lessons.make_run(config, {"b_g": 1})
