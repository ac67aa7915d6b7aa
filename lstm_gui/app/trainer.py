"""The trainer: owns the run, trains it on a QThread, and takes the window's commands.

The run is the one source of truth.  The window never holds it: it sends commands (train,
pause, step, reset, a new config, a replaced run, an edited parameter) and reads immutable
snapshots.  Every command runs under the run's lock and bumps the run's revision; every
snapshot carries the revision it was taken at, and :attr:`Trainer.shown_revision` lets the
window drop any snapshot older than what it already shows (a chunk that finished just before
a pause, a snapshot of a run that was replaced since).

Pause is acknowledged in-band: the thread checks the training flag *inside* the lock, so once
:meth:`pause` has taken and released the lock no further epoch runs; the snapshot it then
returns is the run's last state, and any snapshot still queued is older and dropped.

Errors in the thread leave it as :attr:`errored` (the run keeps its state and the thread goes
on waiting for commands); nothing dies silently.
"""
from __future__ import annotations

import contextlib
import copy
import threading
import time
from collections.abc import Callable

from ..core.training import warm_up
from ..core.training.compiled_run import trainer_for
from ..core.training.run import DIVERGED, TrainingRun
from .qt import QtCore, Signal

SNAPSHOT_INTERVAL = 1 / 30   # seconds: at most ~30 snapshots a second
STEPS_DONE = "steps"         # stopped(): the epochs of a train_for (Step N) are done
CHUNK_SECONDS = 0.001        # work done between two releases of the GIL (NOTES-QT: ~1 ms)
# The compiled kernel releases the GIL while it trains: the window draws alongside, so training
# needs neither to wait for frames nor to stop every millisecond.
GIL_FREE_CHUNK_SECONDS = 0.02
MAX_GUI_WAIT = 0.25          # never wait longer than this for the window to draw
# While the kernel trains without the GIL, the window draws alongside, but its CPU is this
# process's too: on a shared machine the process gets a share of a core, and every second of
# the GUI thread's CPU is taken from training (measured: GUI 13 % and training 13 % of a core
# at load 15, the window keeping 43 % of headless speed).  The next snapshot waits until
# training has had this many times the CPU the last frame took: training keeps >= 3/4.
TRAIN_CPU_PER_FRAME_CPU = 3.0
FRAME_CPU_CAP = 0.1          # seconds: a frame's CPU counted at most this much (snapshot_taken)


def train_on_numpy(run: TrainingRun, epochs: int) -> str | None:
    """run.train(epochs) on the numpy path, epoch by epoch: while the compiled kernel compiles
    on a first launch, Train starts at once instead of waiting ~5 s for it."""
    start = time.perf_counter()
    try:
        for _ in range(epochs):
            reason = run.should_stop()
            if reason:
                run.stop_reason = reason
                return reason
            if not run.step():
                return run.stop_reason if run.stop_reason == DIVERGED else None
        reason = run.should_stop()
        if reason:
            run.stop_reason = reason
        return reason
    finally:
        run.elapsed += time.perf_counter() - start


class KernelWarmUp(threading.Thread):
    """Compiles (or loads) the training kernels, the unit's and the models', off the GUI
    thread; the window stays live.

    A daemon thread, not a QThread of the window: numba's compile cannot be interrupted, and a
    QThread still running when its window is destroyed aborts the process, so closing waited
    for the compile (minutes on a first launch).  Now closing does not wait; the process then
    leaves without tearing the interpreter down under the compile (``app.main.run_app``).
    """

    def __init__(self, trainer: Trainer):
        super().__init__(name="lstm-gui kernel warm-up", daemon=True)
        self._t = trainer

    def run(self) -> None:  # noqa: D401 - the thread's entry point
        result: object
        try:
            result = warm_up.warm_up_all()
        except Exception as exc:   # noqa: BLE001 - the numpy kernel still trains; said in the window
            result = " ".join(str(exc).split()) or type(exc).__name__
        finally:
            self._t._kernel_ready.set()
        if not self._t._quit.is_set():       # the window is still open
            with contextlib.suppress(RuntimeError):    # ... or was deleted meanwhile
                self._t.kernel_warmed.emit(result)


class TrainingThread(QtCore.QThread):
    """The loop: train a chunk under the lock while the flag is set, emit snapshots."""

    def __init__(self, trainer: Trainer):
        super().__init__(trainer.parent())
        self._t = trainer

    def run(self) -> None:  # noqa: D401 - QThread's entry point
        t = self._t
        per_epoch = 2e-4
        last_emit = 0.0
        window_start, window_epochs = time.perf_counter(), 0
        last_end = None       # when the last chunk ended, while training stays on
        cpu_at_emit = time.thread_time()
        held = False          # a snapshot was due since the last one but the window's cost held it
        while not t._quit.is_set():
            if not t._training.wait(0.05):
                window_start, window_epochs = time.perf_counter(), 0
                last_end = None
                continue
            if t.waits_for_kernels():
                # A model's first run on a first launch: its kernels compile on the warm-up's
                # thread.  Waited for here, outside the run's lock (compiling them in this
                # thread held the lock for minutes: Pause, Save and close waited too).
                t._kernel_ready.wait(0.05)
                window_start, window_epochs = time.perf_counter(), 0
                last_end = None
                continue
            gil_free = t.gil_free()
            if not gil_free:
                t._gui_idle.wait(MAX_GUI_WAIT)
            chunk = max(1, int((GIL_FREE_CHUNK_SECONDS if gil_free else CHUNK_SECONDS) / per_epoch))
            left = t._steps_left
            max_rate = None if left else t.max_rate     # Step N runs at full speed
            if max_rate:
                # Slow motion: a chunk per frame at most, then wait out the rest of its time.
                chunk = max(1, min(chunk, int(max_rate * SNAPSHOT_INTERVAL)))
            t0 = time.perf_counter()
            reason = None
            with t._lock:
                # Checked under the lock: a pause that took the lock is never followed by
                # another chunk.
                if not t._training.is_set() or t._quit.is_set():
                    last_end = None
                    continue
                run = t._run
                if last_end is not None:
                    # The training time is the time spent training, waits for the pace and
                    # the window included (it stayed 0:00:00 on a paced run, issue 24).
                    run.elapsed += max(0.0, t0 - last_end)
                before = run.epoch
                try:
                    if left:
                        chunk = min(chunk, left)
                    reason = run.train(chunk) if t._kernel_ready.is_set() else train_on_numpy(run, chunk)
                except Exception as exc:   # noqa: BLE001 - reported, never swallowed
                    t._training.clear()
                    t.errored.emit(f"Training stopped at epoch {run.epoch:,}: "
                                   f"{' '.join(str(exc).split()) or type(exc).__name__}")
                    continue
                done = run.epoch - before
                if left and t._steps_left:
                    t._steps_left = max(0, left - done)
                    if not t._steps_left and not reason:
                        reason = STEPS_DONE
                if reason:
                    t._training.clear()
                job = None
                t1 = time.perf_counter()
                slow = max_rate is not None and max_rate <= 1 / SNAPSHOT_INTERVAL
                earned = time.thread_time() - cpu_at_emit >= TRAIN_CPU_PER_FRAME_CPU * t._frame_cpu
                if reason or ((slow or (t1 - last_emit >= t._interval and earned))
                              and t._consumed.is_set()):
                    # Copies only, under the lock; the forward passes run after it is released,
                    # so a command or a read from the window never waits for them.
                    job = run.snapshot_job(**t.snapshot_options())
                elif slow or t1 - last_emit >= SNAPSHOT_INTERVAL:
                    held = True       # due by the pace: waiting for the window's last frame
            snap = None if job is None else t.compute_snapshot(job)
            if done:
                per_epoch = 0.8 * per_epoch + 0.2 * (t1 - t0) / done
            window_epochs += done
            if t1 - window_start > 0.5:
                t.rate = window_epochs / (t1 - window_start)
                window_start, window_epochs = t1, 0
            if snap is not None:
                last_emit = t1
                cpu_at_emit = time.thread_time()
                t._consumed.clear()
                t.held_back, held = held, False
                t.snapshot_ready.emit(snap, t.rate)
            if reason:
                t.stopped.emit(reason)
            if max_rate and done:
                # Paced: this chunk's share of a second at max_rate, less the time it took.
                t._quit.wait(max(0.0, done / max_rate - (time.perf_counter() - t0)))
            time.sleep(0)   # let the GUI thread have the GIL
            last_end = t1 if t._training.is_set() and not reason else None


class Trainer(QtCore.QObject):
    """Commands in, snapshots out.  Signals arrive on the GUI thread (queued)."""

    snapshot_ready = Signal(object, float)   # Snapshot, epochs per second
    stopped = Signal(str)                    # a key of core.run.STOP_REASONS
    errored = Signal(str)                    # one line: what went wrong in the thread
    kernel_warmed = Signal(object)           # True: compiled, False: loaded, str: why not

    def __init__(self, run: TrainingRun, parent=None, snapshot_options=None):
        super().__init__(parent)
        self._run = run
        self._lock = threading.RLock()
        self._training = threading.Event()
        self._quit = threading.Event()
        self._consumed = threading.Event()
        self._consumed.set()
        # Cleared while the window draws a snapshot: the thread then waits without the GIL,
        # so the window's Python (every binding call re-takes the GIL) runs uncontended.
        self._gui_idle = threading.Event()
        self._gui_idle.set()
        self._kernel_ready = threading.Event()    # cleared while the kernel compiles
        self._kernel_ready.set()
        self._interval = SNAPSHOT_INTERVAL
        self._frame_cpu = 0.0        # the GUI thread's CPU seconds for the last frame
        # True if the newest snapshot was due by the pace before it was sent, and waited for
        # the window's last frame (its drawing, or training's CPU share): frames are then as
        # frequent as the window's cost allows (the frame scheduler adapts its budget to it).
        self.held_back = False
        self.snapshot_options: Callable[[], dict] = snapshot_options or (lambda: {})
        self.rate = 0.0
        self.max_rate: float | None = None   # epochs per second; None: as fast as it goes
        self._steps_left = 0                 # epochs a train_for (Step N) still has to run
        self.shown_revision = 0
        self._thread = TrainingThread(self)

    # ------------------------------------------------------------ reading

    @contextlib.contextmanager
    def locked(self):
        """The run, for reading (or a command's change) while the block runs."""
        with self._lock:
            yield self._run

    def snapshot(self, **options):
        """A snapshot of the run now (``options`` as TrainingRun.snapshot's, default the
        window's): its copies are taken under the lock, its forward passes run after."""
        with self._lock:
            job = self._run.snapshot_job(**(options or self.snapshot_options()))
        return job.compute()

    def read(self, fn):
        """fn(run) under the lock; for a save, an export, a question about the run."""
        with self._lock:
            return fn(self._run)

    @property
    def revision(self) -> int:
        return self._run.revision

    def gil_free(self) -> bool:
        """True if the run trains in the compiled kernel, which does not hold the GIL (the
        unit's chunks, or a model's fused ones)."""
        run = self._run
        return self._kernel_ready.is_set() and trainer_for(run) is not None

    def warm_up_kernel(self) -> KernelWarmUp:
        """Compile the kernels in the background; a unit's training meanwhile takes the numpy
        path, a model's waits for them (:meth:`waits_for_kernels`)."""
        self._kernel_ready.clear()
        thread = KernelWarmUp(self)
        thread.start()
        return thread

    @property
    def kernel_ready(self) -> bool:
        return self._kernel_ready.is_set()

    def waits_for_kernels(self) -> bool:
        """True while the kernels compile and the run is a model: its training waits for them
        (the unit's numpy path computes the same epochs; a model's reference is 30-100x slower
        in Python, see model_training, and its steps would compile a kernel under the lock)."""
        return not self._kernel_ready.is_set() and getattr(self._run, "model", None) is not None

    @property
    def is_training(self) -> bool:
        return self._training.is_set()

    def is_fresh(self, snap) -> bool:
        """True if snap is at least as new as what was shown; then it becomes what is shown."""
        if snap.revision < self.shown_revision:
            return False
        self.shown_revision = snap.revision
        return True

    # ------------------------------------------------------------ commands

    def train(self) -> None:
        self._steps_left = 0
        self._training.set()
        if not self._thread.isRunning():
            self._thread.start()

    def train_for(self, n: int) -> None:
        """Train n epochs on the training thread (Step N), at full speed, then stop with
        ``stopped(STEPS_DONE)``; pause() cancels.  A million epochs once ran on the GUI thread
        and froze the window for 53 s."""
        self.pause()
        self._steps_left = int(n)
        self._training.set()
        if not self._thread.isRunning():
            self._thread.start()

    def pause(self) -> None:
        """Stop training; when this returns no epoch runs until the next train()."""
        self._training.clear()
        with self._lock:
            pass

    def apply(self, fn):
        """A command: fn(run) under the lock (training paused around it if it must be)."""
        with self._lock:
            return fn(self._run)

    def step(self, n: int = 1) -> str | None:
        self.pause()
        with self._lock:
            return self._run.train(n)

    def replace_run(self, run: TrainingRun) -> TrainingRun:
        """Swap in another run (an opened file, an undo); returns the previous one."""
        self.pause()
        with self._lock:
            old, self._run = self._run, run
        return old

    def copy_run(self) -> TrainingRun:
        """A deep copy of the run, to keep for undo or to change and swap in."""
        with self._lock:
            return copy.deepcopy(self._run)

    def compute_snapshot(self, job):
        """job.compute(), on the training thread outside the run's lock (a hook for tests)."""
        return job.compute()

    # ------------------------------------------------------------ frames

    def hold(self) -> None:
        self._gui_idle.clear()

    def release(self) -> None:
        self._gui_idle.set()

    def snapshot_taken(self, draw_seconds: float = 0.0, draw_cpu: float = 0.0) -> None:
        """The window drew the last snapshot in draw_seconds (draw_cpu of the GUI thread's
        CPU); the next one may be sent.

        With the numpy kernel training waits while the window draws, so snapshots are spaced
        to leave training at least two thirds of the time however slow the drawing is; the
        compiled kernel trains alongside, and the next frame may follow once training has had
        TRAIN_CPU_PER_FRAME_CPU times the frame's CPU.
        """
        gil_free = self.gil_free()
        self._interval = max(SNAPSHOT_INTERVAL, (1 if gil_free else 3) * draw_seconds)
        # At most FRAME_CPU_CAP: the frame scheduler keeps frames within its budget, and a
        # view's one-off set-up (its plots built for a model: 0.5 s of CPU for the heat maps
        # of an H = 16 GRU) held the next frames back for seconds (a running mean of the
        # frames' CPU still gave 0.4 frames a second over the bench's 12 s).
        self._frame_cpu = min(draw_cpu, FRAME_CPU_CAP) if gil_free else 0.0
        self._consumed.set()

    def shutdown(self) -> None:
        """Stop cooperatively and wait for the thread to end."""
        self._quit.set()
        self._training.set()   # wake the loop so it can see the quit flag
        self._thread.wait()
        self._training.clear()

    def thread_running(self) -> bool:
        return self._thread.isRunning()
