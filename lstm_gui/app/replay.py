"""Replay and the time cursor: the model as it was at a stored epoch, and "Play t".

The replayed epoch is the window state's (window_state.py); this controller sets it and
shows it (the slider, the Live button, the "replay:" label).
"""
from __future__ import annotations

from .parts import WindowParts
from .qt import Qt, QtCore, QtWidgets
from .window_state import State

PLAY_INTERVAL_MS = 80     # Play t: one time step per 80 ms, 100 steps in 8 s


class Replay:
    """The replay slider, the Live button and Play t, for the transport's grid."""

    def __init__(self, window: WindowParts, cursor, mse_plot):
        self.w = window
        self.cursor = cursor
        self.mse_plot = mse_plot
        self.slider = QtWidgets.QSlider(Qt.Orientation.Horizontal, objectName="replaySlider")
        self.slider.setToolTip("Replay: drag to see the model as it was at any stored epoch "
                               "(or double-click the MSE plot); Live returns to the run")
        self.slider.setRange(0, 0)
        self.slider.valueChanged.connect(self._on_slider)
        self.liveButton = QtWidgets.QPushButton("Live", objectName="liveButton")
        self.liveButton.setToolTip("Leave replay: show the run as it is now")
        self.liveButton.clicked.connect(self.leave)
        self.liveButton.setEnabled(False)
        self.label = QtWidgets.QLabel("replay: off", objectName="replayLabel")
        self.playButton = QtWidgets.QPushButton("Play t", objectName="playButton", checkable=True)
        self.playButton.setToolTip("Move the time cursor through the sequence in slow motion")
        self.playButton.toggled.connect(self._on_play_toggled)
        self.cursorLabel = QtWidgets.QLabel("t = 0", objectName="cursorLabel")
        cursor.changed.connect(lambda t: self.cursorLabel.setText(f"t = {t}"))
        self.timer = QtCore.QTimer(cursor)
        self.timer.setInterval(PLAY_INTERVAL_MS)
        self.timer.timeout.connect(self._advance_cursor)
        self._epochs = None
        mse_plot.scene().sigMouseClicked.connect(self._on_mse_clicked)
        window.state.changed.connect(self.show_state)

    def add_to(self, grid: QtWidgets.QGridLayout, row: int) -> None:
        grid.addWidget(self.slider, row, 0)
        grid.addWidget(self.liveButton, row, 1)
        grid.addWidget(self.label, row + 1, 0, 1, 2)
        grid.addWidget(self.playButton, row + 2, 0)
        grid.addWidget(self.cursorLabel, row + 2, 1)

    def show_state(self, state: State) -> None:
        self.label.setText("replay: off" if state.live else f"replay: epoch {state.replay_epoch:,}")
        self.liveButton.setEnabled(not state.live)

    # ------------------------------------------------------------ replay

    def replay(self, epoch: int) -> None:
        """Show the model as it was after the stored epoch nearest to `epoch`."""
        w = self.w
        if w.trainer.is_training:
            w.pause()
        epochs = w.trainer.read(lambda run: run.stored_epochs())
        if not len(epochs):
            return
        self._epochs = epochs
        k = int(min(range(len(epochs)), key=lambda i: abs(int(epochs[i]) - epoch)))
        blocked = self.slider.blockSignals(True)
        self.slider.setRange(0, len(epochs) - 1)
        self.slider.setValue(k)
        self.slider.blockSignals(blocked)
        w.state.set_replay(int(epochs[k]))
        w.refresh()

    def leave(self) -> None:
        if self.w.state.replay_epoch is None:
            return
        self.w.state.set_replay(None)
        self.w.refresh()

    def forget(self) -> None:
        """The run changed: replay (if on) shows the live model again; no redraw here."""
        self.w.state.set_replay(None)

    def update_range(self, snap) -> None:
        if self.w.state.replay_epoch is None:
            blocked = self.slider.blockSignals(True)
            self.slider.setRange(0, max(0, len(snap.history.epochs) - 1))
            self.slider.setValue(self.slider.maximum())
            self.slider.blockSignals(blocked)
            self._epochs = snap.history.epochs

    def _on_slider(self, value: int) -> None:
        epochs = self._epochs
        if epochs is not None and len(epochs):
            self.replay(int(epochs[min(value, len(epochs) - 1)]))

    def _on_mse_clicked(self, event) -> None:
        vb = self.mse_plot.getPlotItem().vb
        if event.double() and vb.sceneBoundingRect().contains(event.scenePos()):
            self.replay(round(vb.mapSceneToView(event.scenePos()).x()))

    # ------------------------------------------------------------ the time cursor

    def _on_play_toggled(self, on: bool) -> None:
        if on:
            self.timer.start()
        else:
            self.timer.stop()

    def _advance_cursor(self) -> None:
        c = self.cursor
        c.set(0 if c.t >= c.length - 1 else c.t + 1)
