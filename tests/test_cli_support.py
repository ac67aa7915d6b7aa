"""Progress output, driven with a controlled clock: plain lines off a terminal, a bar that
fits the terminal on one."""
import io

from lstm_gui.cli import support as cli_support
from lstm_gui.cli.support import PLAIN_PROGRESS_S, Progress, finite_or_none


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def test_off_a_terminal_a_plain_line_every_few_seconds(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(cli_support.time, "perf_counter", clock)
    stream = io.StringIO()
    progress = Progress(1000, stream=stream)
    for epoch in range(1, 1001):
        clock.t = epoch * 0.05                       # 50 s in all
        progress.update(epoch, 0.5)
    progress.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == int(50 / PLAIN_PROGRESS_S) and "\r" not in stream.getvalue()
    assert lines[0].startswith("epoch 100/1000  MSE 0.5  20 epochs/s")


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_on_a_terminal_the_bar_fits_its_width_and_is_cleared(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(cli_support.time, "perf_counter", clock)
    for columns in (20, 40, 80, 200):
        monkeypatch.setenv("COLUMNS", str(columns))
        stream = Terminal()
        progress = Progress(5000, stream=stream)
        for epoch in range(0, 5001, 100):
            clock.t += 1
            progress.update(epoch, 0.0123456)
        progress.close()
        frames = [f for f in stream.getvalue().replace("\x1b[K", "").split("\r") if f]
        assert frames and all(len(f) < columns for f in frames)
        assert stream.getvalue().endswith("\r\x1b[K")
        if columns >= 80:
            assert frames[-1].startswith("[" + "#" * 30 + "]")


def test_quiet_prints_nothing(monkeypatch):
    stream = Terminal()
    progress = Progress(10, quiet=True, stream=stream)
    progress.update(5, 0.1)
    progress.close()
    assert stream.getvalue() == ""


def test_strict_json_values():
    assert finite_or_none({"a": [1.0, float("inf"), float("nan")], "b": (2, -float("inf"))}) == {
        "a": [1.0, None, None], "b": [2, None]}
