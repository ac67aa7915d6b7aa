"""The ensemble view: K seeds of the current settings, trained in a thread of the view's own.

Was that run luck?  The view trains K models (seeds s, s+1, ..., s+K-1 from the current
run's seed s, so member 0 is the current run from epoch 0) with core.ensemble and shows the
MSE over epochs as median, 10-90 % band and faint member curves; the share of seeds that
reach the target MSE and the epochs they took; a histogram of the final MSEs.  A click on a
member's curve opens that seed as the current run.

Comparison: "Pin" keeps the last result as a ghost drawn under the next one, the legend
naming what differs (core.compare); "lstmlib rule vs exact" trains both rules from the same
seeds at once.
"""
from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, replace

import numpy as np

from ...core.analysis.compare import difference
from ...core.analysis.ensemble import Bands
from ...core.analysis.variants import greff_table, seeds_of
from ...core.training.run import RunConfig, TrainingRun
from ..ensemble_plot import BandsPlot, FinalMseHistogram
from ..qt import Qt, QtCore, QtWidgets, Signal
from .base import View

MIN_SEEDS, MAX_SEEDS = 8, 256
NO_TARGET = "none"     # the target field at 0: no stop rule, no success rate


@dataclass(frozen=True)
class SeriesResult:
    """One ensemble's state, copied for the GUI thread."""

    label: str
    config: RunConfig
    seeds: tuple
    epoch: int
    bands: Bands
    final: np.ndarray          # (K,) MSE, NaN where diverged
    success: float             # share of seeds at the target (NaN without a target)
    epochs_to_target: np.ndarray
    test: np.ndarray | None = None   # (K,) test MSE, once trained (None while training)
    diverged: np.ndarray | None = None   # (K,) bool (a NaN in final may be a seed not begun)
    trained: int | None = None       # seeds done, of a model's (trained one after another)


def _result(label: str, ens, final: bool = False) -> SeriesResult:
    """`ens`: an EnsembleRun or a SeedRuns (variants.seeds_of); the test MSE at the end only
    (a forward pass per member)."""
    rate, took = ens.success()
    return SeriesResult(label, ens.config, ens.seeds, ens.epoch, ens.bands(), ens.mse.copy(),
                        rate, took, np.asarray(ens.test_mse(), dtype=float) if final else None,
                        np.array(ens.diverged, dtype=bool), getattr(ens, "trained", None))


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


class EnsembleThread(QtCore.QThread):
    """Trains one or more ensembles in chunks, side by side; cancel with requestInterruption().

    ``done`` is emitted however run() ends; what it raised comes first as ``failed`` (one
    line): a model the population kernel refused once ended the thread silently and left
    the view "Training..." for ever."""

    progress = Signal(object)   # [SeriesResult, ...]
    done = Signal(object, float)  # [SeriesResult, ...] (what was trained), seconds
    failed = Signal(str)        # what went wrong, one line

    def __init__(self, series: list[tuple[str, RunConfig]], seeds, epochs: int, parent=None):
        super().__init__(parent)
        self.series = series
        self.seeds = list(seeds)
        self.epochs = int(epochs)

    def run(self) -> None:  # QThread's entry point
        start = time.perf_counter()
        runs: list = []
        try:
            self._train(runs)
            results = [_result(label, ens, final=True) for label, ens in runs]
        except Exception as exc:   # noqa: BLE001 - reported to the user, never swallowed
            traceback.print_exc()
            self.failed.emit(_one_line(exc))
            results = []
        self.done.emit(results, time.perf_counter() - start)

    def _train(self, runs: list) -> None:
        for label, cfg in self.series:
            runs.append((label, seeds_of(replace(cfg, epochs=self.epochs), self.seeds)))
        last_emit = 0.0
        # Each series trains for its share of a quarter second per round (the compiled path
        # asks should_continue between its fused chunks of ~20 ms, the numpy path between
        # epochs), so series advance side by side and a cancel is heard within a chunk.
        # 20 epochs a call instead cost 1.6x the training time at 64 seeds x 2 000 epochs.
        share = 0.25 / len(runs)
        while not self.isInterruptionRequested():
            taken = 0
            for _, ens in runs:
                until = time.perf_counter() + share
                taken += ens.train(self.epochs, lambda until=until: (
                    not self.isInterruptionRequested() and time.perf_counter() < until))
            now = time.perf_counter()
            if not taken:
                break
            if now - last_emit > 0.25:   # a few redraws a second keep the GUI thread free
                last_emit = now
                self.progress.emit([_result(label, ens) for label, ens in runs])


def _number(value: float) -> str:
    """A table's MSE: "—" where there is none (a CSV sequence has no held-out part to
    test on; it read "nan")."""
    return f"{value:.3g}" if np.isfinite(value) else "—"


def _quartiles(q25: float, q75: float, missing: str) -> str:
    if not (np.isfinite(q25) and np.isfinite(q75)):
        return f"none: {missing}"
    return f"quartiles {q25:.3g} to {q75:.3g}"


class EnsembleView(View):
    name = "ensembleView"
    title = "Ensemble"
    area = Qt.DockWidgetArea.BottomDockWidgetArea
    shown_by_default = False

    COLUMNS = ("setting", "seeds", "train MSE", "test MSE", "vs baseline", "95 % interval",
               "clear", "success")

    member_chosen = Signal(object)   # RunConfig of the member clicked
    finished = Signal()              # a training of the view's own ended (or was cancelled)

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.config = RunConfig()
        self.worker: EnsembleThread | None = None
        self.results: list[SeriesResult] = []
        self.ghosts: list[SeriesResult] = []
        self.elapsed = 0.0
        self.failure = ""         # what the last training raised, one line ("" if nothing)
        self.cancelled = False

        self.seeds = QtWidgets.QSpinBox(objectName="ensembleSeeds")
        self.seeds.setRange(MIN_SEEDS, MAX_SEEDS)
        self.seeds.setValue(32)
        self.seeds.setToolTip("How many seeds (models) to train: the current seed and the next ones")
        self.epochs = QtWidgets.QSpinBox(objectName="ensembleEpochs")
        self.epochs.setRange(1, 1_000_000)
        self.epochs.setSingleStep(500)
        self.epochs.setValue(2000)
        self.target = QtWidgets.QDoubleSpinBox(objectName="ensembleTarget")
        self.target.setDecimals(4)
        self.target.setRange(0.0, 1.0)
        self.target.setSpecialValueText(NO_TARGET)
        self.target.setSingleStep(0.005)
        self.target.setValue(0.02)
        self.target.setToolTip("A seed succeeds when its MSE reaches this; it then stops, as a "
                               "run does (none: every seed trains the whole budget)")
        self.run_button = QtWidgets.QPushButton("Train seeds", objectName="ensembleRun")
        self.cancel_button = QtWidgets.QPushButton("Cancel", objectName="ensembleCancel")
        self.cancel_button.setEnabled(False)
        self.pin_button = QtWidgets.QPushButton("Pin", objectName="ensemblePin")
        self.pin_button.setToolTip("Keep this result as a ghost and compare the next one with it")
        self.pin_button.setEnabled(False)
        self.unpin_button = QtWidgets.QPushButton("Unpin", objectName="ensembleUnpin")
        self.unpin_button.setEnabled(False)
        self.rules_button = QtWidgets.QPushButton("lstmlib rule vs exact", objectName="ensembleRules")
        self.rules_button.setToolTip("Train the C library's rule and the exact gradient from the "
                                     "same seeds, with lstmlib timing and these settings")
        self.summary = QtWidgets.QLabel("Train seeds of the current settings: was that run luck?",
                                        objectName="ensembleSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.plot = BandsPlot()
        self.histogram = FinalMseHistogram()
        # Greff et al.'s table: each setting against the pinned (or first) one, shown when
        # two or more are compared.
        self.table = QtWidgets.QTableWidget(0, len(self.COLUMNS), objectName="ensembleTable")
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setToolTip("Each setting against the baseline (the pinned one), Greff et "
                              "al.'s way: medians over the seeds, the difference of the test "
                              "MSE medians and its bootstrap 95 % interval; clear when the "
                              "interval excludes 0")
        self.table.setVisible(False)
        # Its scroll area's 70 px least height raised the window's by 23 px once shown.
        self.table.setMinimumHeight(40)

        # Two rows of controls: in one row they needed 871 px, and the dock clipped its
        # summary, legend and buttons behind two scroll bars (issue 24).
        row = QtWidgets.QHBoxLayout()
        for label, widget in (("Seeds", self.seeds), ("Epochs", self.epochs),
                              ("Target MSE", self.target)):
            row.addWidget(QtWidgets.QLabel(label))
            row.addWidget(widget)
        row.addStretch(1)
        buttons = QtWidgets.QHBoxLayout()
        for button in (self.run_button, self.cancel_button, self.rules_button, self.pin_button,
                       self.unpin_button):
            buttons.addWidget(button)
        for button in (self.cancel_button, self.pin_button, self.unpin_button):
            button.setMinimumWidth(56)     # the style's 80 px would widen the dock
        buttons.addStretch(1)
        self.plot.setMinimumWidth(220)
        self.histogram.setMinimumWidth(150)
        splitter = QtWidgets.QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.plot)
        splitter.addWidget(self.histogram)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        # The table under the plots, across the dock's width (beside them it had ~90 px).
        self.below = below = QtWidgets.QSplitter(Qt.Orientation.Vertical)
        below.addWidget(splitter)
        below.addWidget(self.table)
        below.setStretchFactor(0, 3)
        below.setStretchFactor(1, 1)
        below.setChildrenCollapsible(False)
        self._layout = layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(row)
        layout.addLayout(buttons)
        layout.addWidget(self.summary)
        layout.addWidget(below, 1)

        self.run_button.clicked.connect(self.train_current)
        self.cancel_button.clicked.connect(self.cancel)
        self.pin_button.clicked.connect(self.pin)
        self.unpin_button.clicked.connect(self.unpin)
        self.rules_button.clicked.connect(self.compare_rules)
        self.plot.member_clicked.connect(self._on_member_clicked)
        # A dock's widget may be deleted without a close event: never leave the thread running.
        app = QtWidgets.QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    # ------------------------------------------------------------ the view protocol

    def show_snapshot(self, snap) -> None:
        # Cheap: the settings are read when the user asks for seeds, never trained here.
        self.config = snap.config

    def plots(self) -> list:
        return [self.plot, self.histogram]

    # ------------------------------------------------------------ commands

    def _settings(self, config: RunConfig) -> RunConfig:
        return replace(config, target_mse=self.target.value(), epochs=self.epochs.value())

    def use_settings_of(self, config: RunConfig) -> None:
        """The fields take a run's own budget and target (Compare -> Ensemble of seeds of
        these settings): its epoch budget when it has one, its target MSE when it has one,
        none for a task of many sequences without one (its comparison is the test MSE at
        the budget: the cells lesson's 10 epochs had run 2 000, stopped at 0.02)."""
        self.config = config
        if config.epochs:
            self.epochs.setValue(config.epochs)
        if config.target_mse:
            self.target.setValue(config.target_mse)
        elif config.task.is_set:
            self.target.setValue(0.0)

    def train_current(self) -> None:
        """K seeds of the current settings."""
        cfg = self._settings(self.config)
        label = "this setting"
        if self.ghosts:
            _, label = difference(self.ghosts[0].config, cfg, seeds_matter=False)
        self._start([(label, cfg)])

    def compare_rules(self) -> None:
        """The C library's rule against the exact gradient, same seeds, same timing."""
        cfg = self._settings(self.config)
        if cfg.units != 1 or not cfg.is_unit:
            # RunConfig refuses the rule on any other model: asked here, the refusal was an
            # exception in a slot.
            self._message("The lstmlib rule trains one unit: set units to 1 (an LSTM of "
                          "H = 1 on one sequence) to compare the rules", kind="error")
            return
        exact = replace(cfg, delay=1, gradient="exact")
        rule = replace(cfg, delay=1, gradient="lstmlib")
        self.ghosts = []
        self._start([("exact gradient", exact), ("lstmlib rule", rule)])

    def cancel(self) -> None:
        if self.worker is not None:
            self.cancelled = True
            self.worker.requestInterruption()

    def pin(self) -> None:
        """Keep the shown result as the ghost the next one is compared with."""
        if not self.results:
            return
        self.ghosts = list(self.results)
        self.unpin_button.setEnabled(True)
        self._draw(self.results)
        self._message("Pinned; change the settings and train seeds again to compare", kind="info")

    def unpin(self) -> None:
        self.ghosts = []
        self.unpin_button.setEnabled(False)
        self._draw(self.results)

    def is_running(self) -> bool:
        return self.worker is not None

    def shutdown(self) -> None:
        """Stop the thread and wait for it (the window calls this on close)."""
        if self.worker is not None:
            self.worker.requestInterruption()
            self.worker.wait()

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)

    # ------------------------------------------------------------ internals

    def _start(self, series) -> None:
        if self.worker is not None:
            return
        seed0 = series[0][1].seed
        seeds = range(seed0, seed0 + self.seeds.value())
        self.worker = EnsembleThread(series, seeds, self.epochs.value(), self)
        self.worker.progress.connect(self._draw)
        self.worker.failed.connect(self._on_failed)
        self.worker.done.connect(self._on_done)
        self.failure = ""
        self.cancelled = False
        for w in (self.run_button, self.rules_button, self.pin_button):
            w.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.summary.setText(f"Training {len(seeds)} seeds x {len(series)} setting"
                             f"{'s' if len(series) > 1 else ''}...")
        self.worker.start()

    def _on_failed(self, text: str) -> None:
        self.failure = text
        self._message(f"Ensemble of seeds failed: {text}", kind="error")

    def _on_done(self, results, seconds: float) -> None:
        thread, self.worker = self.worker, None
        if thread is not None:
            thread.wait()
            thread.deleteLater()
        self.elapsed = seconds
        for w in (self.run_button, self.rules_button):
            w.setEnabled(True)
        self.pin_button.setEnabled(bool(results))
        self.cancel_button.setEnabled(False)
        if self.failure:
            self.summary.setText(f"Ensemble of seeds failed: {self.failure}")
        else:
            self._draw(results)
            if results:
                self._message(self.end_message(results), kind="info")   # cancelled too
        # Laid out now, not at the layout's next pass: a screenshot taken at the end showed
        # the summary's first line only (the label kept the one line of "Training ...").
        self._layout.activate()
        self.finished.emit()

    def end_message(self, results) -> str:
        """What finished and its result, for the status bar: the median test MSE of each
        setting (the training MSE where there is no test part: a CSV sequence)."""
        k = len(results[0].seeds)
        epoch = max(r.epoch for r in results)
        tested = all(r.test is not None and np.isfinite(r.test).any() for r in results)
        what = "test MSE" if tested else "MSE"

        def median(r) -> str:
            values = r.test if tested else r.final
            finite = values[np.isfinite(values)]
            return f"{np.median(finite):.3g}" if finite.size else "- (all diverged)"
        state = "cancelled" if self.cancelled else "done"
        if len(results) == 1:
            return f"Ensemble of {k} seeds {state} at epoch {epoch:,}: median {what} {median(results[0])}"
        each = ", ".join(f"{median(r)} ({r.label})" for r in results)
        return f"Ensembles of {k} seeds {state} at epoch {epoch:,}: median {what} {each}"

    def _labelled_ghosts(self):
        if not self.ghosts or not self.results:
            return list(self.ghosts)
        ghost_label, _ = difference(self.ghosts[0].config, self.results[0].config, seeds_matter=False)
        if len(self.ghosts) == 1:
            return [replace(self.ghosts[0], label=f"{ghost_label} (pinned)")]
        return [replace(g, label=f"{g.label} (pinned)") for g in self.ghosts]

    def _draw(self, results) -> None:
        self.results = list(results)
        shown = self.results + self._labelled_ghosts()
        self.plot.set_series([(r.label, r.bands) for r in shown])
        self.histogram.set_series([(r.label, r.final) for r in shown])
        self.summary.setText(self.summary_text(shown))
        self._fill_table(shown)

    def _fill_table(self, shown) -> None:
        """Greff et al.'s table over the shown settings, the pinned one (else the first) as
        the baseline, on top; only once every setting has its test MSE (at the end)."""
        ready = len(shown) > 1 and all(r.test is not None for r in shown)
        self.table.setVisible(ready)
        if not ready:
            return
        if self.ghosts and len(self.ghosts) == 1:
            shown = shown[len(self.results):] + shown[:len(self.results)]   # pinned on top
        base = 0
        rows = greff_table([(r.label, r.final, r.test, r.success) for r in shown], baseline=base)
        self.table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            finite = np.isfinite(row.low)
            texts = (row.label, str(row.seeds), _number(row.train_median), _number(row.test_median),
                     "baseline" if i == base else f"{row.difference:+.3g}",
                     f"[{row.low:+.2g}, {row.high:+.2g}]" if finite else "",
                     ("yes" if row.clear else "no") if finite else "",
                     f"{100 * row.success:.0f} %" if np.isfinite(row.success) else "no target")
            tips = {2: _quartiles(row.train_q25, row.train_q75, "every seed diverged"),
                    3: _quartiles(row.test_q25, row.test_q75,
                                  "no held-out part to test on (a CSV sequence), or every seed diverged")}
            for j, text in enumerate(texts):
                item = QtWidgets.QTableWidgetItem(text)
                if j in tips:
                    item.setToolTip(tips[j])
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        # Tall enough for up to three settings without a scroll bar (more scroll), taken
        # from the plots: as a minimum height it raised the window's least height by 47 px.
        rows_shown = sum(self.table.rowHeight(i) for i in range(min(len(rows), 3)))
        want = (self.table.horizontalHeader().sizeHint().height() + rows_shown
                + 2 * self.table.frameWidth() + self.table.horizontalScrollBar().sizeHint().height())
        total = sum(self.below.sizes())
        if total > 0 and self.below.sizes()[1] < want:
            self.below.setSizes([max(total - want, 1), want])

    def summary_text(self, shown) -> str:
        lines = []
        for r in shown:
            k = len(r.seeds)
            finite = r.final[np.isfinite(r.final)]
            med = f"{np.median(finite):.3g}" if finite.size else "-"
            text = f"{r.label}: {k} seeds, epoch {r.epoch}, final MSE median {med}"
            target = r.config.target_mse
            if target and np.isfinite(r.success):
                text += f"; {100 * r.success:.0f} % reached {target:g}"
                if len(r.epochs_to_target):
                    q1, q2, q3 = np.percentile(r.epochs_to_target, [25, 50, 75])
                    text += f" after {q2:.0f} epochs (quartiles {q1:.0f}-{q3:.0f})"
            if r.trained is not None and r.trained < k:
                text += f"; {r.trained} of {k} seeds trained (one after another)"
            diverged = int(np.isnan(r.final).sum() if r.diverged is None else r.diverged.sum())
            if diverged:
                text += f"; {diverged} diverged"
            lines.append(text)
        if self.worker is None and self.elapsed:
            lines.append(f"trained in {self.elapsed:.1f} s; click a curve to open that seed")
        return "\n".join(lines)

    def _on_member_clicked(self, series: int, k: int) -> None:
        shown = self.results + self._labelled_ghosts()
        if not 0 <= series < len(shown):
            return
        r = shown[series]
        config = replace(r.config, seed=r.seeds[k])
        self.member_chosen.emit(config)
        # A member equals the single run of its seed (core/ensemble.py), so training that run
        # as far as the ensemble went opens the member as it is in the plot.
        run = TrainingRun(config)
        run.train(r.epoch)
        trainer = getattr(self.ctx, "trainer", None)
        if trainer is not None and hasattr(trainer, "replace_run"):
            trainer.replace_run(run, f"Open seed {config.seed}")
        self._message(f"Opened seed {config.seed} ({r.label}) at epoch {run.epoch:,} (Ctrl+Z goes back)",
                      kind="info")

    def _message(self, text: str, kind: str) -> None:
        """One line to the window: kind "error" (ctx.message) or "info" (ctx.info)."""
        message = getattr(self.ctx, "message" if kind == "error" else "info", None)
        if callable(message):
            message(text)
