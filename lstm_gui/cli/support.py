"""What makes the command line behave like a Unix tool: checked outputs, progress that suits
where it goes, Ctrl+C that keeps the work, quiet exit on a closed pipe, strict JSON."""
from __future__ import annotations

import argparse
import contextlib
import math
import os
import shutil
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from ..core.limits.fileio import FileAccessError, save_target

EXIT_INTERRUPTED = 130      # 128 + SIGINT, what shells report for a process stopped by Ctrl+C
EXIT_BROKEN_PIPE = 141      # 128 + SIGPIPE
PLAIN_PROGRESS_S = 5.0      # seconds between progress lines when stderr is not a terminal
TTY_PROGRESS_S = 0.2


class OutputError(ValueError):
    """An output path that cannot hold what would be written; str() is one line."""


def check_output(path: Path, suffixes: tuple[str, ...], what: str) -> None:
    """Refuse, before any work, an output whose extension or place cannot take it (any
    extension when `suffixes` is empty)."""
    try:
        save_target(path)
    except FileAccessError as exc:
        raise OutputError(str(exc)) from None
    if suffixes and path.suffix.lower() not in suffixes:
        raise OutputError(f"{path}: a {what} is written as {' or '.join(suffixes)}; "
                          f"name the file with {'that extension' if len(suffixes) == 1 else 'one of them'}")


def output_file(what: str, *suffixes: str):
    """The argparse type of every path a sub-command writes a file to: checked when the
    command line is read (:func:`check_output`), so a bad path is one usage line naming the
    option, exit status 2, before any training or loading (a sweep once trained every setting
    and then could not write its table).  `suffixes`: the extensions it can be written as."""
    def parse(text: str) -> Path:
        path = Path(text)
        try:
            check_output(path, suffixes, what)
        except OutputError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        return path
    parse.__name__ = what.replace(" ", "-")      # argparse names the type in some messages
    parse.output = True                          # type: ignore[attr-defined]
    return parse


def output_folder(what: str):
    """The argparse type of a folder a sub-command writes files into: an existing writable
    folder, or one that can be made (its nearest existing parent is a writable folder)."""
    def parse(text: str) -> Path:
        path = Path(text)
        try:
            _check_folder(path, what)
        except OutputError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        return path
    parse.__name__ = what.replace(" ", "-")
    parse.output = True                          # type: ignore[attr-defined]
    return parse


def _check_folder(path: Path, what: str) -> None:
    target = Path(os.path.realpath(path))
    place = target
    while not place.exists() and place != place.parent:
        place = place.parent
    if not place.is_dir():
        where = "is a file" if place == target else f"{place} is a file, not a folder"
        raise OutputError(f"{path}: {where}; give a folder for the {what}")
    if not os.access(place, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: the folder {place} is not writable; choose another place "
                          f"for the {what}")


def plural(n: int, word: str) -> str:
    """'1 epoch', '2 epochs'."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def rate_text(epochs: int, seconds: float) -> str:
    """Epochs per second as a person reads it: '5,495 epochs/s', '0.022 epochs/s' (a cold
    compile's two epochs in 90 s once read "0 epochs/s")."""
    rate = epochs / seconds if seconds > 0 else 0.0
    if rate == 0 or rate >= 100:
        return f"{rate:,.0f} epochs/s"
    return f"{rate:.2g} epochs/s" if rate < 10 else f"{rate:.3g} epochs/s"


def warm_up_kernels(configs, ensemble=None) -> None:
    """Compile, or load from numba's cache, every kernel runs of these configs call: the
    unit's (compiled_run.warm_up), a model's (warm_up.warm_up_all: its fused chunk, forward
    pass, trace, gradient); with `ensemble` (a sweep's: config -> its ensemble of seeds), also
    the population kernel each unit setting's ensemble calls, by one throwaway epoch of it."""
    from dataclasses import replace

    from ..core.models import compiled
    if compiled.active() != "compiled":
        return
    from ..core.training import compiled_run, warm_up
    if any(not c.is_unit for c in configs):
        warm_up.warm_up_all()
    else:
        compiled_run.warm_up()
    if ensemble is not None:
        for cfg in configs:
            if cfg.is_unit:
                ensemble(replace(cfg, epochs=1)).train(1)


def prepare_kernels(configs, ensemble=None, quiet: bool = False, timed: str = "the times below") -> None:
    """warm_up_kernels before anything is timed, said on stderr: the compiling line when
    numba's cache lacks a kernel, and how long it took when that was noticeable (a sweep's
    first setting and train's epochs/s once counted a cold compile of minutes).  The
    compiling line explains a long pause and is said even with `quiet`."""
    from ..core.models import compiled
    cold = (compiled.available() and compiled.active() == "compiled"
            and not compiled.is_cached(models=any(not c.is_unit for c in configs)))
    if cold:
        print(compiled.COMPILING_MESSAGE, file=sys.stderr, flush=True)
    start = time.perf_counter()
    warm_up_kernels(configs, ensemble)
    took = time.perf_counter() - start
    if took > 1.0 and (cold or not quiet):
        print(f"kernels ready in {took:.1f} s (not counted in {timed})", file=sys.stderr, flush=True)


class Progress:
    """Training progress on stderr: a bar redrawn in place on a terminal, never wider than it;
    elsewhere (a log, a pipe) a plain line every PLAIN_PROGRESS_S seconds."""

    def __init__(self, total: int, quiet: bool = False, stream=None):
        self.stream = stream or sys.stderr
        self.total = total
        self.quiet = quiet
        self.tty = self.stream.isatty()
        self.start = self.last = time.perf_counter()
        self.drawn = False

    def rate(self, epoch: int) -> str:
        """Epochs per second since the start, as text (:func:`rate_text`)."""
        return rate_text(epoch, time.perf_counter() - self.start)

    def update(self, epoch: int, mse: float) -> None:
        now = time.perf_counter()
        if self.quiet or now - self.last < (TTY_PROGRESS_S if self.tty else PLAIN_PROGRESS_S):
            return
        self.last = now
        budget = f"/{self.total}" if self.total else ""
        text = f"epoch {epoch}{budget}  MSE {mse_text(mse)}  {self.rate(epoch)}"
        if not self.tty:
            print(text, file=self.stream, flush=True)
            return
        width = shutil.get_terminal_size((80, 24)).columns - 1
        # What fits, most important first: a narrow terminal gets the epoch and the MSE only.
        text = ""
        for part in (f"epoch {epoch}{budget}", f"MSE {mse_text(mse, 4)}", self.rate(epoch)):
            if len(text) + len(part) + 2 > width:
                break
            text = f"{text}  {part}" if text else part
        bar_width = min(30, width - len(text) - 3)
        if self.total and bar_width >= 10:
            done = int(bar_width * min(epoch, self.total) / self.total)
            text = f"[{'#' * done}{'.' * (bar_width - done)}] {text}"
        print(f"\r{text[:width]}\x1b[K", end="", file=self.stream, flush=True)
        self.drawn = True

    def close(self) -> None:
        """Clear the bar: the final line says the rest, once."""
        if self.drawn:
            print("\r\x1b[K", end="", file=self.stream, flush=True)


class StopFlag:
    """Set by the first Ctrl+C; the training loop checks it between epochs, so the run is
    never cut in the middle of an update.  A second Ctrl+C interrupts at once."""

    def __init__(self):
        self.set = False
        self.defer = False      # while saving: further presses are noted, never raised

    def __bool__(self) -> bool:
        return self.set

    def _handle(self, signum, frame):
        if self.set and not self.defer:
            raise KeyboardInterrupt
        self.set = True


@contextlib.contextmanager
def sigint_stops(flag: StopFlag) -> Iterator[StopFlag]:
    previous = signal.signal(signal.SIGINT, flag._handle)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


def mse_text(value: float, digits: int = 6) -> str:
    """An MSE as printed: "—" where it is not a number (a run before its first epoch, a
    CSV sequence's test MSE), never "nan"."""
    return f"{value:.{digits}g}" if math.isfinite(value) else "—"


def finite_or_none(obj):
    """obj with every non-finite float replaced by None, so json.dumps writes strict JSON."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite_or_none(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite_or_none(v) for v in obj]
    return obj


def quiet_on_closed_pipe(main):
    """Run main(); if the reader of stdout went away (`| head`), exit quietly with 141."""
    try:
        status = main()
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        # Python would complain again when it flushes stdout at exit: point it at /dev/null.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
