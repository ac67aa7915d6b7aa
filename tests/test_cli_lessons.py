"""`lstm-gui lessons` lists the lessons and prints one."""
from lstm_gui.cli.main import main
from lstm_gui.core import lessons


def test_lessons_lists_every_lesson_with_its_title_in_order(capsys):
    assert main(["lessons"]) == 0
    out = capsys.readouterr().out.splitlines()
    for number, name in enumerate(lessons.names(), start=1):
        line = out[number - 1]
        assert line.split()[:2] == [f"{number}.", name]
        assert lessons.load(name).title in line


def test_lessons_name_prints_its_settings_and_text(capsys):
    assert main(["lessons", "forget-gate-frozen"]) == 0
    out = capsys.readouterr().out
    lesson = lessons.load("forget-gate-frozen")
    assert out.startswith(f"# {lesson.title}\n")
    assert "task running-sum" in out and "frozen 2" in out and "lr 0.02" in out
    assert lesson.text in out


def test_an_unknown_lesson_is_a_one_line_error(capsys):
    assert main(["lessons", "nope"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "memory" in err


def test_a_model_lesson_names_its_cell_width_batches_and_start(capsys):
    assert main(["lessons", "cells"]) == 0
    out = capsys.readouterr().out
    assert "LSTM of 16 units" in out and "batches of 32" in out
    assert main(["lessons", "forget-bias"]) == 0
    assert "1 unit;" in (out := capsys.readouterr().out) and "starting with b_f = 1" in out
