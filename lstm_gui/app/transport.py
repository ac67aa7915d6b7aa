"""The transport: Train/Pause, Step, Step N, Reset, New seed and the training speed.

Its buttons show the window's state (window_state.py) and never set their own text: the
Train button reads "Pause" exactly when the trainer's flag is set.
"""
from __future__ import annotations

import secrets
from typing import cast

import numpy as np

from ..core.training.run import DIVERGED, STOP_REASONS
from .parts import WindowParts
from .qt import QtWidgets
from .trainer import STEPS_DONE
from .window_state import State

# Step N up to this many epochs runs at once on the GUI thread (a few ms at n = 100); more
# runs on the training thread.
SYNC_STEPS = 1000

SPEEDS = (("full speed", None), ("1000 epochs/s", 1000.0), ("250 epochs/s (watch)", 250.0),
          ("100 epochs/s", 100.0), ("10 epochs/s", 10.0), ("1 epoch/s (slow motion)", 1.0))
# The default pace: at full speed the default run (5 000 epochs) was over in 0.18 s and
# nothing could be seen.  At 250 epochs/s the MSE falls from 0.12 to 0.002 over the first
# ~4 s while the output bends onto the target, and the budget's curve grows for 20 s.
DEFAULT_RATE = 250.0
SPEED_KEY = "training/speed"      # QSettings: the rate chosen, "full" for full speed


class Transport:
    """Builds the "Training" group's buttons (``box``) and carries out what they ask."""

    def __init__(self, window: WindowParts, pending):
        self.w = window
        self.pending = pending      # pending.PendingSettings: Reset applies what the panel shows
        self.box = QtWidgets.QGroupBox("Training")
        grid = QtWidgets.QGridLayout(self.box)
        self.trainButton = QtWidgets.QPushButton("Train", objectName="trainButton")
        self.trainButton.setToolTip("Train or pause (Space)")
        self.stepButton = QtWidgets.QPushButton("Step", objectName="stepButton")
        self.stepButton.setToolTip("Train one epoch (Right arrow)")
        self.resetButton = QtWidgets.QPushButton("Reset", objectName="resetButton")
        self.resetButton.setToolTip("Back to the same initial parameters (Backspace; undo with Ctrl+Z)")
        self.reinitButton = QtWidgets.QPushButton("New seed", objectName="reinitButton")
        self.reinitButton.setToolTip("Re-initialise from a new random seed (Ctrl+R; undo with Ctrl+Z)")
        grid.addWidget(self.trainButton, 0, 0)
        grid.addWidget(self.stepButton, 0, 1)
        grid.addWidget(self.resetButton, 1, 0)
        grid.addWidget(self.reinitButton, 1, 1)
        self.speedCombo = QtWidgets.QComboBox(objectName="speedCombo")
        for label, rate in SPEEDS:
            self.speedCombo.addItem(label, rate)
        self.speedCombo.setToolTip("Training speed: paced to watch the unit learn, or full speed")
        self.fullSpeedButton = QtWidgets.QPushButton("Full speed", objectName="fullSpeedButton",
                                                     checkable=True)
        self.fullSpeedButton.setToolTip("Train as fast as the machine goes (click again for "
                                        "the pace chosen beside it)")
        self._paced = DEFAULT_RATE
        self._restore_speed()
        self.speedCombo.currentIndexChanged.connect(self._on_speed)
        self.fullSpeedButton.clicked.connect(self._on_full_speed)
        self.stepNSpin = QtWidgets.QSpinBox(objectName="stepNSpin")
        self.stepNSpin.setRange(1, 1_000_000)
        self.stepNSpin.setValue(100)
        self.stepNSpin.setToolTip("How many epochs Step N trains")
        self.stepNButton = QtWidgets.QPushButton("Step N", objectName="stepNButton")
        self.stepNButton.setToolTip("Train the number of epochs beside it, then show the result")
        grid.addWidget(self.speedCombo, 2, 0)
        grid.addWidget(self.fullSpeedButton, 2, 1)
        grid.addWidget(self.stepNSpin, 3, 0)
        grid.addWidget(self.stepNButton, 3, 1)
        self.grid = grid
        self.trainButton.clicked.connect(self.toggle)
        self.stepButton.clicked.connect(lambda: self.step(1))
        self.stepNButton.clicked.connect(lambda: self.step(self.stepNSpin.value()))
        self.resetButton.clicked.connect(self.reset)
        self.reinitButton.clicked.connect(self.reinitialise)
        window.state.changed.connect(self.show_state)

    def show_state(self, state: State) -> None:
        self.trainButton.setText(state.train_label)

    # ------------------------------------------------------------ speed

    def _restore_speed(self) -> None:
        value = self.w.settings.value(SPEED_KEY, DEFAULT_RATE)
        rate = None if value == "full" else value
        try:
            rate = None if rate is None else float(rate)
        except (TypeError, ValueError):
            rate = DEFAULT_RATE
        index = self.speedCombo.findData(rate) if rate is not None else 0
        self.speedCombo.setCurrentIndex(index if index >= 0 else self.speedCombo.findData(DEFAULT_RATE))
        self._on_speed()

    def _on_speed(self) -> None:
        rate = self.speedCombo.currentData()
        self.w.trainer.max_rate = rate
        if rate is not None:
            self._paced = rate
        self.fullSpeedButton.setChecked(rate is None)

    def store_speed(self, settings) -> None:
        """Remembered at close, with the window's other settings."""
        rate = self.speedCombo.currentData()
        settings.setValue(SPEED_KEY, "full" if rate is None else rate)

    def _on_full_speed(self, on: bool) -> None:
        self.speedCombo.setCurrentIndex(0 if on else self.speedCombo.findData(self._paced))

    # ------------------------------------------------------------ commands

    def toggle(self) -> None:
        if self.w.trainer.is_training:
            self.w.pause()
        else:
            self.w.train()

    def train(self) -> None:
        w = self.w
        w.leave_replay()
        reason = w.trainer.read(lambda run: run.should_stop())
        if reason and reason != DIVERGED:
            # Not an error: the run did what it was set to (the next step is the learner's).
            w.show_message(f"Not training: {STOP_REASONS[reason]}. Raise the budget or reset.",
                           kind="info")
        else:
            w.show_message("")
            w.trainer.train()
        w.state.update()

    def pause(self) -> None:
        self.w.trainer.pause()
        self.w.state.update()
        self.w.refresh()

    def step(self, n: int = 1) -> None:
        w = self.w
        w.leave_replay()
        if n > SYNC_STEPS or w.trainer.waits_for_kernels():
            # On the training thread, cancellable by Pause (Space) and stopped at close (and a
            # model's steps wait there for its kernels on a first launch, not on this thread).
            w.trainer.train_for(n)
            w.state.update()
            w.statusBar().showMessage(f"Step N: training {n:,} epochs (Space pauses)", 5000)
            return
        reason = w.trainer.step(n)
        w.state.update()
        if reason == DIVERGED:
            self.on_stopped(DIVERGED)
        w.refresh()

    def reset(self) -> None:
        if self.pending.config is not None:
            self.pending.apply()   # the panel shows the pending settings: reset to those
            return
        self.w.commands.reset()
        self.w.show_message("")

    def reinitialise(self) -> None:
        if self.pending.config is not None:
            self.pending.apply()
        self.w.commands.reseed(secrets.randbelow(2**63))
        self.w.show_message("")

    # ------------------------------------------------------------ the thread's news

    def on_stopped(self, reason: str) -> None:
        w = self.w
        w.state.update()
        epoch = w.trainer.read(lambda run: run.epoch)
        if reason == DIVERGED:
            w.show_message(f"Training diverged after epoch {epoch:,}: the loss became "
                           f"non-finite; kept the last finite parameters. Try a lower learning rate.",
                           kind="error")
        elif reason == STEPS_DONE:
            w.statusBar().showMessage(f"Step N done: epoch {epoch:,}.", 10_000)
        else:
            # What finished and its result (a run of many sequences ended saying neither).
            # The stop's own snapshot (emitted before this signal) holds them; computed here
            # only if it is not that one (a test MSE of 10^6 points is seconds of passes).
            snap = getattr(w, "_last_snapshot", None)
            if snap is not None and snap.epoch == epoch and snap.replay is None:
                mse, test = snap.mse, snap.test_mse
            else:
                mse, test = w.trainer.read(lambda run: (run.mse, run.test_mse()))
            result = (f"; MSE {mse:.3g}" if np.isfinite(mse) else "") + \
                (f", test MSE {test:.3g}" if np.isfinite(test) else "")   # never "nan"
            w.statusBar().showMessage(f"Stopped at epoch {epoch:,}: {STOP_REASONS[reason]}{result}.",
                                      10_000)
        w.refresh()

    def on_error(self, text: str) -> None:
        w = self.w
        w.state.update()
        w.show_message(text, kind="error")
        QtWidgets.QMessageBox.warning(cast(QtWidgets.QWidget, w), "Training stopped",
                                      text + "\n\nThe model keeps its last state.")
        w.refresh()
