"""The main window: composition of the trainer, the document, the panel and the view docks.

It holds no state of the run: the trainer owns the run, the document knows the file, the
views draw snapshots.  The window turns user actions into commands and snapshots into frames.
"""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from ..core.analysis.compare import difference
from ..core.files import modelfile
from ..core.files.modelfile import ModelFileError
from ..core.training.hints import hints
from ..core.training.run import DIVERGED, STOP_REASONS, RunConfig, TrainingRun
from ..core.training.tasks import TaskFileError, load_csv
from .commands import Commands
from .document import Document
from .frames import FrameScheduler
from .keys import KeyGuard
from .panel import ControlPanel
from .plots import export_plot
from .qt import Qt, QtCore, QtGui, QtWidgets
from .stored_settings import SettingsReader
from .trainer import Trainer
from .views.base import TimeCursor, View, ViewContext
from .views.registry import VIEWS

MODEL_FILTER = "Models (*.json *.lstmlib *.txt);;lstm-gui JSON (*.json);;lstmlib (*.lstmlib *.txt);;All files (*)"
HISTORY_POINTS = 1200     # per curve: more than a plot is pixels wide, and cheap to draw
SPEEDS = (("full speed", None), ("1000 epochs/s", 1000.0), ("100 epochs/s", 100.0),
          ("10 epochs/s", 10.0), ("1 epoch/s (slow motion)", 1.0))
PLAY_INTERVAL_MS = 80     # Play t: one time step per 80 ms, 100 steps in 8 s
MIN_SIZE = (930, 600)
SIDE_MIN_WIDTH = 316
MAX_DOCK_MIN = (420, 340)  # a view needing more than this scrolls inside its dock
CELL_MIN_WIDTH = 330      # below this the cell diagram's numbers are too small to read
LAYOUT_VERSION = 2        # bump when the default dock layout changes: old saved states are ignored


def one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or exc.__class__.__name__


class MainWindow(QtWidgets.QMainWindow):
    """lstm-gui's window.  `settings` defaults to the user's QSettings; tests pass their own."""

    def __init__(self, settings: QtCore.QSettings | None = None, run: TrainingRun | None = None):
        super().__init__()
        self.setObjectName("mainWindow")
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)

        if settings is None:
            settings = QtCore.QSettings(QtCore.QSettings.defaultFormat(),
                                        QtCore.QSettings.Scope.UserScope, "lstm-gui", "lstm-gui")
        self.settings = settings
        reader = SettingsReader(settings)
        if run is None:
            run = TrainingRun(reader.config())
        self._snapshot_opts = {"span": 0, "history_points": HISTORY_POINTS}
        self.trainer = Trainer(run, parent=self, snapshot_options=lambda: self._snapshot_opts)
        self.trainer.snapshot_ready.connect(self._on_snapshot)
        self.trainer.stopped.connect(self._on_stopped)
        self.trainer.errored.connect(self._on_thread_error)
        self.commands = Commands(self.trainer, self)
        self.commands.changed.connect(self._on_run_changed)
        self.commands.failed.connect(self._on_command_failed)
        self.document = Document(settings, self)
        self.document.changed.connect(self._update_title)
        self.document.saved_revision = run.revision if run.epoch else None
        self.timeCursor = TimeCursor(self)
        self.timeCursor.changed.connect(lambda t: self.cursorLabel.setText(f"t = {t}"))
        self.replay_epoch: int | None = None
        self._ghost: tuple | None = None
        self._closing = False
        self._layout_restored = False
        self._pending: RunConfig | None = None
        self._last_snapshot = None
        self._last_rate = 0.0

        self._build_side()
        self.ctx = ViewContext(trainer=self.commands, cursor=self.timeCursor, undo=self.commands.undo,
                               message=self.show_message, settings=settings)
        self.views: dict[str, View] = {}
        self.docks: dict[str, QtWidgets.QDockWidget] = {}
        self._build_docks()
        self.frames = FrameScheduler(self.trainer, self._frame_parts, self)
        self.frames.failed.connect(lambda text: self.statusBar().showMessage(text, 10_000))
        self._build_status()
        self._build_menus()
        self.msePlot.scene().sigMouseClicked.connect(self._on_mse_clicked)
        self.keyGuard = KeyGuard(self)
        app = QtWidgets.QApplication.instance()
        if app is not None:
            app.installEventFilter(self.keyGuard)
        self.panel.set_config(run.config)
        self._restore_view_settings(reader)
        if reader.problems:
            self.show_message(reader.problems[0] + (f" (and {len(reader.problems) - 1} more)"
                                                    if len(reader.problems) > 1 else ""))
        self.refresh()

    # ------------------------------------------------------------ building

    def _build_side(self) -> None:
        self.panel = ControlPanel()
        self.panel.field_edited.connect(self._on_field_edited)
        self.panel.message.connect(self.show_message)
        self.panel.load_csv_requested.connect(self.load_csv_dialog)
        self.panel.unitViewSpin.valueChanged.connect(self._on_view_option)
        self.panel.spanCheck.toggled.connect(self._on_view_option)
        self.panel.smoothSpin.valueChanged.connect(self._on_view_option)

        transport = QtWidgets.QGroupBox("Training")
        grid = QtWidgets.QGridLayout(transport)
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
        self.speedCombo.setToolTip("Training speed: full, or slowed down to watch each epoch")
        self.speedCombo.currentIndexChanged.connect(
            lambda: setattr(self.trainer, "max_rate", self.speedCombo.currentData()))
        self.stepNSpin = QtWidgets.QSpinBox(objectName="stepNSpin")
        self.stepNSpin.setRange(1, 1_000_000)
        self.stepNSpin.setValue(100)
        self.stepNSpin.setToolTip("How many epochs Step N trains")
        self.stepNButton = QtWidgets.QPushButton("Step N", objectName="stepNButton")
        self.stepNButton.setToolTip("Train the number of epochs beside it, then show the result")
        self.stepNButton.clicked.connect(lambda: self.step(self.stepNSpin.value()))
        grid.addWidget(QtWidgets.QLabel("Speed"), 2, 0)
        grid.addWidget(self.speedCombo, 2, 1)
        grid.addWidget(self.stepNSpin, 3, 0)
        grid.addWidget(self.stepNButton, 3, 1)
        self.replaySlider = QtWidgets.QSlider(Qt.Orientation.Horizontal, objectName="replaySlider")
        self.replaySlider.setToolTip("Replay: drag to see the model as it was at any stored epoch "
                                     "(or click the MSE plot); Live returns to the run")
        self.replaySlider.setRange(0, 0)
        self.replaySlider.valueChanged.connect(self._on_replay_slider)
        self.liveButton = QtWidgets.QPushButton("Live", objectName="liveButton")
        self.liveButton.setToolTip("Leave replay: show the run as it is now")
        self.liveButton.clicked.connect(self.leave_replay)
        self.liveButton.setEnabled(False)
        self.replayLabel = QtWidgets.QLabel("replay: off", objectName="replayLabel")
        grid.addWidget(self.replaySlider, 4, 0)
        grid.addWidget(self.liveButton, 4, 1)
        grid.addWidget(self.replayLabel, 5, 0, 1, 2)
        self.playButton = QtWidgets.QPushButton("Play t", objectName="playButton", checkable=True)
        self.playButton.setToolTip("Move the time cursor through the sequence in slow motion")
        self.playButton.toggled.connect(self._on_play_toggled)
        self.cursorLabel = QtWidgets.QLabel("t = 0", objectName="cursorLabel")
        grid.addWidget(self.playButton, 6, 0)
        grid.addWidget(self.cursorLabel, 6, 1)
        self._play_timer = QtCore.QTimer(self)
        self._play_timer.setInterval(PLAY_INTERVAL_MS)
        self._play_timer.timeout.connect(self._advance_cursor)
        self._replay_epochs = None
        self.trainButton.clicked.connect(self.toggle_training)
        self.stepButton.clicked.connect(lambda: self.step(1))
        self.resetButton.clicked.connect(self.reset)
        self.reinitButton.clicked.connect(self.reinitialise)

        self.applyBar = QtWidgets.QFrame(objectName="applyBar")
        self.applyBar.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        bar = QtWidgets.QGridLayout(self.applyBar)
        self.applyLabel = QtWidgets.QLabel(wordWrap=True)
        self.applyButton = QtWidgets.QPushButton("Apply and reset", objectName="applyButton")
        self.revertButton = QtWidgets.QPushButton("Keep training", objectName="revertButton")
        bar.addWidget(self.applyLabel, 0, 0, 1, 2)
        bar.addWidget(self.applyButton, 1, 0)
        bar.addWidget(self.revertButton, 1, 1)
        self.applyButton.clicked.connect(self.apply_pending)
        self.revertButton.clicked.connect(self.revert_pending)
        self.applyBar.hide()

        self.messageLabel = QtWidgets.QLabel(objectName="messageLabel", wordWrap=True)
        self.messageLabel.setStyleSheet("color: #b00020;")
        self.messageLabel.hide()
        self.hintLabel = QtWidgets.QLabel(objectName="hintLabel", wordWrap=True)
        self.hintLabel.setStyleSheet("color: #0b5394;")
        self.hintLabel.setToolTip("A hint about this run: why it cannot succeed, or is stalling")
        self.hintLabel.hide()

        side = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(side)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(transport)
        layout.addWidget(self.applyBar)
        layout.addWidget(self.messageLabel)
        layout.addWidget(self.hintLabel)
        layout.addWidget(self.panel)
        scroll = QtWidgets.QScrollArea(objectName="sidePanel")
        scroll.setWidget(side)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(max(SIDE_MIN_WIDTH, side.minimumSizeHint().width()
                                   + scroll.verticalScrollBar().sizeHint().width() + 4))
        # The window's minimum is the docks' (QMainWindow's layout sets it; a fixed one would
        # let Qt draw docks over each other when many are open): these two keep it at least
        # MIN_SIZE, below which the plots stop being readable.
        scroll.setMinimumHeight(MIN_SIZE[1] - 62)
        self.sidePanel = scroll

    def _build_docks(self) -> None:
        controls = QtWidgets.QDockWidget("Controls", self, objectName="controlsDock")
        controls.setWidget(self.sidePanel)
        controls.setFeatures(QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable
                             | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.docks["controlsDock"] = controls
        for cls in VIEWS:
            view = cls(self.ctx)
            view.setObjectName(cls.name + "Widget")
            dock = QtWidgets.QDockWidget(cls.title, self, objectName=cls.name)
            hint = view.minimumSizeHint()
            if hint.width() > MAX_DOCK_MIN[0] or hint.height() > MAX_DOCK_MIN[1]:
                # A dock wider than its place is drawn over its neighbours (the ensemble's
                # controls need 871 px, the lesson's 505): such a view scrolls in its dock.
                scroll = QtWidgets.QScrollArea()
                scroll.setWidget(view)
                scroll.setWidgetResizable(True)
                scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
                dock.setWidget(scroll)
            else:
                dock.setWidget(view)
            dock.visibilityChanged.connect(lambda shown, v=view: self._show_view(v) if shown else None)
            self.views[cls.name] = view
            self.docks[cls.name] = dock
        self.default_layout()
        self._default_state = self.saveState(LAYOUT_VERSION)

    def default_layout(self) -> None:
        """Controls on the left; Signal and Gates above MSE and Parameters; the cell view
        beside them; every other view tabbed with the MSE, hidden until asked for."""
        for dock in self.docks.values():
            dock.setFloating(False)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.docks["controlsDock"])
        d = self.docks
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, d["signalView"])
        self.splitDockWidget(d["signalView"], d["mseView"], Qt.Orientation.Vertical)
        self.splitDockWidget(d["signalView"], d["gatesView"], Qt.Orientation.Horizontal)
        self.splitDockWidget(d["mseView"], d["paramsView"], Qt.Orientation.Horizontal)
        placed = {"signalView", "gatesView", "mseView", "paramsView"}
        if "cellView" in d:
            self.splitDockWidget(d["gatesView"], d["cellView"], Qt.Orientation.Horizontal)
            placed.add("cellView")
        if "lessonView" in d:   # the lesson's text between the controls and the plots
            self.splitDockWidget(d["controlsDock"], d["lessonView"], Qt.Orientation.Horizontal)
        for name, view in self.views.items():
            if name not in placed | {"lessonView"}:
                self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, d[name])
                self.tabifyDockWidget(d["mseView"], d[name])
            d[name].setVisible(view.shown_by_default)
        for dock in d.values():
            dock.show() if dock.objectName() in placed | {"controlsDock"} else None
        d["mseView"].raise_()

    def balance_docks(self) -> None:
        """The default sizes: the controls as narrow as they allow, Signal, Gates and the cell
        across the top, MSE and Parameters side by side below."""
        d = self.docks
        rest = max(600, self.width() - self.sidePanel.minimumWidth())
        if rest < 3 * CELL_MIN_WIDTH and "cellView" in d and not d["cellView"].isFloating():
            # Too narrow for three across: the cell shares the Gates place, as a tab in front.
            self.tabifyDockWidget(d["gatesView"], d["cellView"])
            d["cellView"].raise_()
        self.resizeDocks([d["controlsDock"]], [self.sidePanel.minimumWidth()], Qt.Orientation.Horizontal)
        top = [d[n] for n in ("signalView", "gatesView", "cellView") if n in d and d[n].isVisible()]
        # The cell diagram reads well from ~440 px; the two plots share the rest.
        weights = [4 if dock.objectName() == "cellView" else 3 for dock in top]
        self.resizeDocks(top, [rest * w // sum(weights) for w in weights], Qt.Orientation.Horizontal)
        self.resizeDocks([d["mseView"], d["paramsView"]], [rest * 4 // 9, rest * 5 // 9],
                         Qt.Orientation.Horizontal)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._layout_restored:
            self._layout_restored = True
            self.balance_docks()

    def reset_layout(self) -> None:
        self.restoreState(self._default_state, LAYOUT_VERSION)
        for name, view in self.views.items():
            self.docks[name].setVisible(view.shown_by_default)
        self.balance_docks()

    def _build_status(self) -> None:
        status = self.statusBar()
        self.epochLabel = QtWidgets.QLabel(objectName="epochLabel")
        self.mseLabel = QtWidgets.QLabel(objectName="mseLabel")
        self.rateLabel = QtWidgets.QLabel(objectName="rateLabel")
        self.elapsedLabel = QtWidgets.QLabel(objectName="elapsedLabel")
        self.progressBar = QtWidgets.QProgressBar(objectName="progressBar")
        self.progressBar.setMaximumWidth(160)
        self.progressBar.setTextVisible(True)
        # Fixed widths: a label that resizes with its text relayouts (and repaints) the window.
        for w, width in ((self.epochLabel, 150), (self.mseLabel, 120), (self.rateLabel, 130),
                         (self.elapsedLabel, 70)):
            w.setFixedWidth(width)
            status.addPermanentWidget(w)
        status.addPermanentWidget(self.progressBar)

    def _action(self, menu, text, slot, shortcut=None, name=None, tip=None):
        action = QtGui.QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QtGui.QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        if name:
            action.setObjectName(name)
        if tip:
            action.setToolTip(tip)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        K = QtGui.QKeySequence.StandardKey
        file = bar.addMenu("&File")
        self.openAction = self._action(file, "&Open…", self.open_dialog, K.Open, "openAction")
        self.recentMenu = file.addMenu("Open &Recent")
        self.recentMenu.setObjectName("recentMenu")
        file.addSeparator()
        self.saveAction = self._action(file, "&Save", self.save, K.Save, "saveAction")
        self.saveAsAction = self._action(file, "Save &As…", self.save_as, K.SaveAs, "saveAsAction")
        file.addSeparator()
        self._action(file, "Export lstm&lib…", self.export_lstmlib, None, "exportLstmlibAction")
        self._action(file, "Export &history CSV…", self.export_history, "Ctrl+E", "exportHistoryAction")
        self._action(file, "Export &window screenshot…", self.export_window_png, "Ctrl+Shift+P",
                     "exportWindowAction")
        plots = file.addMenu("Export &plot")
        for name, view in self.views.items():
            for plot in view.plots():
                self._action(plots, f"{self.docks[name].windowTitle()}…",
                             lambda _=False, p=plot: self.export_plot_dialog(p))
        file.addSeparator()
        self._action(file, "&Quit", self.close, K.Quit, "quitAction")

        edit = bar.addMenu("&Edit")
        self.undoAction = self.commands.undo.createUndoAction(self, "&Undo")
        self.undoAction.setShortcut(QtGui.QKeySequence(K.Undo))
        self.undoAction.setObjectName("undoAction")
        self.redoAction = self.commands.undo.createRedoAction(self, "&Redo")
        self.redoAction.setShortcut(QtGui.QKeySequence(K.Redo))
        self.redoAction.setObjectName("redoAction")
        edit.addAction(self.undoAction)
        edit.addAction(self.redoAction)

        train = bar.addMenu("&Train")
        self.trainAction = self._action(train, "Train / Pause", self.toggle_training, "Space", "trainAction")
        self.stepAction = self._action(train, "Step one epoch", lambda: self.step(1), "Right", "stepAction")
        self.resetAction = self._action(train, "Reset", self.reset, "Backspace", "resetAction")
        self._action(train, "Re-initialise from a new seed", self.reinitialise, "Ctrl+R", "reinitAction")

        view_menu = bar.addMenu("&View")
        self.viewMenu = view_menu
        for name, dock in self.docks.items():
            action = dock.toggleViewAction()
            action.setObjectName(f"{name}Action")
            view_menu.addAction(action)
        view_menu.addSeparator()
        self._action(view_menu, "Reset &layout", self.reset_layout, None, "resetLayoutAction")

        compare = bar.addMenu("&Compare")
        self._action(compare, "Ensemble of seeds of these settings", self.show_ensemble,
                     None, "ensembleAction", "Train many seeds of the current settings at once")
        self._action(compare, "Pin this run as a ghost", self.pin_run, "Ctrl+G", "pinAction",
                     "Keep this run's MSE curve on the MSE plot, to compare the next settings with")
        self._action(compare, "Remove the ghost", self.unpin_run, None, "unpinAction")
        self._action(compare, "lstmlib rule vs exact gradient", self.compare_rules, None,
                     "compareRulesAction",
                     "The C library's training rule against the exact gradient, same seeds")

        self.helpMenu = bar.addMenu("&Help")
        self._action(self.helpMenu, "&Lessons", self.show_lessons, None, "lessonsAction")
        self._action(self.helpMenu, "The LSTM unit", self.show_unit_help, "F1", "unitHelpAction")
        self._action(self.helpMenu, "Keyboard shortcuts", self._show_shortcuts)
        self._action(self.helpMenu, "About lstm-gui", self._show_about)
        self._rebuild_recent_menu()

    # The plots of the four basic views, by the names the tests and the demo use.
    signalPlot = property(lambda self: self.views["signalView"].plot)
    gatesPlot = property(lambda self: self.views["gatesView"].plot)
    msePlot = property(lambda self: self.views["mseView"].plot)
    paramsPlot = property(lambda self: self.views["paramsView"].plot)
    paramTable = property(lambda self: self.views["paramsView"].table)

    # ------------------------------------------------------------ settings

    def _restore_view_settings(self, reader: SettingsReader) -> None:
        geometry = reader.byte_array("geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1400, 900)
        state = reader.byte_array("windowState")
        self._layout_restored = state is not None and self.restoreState(state, LAYOUT_VERSION)
        if state is not None and not self._layout_restored:
            reader.problems.append("the saved dock layout is from another version; using the default")
        self.panel.spanCheck.setChecked(reader.boolean("view/span", False))
        self.panel.smoothSpin.setValue(reader.integer("view/smoothing", 25, 1, 500))

    def _store_settings(self) -> None:
        import json
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("windowState", self.saveState(LAYOUT_VERSION))
        self.settings.setValue("config", json.dumps(self.trainer.read(lambda r: r.config.to_dict())))
        self.settings.setValue("view/span", self.panel.spanCheck.isChecked())
        self.settings.setValue("view/smoothing", self.panel.smoothSpin.value())
        self.settings.sync()

    def recent_files(self) -> list[str]:
        return self.document.recent_files()

    def _rebuild_recent_menu(self) -> None:
        self.recentMenu.clear()
        files = self.document.recent_files()
        for f in files:
            self._action(self.recentMenu, f, lambda _=False, p=f: self.open_path(p))
        self.recentMenu.setEnabled(bool(files))

    # ------------------------------------------------------------ display

    def _frame_parts(self, snap):
        parts = [("status", self._show_status)]
        for name, view in self.views.items():
            if self.docks[name].isVisible() and not self.docks[name].visibleRegion().isEmpty():
                parts.append((self.docks[name].windowTitle(), lambda v=view: v.show_snapshot(snap)))
        return parts

    def _show_view(self, view) -> None:
        if self._last_snapshot is not None and not self._closing:
            try:
                view.show_snapshot(self._last_snapshot)
            except Exception as exc:   # noqa: BLE001 - reported like any frame part
                self.statusBar().showMessage(f"Could not draw {view.title}: {one_line(exc)}", 10_000)

    def refresh(self) -> None:
        """Draw the run as it is now, or the replayed epoch (whenever training is not sending
        snapshots)."""
        if self._closing:
            return
        snap = self.trainer.read(lambda run: run.snapshot(**self._snapshot_opts, replay=self.replay_epoch))
        self.frames.cancel()
        self.trainer.is_fresh(snap)
        self._last_snapshot, self._last_rate = snap, (self.trainer.rate if self.trainer.is_training else 0.0)
        self.timeCursor.set_length(len(snap.x))
        self.frames.draw_now(snap)

    def _on_snapshot(self, snap, rate: float) -> None:
        if self._closing:
            return
        if not self.trainer.is_fresh(snap):
            self.trainer.snapshot_taken(0.0)   # stale: older than what is shown; dropped
            return
        self._last_snapshot, self._last_rate = snap, rate
        self.timeCursor.set_length(len(snap.x))
        self.frames.draw_async(snap)

    def show_snapshot(self, snap, rate: float = 0.0) -> None:
        """Draw a snapshot in one go (the demo and tests)."""
        self._last_snapshot, self._last_rate = snap, rate
        self.frames.draw_now(snap)

    def _show_status(self) -> None:
        snap, rate = self._last_snapshot, self._last_rate
        assert snap is not None
        self._update_replay_range(snap)
        text = "\n".join("Hint: " + h for h in hints(snap))
        if text != self.hintLabel.text():
            self.hintLabel.setText(text)
            self.hintLabel.setVisible(bool(text))
        self.epochLabel.setText(f"epoch {snap.epoch:,}")
        self.mseLabel.setText("MSE –" if snap.epoch == 0 else f"MSE {snap.mse:.4g}")
        self.rateLabel.setText(f"{rate:,.0f} epochs/s" if rate and self.trainer.is_training else "paused")
        seconds = int(snap.elapsed)
        self.elapsedLabel.setText(f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}")
        budget = snap.config.epochs
        # QProgressBar is 32-bit: show per-mille of the budget, whatever its size.
        self.progressBar.setRange(0, 1000)
        self.progressBar.setValue(min(1000, int(1000 * snap.epoch / budget)) if budget else 0)
        self.progressBar.setFormat(f"{min(snap.epoch / budget, 1):.0%}" if budget else "no budget")
        self._update_title()

    def _update_title(self) -> None:
        self.setWindowTitle(self.trainer.read(self.document.title))

    def show_message(self, text: str) -> None:
        """A one-line message under the transport buttons and in the status bar."""
        self.messageLabel.setText(text)
        self.messageLabel.setVisible(bool(text))
        if text:
            self.statusBar().showMessage(text, 10_000)

    def _on_view_option(self, *_) -> None:
        span = 3 if self.panel.spanCheck.isChecked() else 0
        self._snapshot_opts = {"span": span, "history_points": HISTORY_POINTS}
        unit = self.panel.unitViewSpin.value() - 1
        for view in self.views.values():
            if hasattr(view, "show_unit"):
                view.show_unit(unit)
            elif hasattr(view, "unit"):
                view.unit = unit
        self.msePlot.smoothing = self.panel.smoothSpin.value()
        if not self.trainer.is_training:
            self.refresh()

    # ------------------------------------------------------------ replay and the time cursor

    def replay(self, epoch: int) -> None:
        """Show the model as it was after the stored epoch nearest to `epoch`."""
        if self.trainer.is_training:
            self.pause()
        epochs = self.trainer.read(lambda run: run.stored_epochs())
        if not len(epochs):
            return
        self._replay_epochs = epochs
        k = int(min(range(len(epochs)), key=lambda i: abs(int(epochs[i]) - epoch)))
        blocked = self.replaySlider.blockSignals(True)
        self.replaySlider.setRange(0, len(epochs) - 1)
        self.replaySlider.setValue(k)
        self.replaySlider.blockSignals(blocked)
        self.replay_epoch = int(epochs[k])
        self.replayLabel.setText(f"replay: epoch {self.replay_epoch:,}")
        self.liveButton.setEnabled(True)
        self.refresh()

    def leave_replay(self) -> None:
        if self.replay_epoch is None:
            return
        self.replay_epoch = None
        self.replayLabel.setText("replay: off")
        self.liveButton.setEnabled(False)
        self.refresh()

    def _update_replay_range(self, snap) -> None:
        if self.replay_epoch is None:
            blocked = self.replaySlider.blockSignals(True)
            self.replaySlider.setRange(0, max(0, len(snap.history.epochs) - 1))
            self.replaySlider.setValue(self.replaySlider.maximum())
            self.replaySlider.blockSignals(blocked)
            self._replay_epochs = snap.history.epochs

    def _on_replay_slider(self, value: int) -> None:
        epochs = self._replay_epochs
        if epochs is not None and len(epochs):
            self.replay(int(epochs[min(value, len(epochs) - 1)]))

    def _on_mse_clicked(self, event) -> None:
        vb = self.msePlot.getPlotItem().vb
        if event.double() and vb.sceneBoundingRect().contains(event.scenePos()):
            self.replay(round(vb.mapSceneToView(event.scenePos()).x()))

    def _on_play_toggled(self, on: bool) -> None:
        if on:
            self._play_timer.start()
        else:
            self._play_timer.stop()

    def _advance_cursor(self) -> None:
        c = self.timeCursor
        c.set(0 if c.t >= c.length - 1 else c.t + 1)

    # ------------------------------------------------------------ training

    @property
    def is_training(self) -> bool:
        return self.trainer.is_training

    def toggle_training(self) -> None:
        if self.trainer.is_training:
            self.pause()
        else:
            self.train()

    def train(self) -> None:
        self.leave_replay()
        reason = self.trainer.read(lambda run: run.should_stop())
        if reason and reason != DIVERGED:
            self.show_message(f"Not training: {STOP_REASONS[reason]}. Raise the budget or reset.")
            return
        self.show_message("")
        self.trainer.train()
        self.trainButton.setText("Pause")

    def pause(self) -> None:
        self.trainer.pause()
        self.trainButton.setText("Train")
        self.refresh()

    def _on_stopped(self, reason: str) -> None:
        self.trainButton.setText("Train")
        epoch = self.trainer.read(lambda run: run.epoch)
        if reason == DIVERGED:
            self.show_message(f"Training diverged after epoch {epoch:,}: the loss became "
                              f"non-finite; kept the last finite parameters. Try a lower learning rate.")
        else:
            self.statusBar().showMessage(f"Stopped at epoch {epoch:,}: {STOP_REASONS[reason]}.", 10_000)
        self.refresh()

    def _on_thread_error(self, text: str) -> None:
        self.trainButton.setText("Train")
        self.show_message(text)
        QtWidgets.QMessageBox.warning(self, "Training stopped", text + "\n\nThe model keeps its last state.")
        self.refresh()

    def step(self, n: int = 1) -> None:
        self.leave_replay()
        self.trainButton.setText("Train")
        reason = self.trainer.step(n)
        if reason == DIVERGED:
            self._on_stopped(DIVERGED)
        self.refresh()

    def reset(self) -> None:
        if self._pending is not None:
            self.apply_pending()   # the panel shows the pending settings: reset to those
            return
        self.trainButton.setText("Train")
        self.commands.reset()
        self.show_message("")

    def reinitialise(self) -> None:
        if self._pending is not None:
            self.apply_pending()
        self.trainButton.setText("Train")
        self.commands.reseed(secrets.randbelow(2**63))
        self.show_message("")

    def _on_command_failed(self, text: str) -> None:
        self.show_message(text)
        self.refresh()      # the views show the run as it still is (an edited cell reverts)

    def _on_run_changed(self, reset: bool) -> None:
        self.show_message("")   # the change went through: an earlier error no longer applies
        self._show_ghost()   # the labels name what differs from the settings now
        if self.replay_epoch is not None:
            self.replay_epoch = None   # the run changed: replay shows the live model again
            self.replayLabel.setText("replay: off")
            self.liveButton.setEnabled(False)
        self.trainButton.setText("Pause" if self.trainer.is_training else "Train")
        cfg = self.trainer.read(lambda run: run.config)
        if self._pending is None:
            self.panel.set_config(cfg)
        if reset:
            self._discard_pending()
            self.panel.set_config(cfg)
        if not self.trainer.is_training:
            self.refresh()

    # ------------------------------------------------------------ settings from the panel

    def _on_field_edited(self, name: str, value) -> None:
        base = self._pending or self.trainer.read(lambda run: run.config)
        try:
            cfg = base.with_field(name, value)
        except (ValueError, TypeError) as exc:
            self.show_message(one_line(exc))
            self.panel.set_config(base)
            return
        self.show_message("")
        current, epoch = self.trainer.read(lambda run: (run.config, run.epoch))
        if cfg.needs_reset(current) and epoch > 0:
            self._pending = cfg
            self.panel.set_config(cfg)
            self.applyLabel.setText(f"These settings restart training: epoch {epoch:,} and its "
                                    "history will be lost (Ctrl+Z brings them back).")
            self.applyBar.show()
            return
        self._discard_pending()
        self.commands.configure(cfg)

    def apply_pending(self) -> None:
        cfg = self._pending
        self._discard_pending()
        if cfg is not None:
            self.commands.configure(cfg)

    def revert_pending(self) -> None:
        self._discard_pending()
        self.panel.set_config(self.trainer.read(lambda run: run.config))

    def _discard_pending(self) -> None:
        self._pending = None
        self.applyBar.hide()

    # ------------------------------------------------------------ files

    def is_dirty(self) -> bool:
        return self.trainer.read(self.document.is_dirty)

    def _confirm_discard(self, action: str) -> bool:
        """True if there is nothing unsaved, or the user saved or chose to discard it."""
        if not self.is_dirty():
            return True
        was_training = self.trainer.is_training
        if was_training:
            self.pause()
        B = QtWidgets.QMessageBox.StandardButton
        answer = QtWidgets.QMessageBox.question(
            self, "Unsaved training", f"Save the trained model before {action}?",
            B.Save | B.Discard | B.Cancel, B.Save)
        if answer == B.Save:
            return self.save()
        if answer == B.Discard:
            return True
        if was_training:
            self.train()
        return False

    def open_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open model", self.document.dialog_dir(),
                                                        MODEL_FILTER)
        if path:
            self.open_path(path)

    def open_path(self, path, confirmed: bool = False) -> bool:
        """Load a model: either all of it is shown, or nothing changes and one dialog says why.

        The file is read first, so a broken file never asks about unsaved training.
        """
        path = Path(path)
        try:
            run, fmt = self.document.read(path)
        except ModelFileError as exc:
            QtWidgets.QMessageBox.warning(self, "Cannot open model", str(exc))
            self.show_message(str(exc))
            return False
        if not confirmed and not self._confirm_discard("opening another model"):
            return False
        self.trainButton.setText("Train")
        self._discard_pending()
        self.trainer.replace_run(run)
        self.commands.undo.clear()
        run.touch()
        self.document.opened(run, path, fmt)
        self._rebuild_recent_menu()
        self.panel.set_config(run.config)
        self.show_message("")
        self.statusBar().showMessage(f"Opened {path.name}", 5000)
        self.refresh()
        return True

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self) -> bool:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Save model", str(Path(self.document.dialog_dir()) / "model.json"), "lstm-gui JSON (*.json)")
        if not path:
            return False
        target = Path(path)
        if target.suffix.lower() != ".json":
            target = target.with_name(target.name + ".json")
        return self._save_to(target)

    def _save_to(self, path: Path) -> bool:
        self.trainer.pause()
        run = self.trainer.copy_run()
        try:
            text = modelfile.to_json_text(run)
        except (ValueError, TypeError) as exc:
            self._failed("Cannot save", f"{path.name}: cannot save ({one_line(exc)})")
            return False
        if not self._write(path, text):
            return False
        self.trainer.read(lambda current: self.document.mark_saved(current, path))
        self.document.remember(path)
        self._rebuild_recent_menu()
        self.statusBar().showMessage(f"Saved {path.name}", 5000)
        return True

    def _failed(self, title: str, message: str) -> None:
        QtWidgets.QMessageBox.warning(self, title, message)
        self.show_message(message)

    def _write(self, path: Path, text: str) -> bool:
        try:
            self.document.write(path, text)
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or one_line(exc)
            self._failed("Cannot save", f"{path}: cannot save ({reason})")
            return False
        self.show_message("")
        return True

    def export_lstmlib(self) -> None:
        delay = self.trainer.read(lambda run: run.config.delay)
        if delay == 0:
            # The C library reads its files with its own timing (input delayed one step): this
            # model would behave differently there, as `lstm-gui convert` says too.
            B = QtWidgets.QMessageBox.StandardButton
            answer = QtWidgets.QMessageBox.question(
                self, "Export lstmlib", "This model was trained with exact timing; the C library "
                "runs a saved model with its own timing (the input delayed one step), so it will "
                "not behave the same there. Export anyway?", B.Yes | B.Cancel, B.Cancel)
            if answer != B.Yes:
                return
        try:
            text = self.trainer.read(lambda run: modelfile.to_lstmlib_text(run.params, run.config.task.length))
        except ValueError as exc:
            self.show_message(one_line(exc))
            return
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Export lstmlib", str(Path(self.document.dialog_dir()) / "model.lstmlib"), "lstmlib (*.lstmlib)")
        if path and self._write(Path(path), text):
            self.statusBar().showMessage(f"Exported {Path(path).name}", 5000)

    def export_history(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Export history", str(Path(self.document.dialog_dir()) / "history.csv"), "CSV (*.csv)")
        if not path:
            return
        text = self.trainer.read(lambda run: run.history.to_csv())
        if self._write(Path(path), text):
            self.statusBar().showMessage(f"Exported {Path(path).name}", 5000)

    def export_window_png(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Save screenshot", str(Path(self.document.dialog_dir()) / "lstm-gui.png"), "PNG (*.png)")
        if path and not self.grab().save(path, "PNG"):
            self.show_message(f"{Path(path).name}: cannot save the screenshot")

    def export_plot_dialog(self, plot) -> None:
        path, chosen = QtWidgets.QFileDialog.getSaveFileName(
            self, "Export plot", str(Path(self.document.dialog_dir()) / f"{plot.objectName()}.png"),
            "PNG (*.png);;SVG (*.svg)")
        if not path:
            return
        if Path(path).suffix.lower() not in (".png", ".svg"):
            path += ".svg" if "SVG" in chosen else ".png"
        try:
            export_plot(plot, path)
        except (OSError, RuntimeError, ValueError) as exc:
            self.show_message(f"{Path(path).name}: cannot export ({one_line(exc)})")
            return
        self.statusBar().showMessage(f"Exported {Path(path).name}", 5000)

    def load_csv_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Load task CSV", self.document.dialog_dir(),
                                                        "CSV (*.csv);;All files (*)")
        if not path:
            return
        try:
            task = load_csv(path)
        except TaskFileError as exc:
            self._failed("Cannot load task", str(exc))
            return
        self.panel.set_csv_task(task)

    # ------------------------------------------------------------ drag and drop, close

    def dragEnterEvent(self, event) -> None:
        urls = event.mimeData().urls()
        if len(urls) == 1 and urls[0].isLocalFile():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()
            self.open_path(urls[0].toLocalFile())

    def closeEvent(self, event) -> None:
        if not self._confirm_discard("closing"):
            event.ignore()
            return
        self._closing = True          # no snapshot reaches a view from here on
        self.trainer.shutdown()
        self.frames.cancel()
        self._play_timer.stop()
        for view in self.views.values():
            stop = getattr(view, "shutdown", None)
            if stop is not None:
                stop()
        # Every thread a view started (a landscape map, an ensemble), however it was started:
        # one still running when the window is destroyed aborts the process (exit 134).
        for thread in self.findChildren(QtCore.QThread):
            thread.requestInterruption()
            thread.quit()
            thread.wait()
        app = QtWidgets.QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.keyGuard)
        self._store_settings()
        event.accept()

    def warm_up_kernel(self) -> bool:
        """Compile the training kernel (first launch only) or load it from the cache, saying
        so in the status bar rather than pausing silently.  True if it compiled."""
        from ..core.training import compiled_run

        def progress(text: str) -> None:
            self.statusBar().showMessage(text)
            QtWidgets.QApplication.processEvents()

        try:
            done = compiled_run.warm_up(progress)
        except Exception as exc:   # noqa: BLE001 - the numpy kernel still trains
            self.show_message(f"The compiled kernel is not available ({one_line(exc)}); "
                              "training uses numpy.")
            return False
        if done:
            self.statusBar().showMessage("Training kernel compiled; later launches start at once.", 5000)
        return done

    # ------------------------------------------------------------ help

    def show_unit_help(self) -> None:
        from .help_text import HelpDialog
        dialog = HelpDialog(self)
        dialog.setObjectName("unitHelp")
        dialog.show()

    def _show_dock(self, name: str) -> Any:
        dock = self.docks[name]
        dock.show()
        dock.raise_()
        return self.views[name]

    def pin_run(self) -> None:
        """The current run's MSE stays on the MSE plot as a ghost, labelled by what differs."""
        snap = self.trainer.read(lambda run: run.snapshot(history_points=HISTORY_POINTS))
        if snap.epoch == 0:
            self.show_message("Nothing to pin yet: train a few epochs first")
            return
        self._ghost = (snap.history.epochs, snap.history.mse, snap.config)
        self._show_ghost()
        self.statusBar().showMessage("Pinned: change a setting and train to compare", 8000)

    def unpin_run(self) -> None:
        self._ghost = None
        self.msePlot.set_ghost([], [], None)

    def _show_ghost(self) -> None:
        if self._ghost is None:
            return
        epochs, mse, config = self._ghost
        current = self.trainer.read(lambda run: run.config)
        pinned_label, current_label = difference(config, current)
        self.msePlot.set_ghost(epochs, mse, pinned_label, current_label)

    def show_ensemble(self) -> None:
        view = self._show_dock("ensembleView")
        view.show_snapshot(self._last_snapshot)
        view.train_current()

    def compare_rules(self) -> None:
        view = self._show_dock("ensembleView")
        view.show_snapshot(self._last_snapshot)
        view.compare_rules()

    def show_lessons(self) -> None:
        self._show_dock("lessonView")
        # A screen's worth of text, not half the window: the plots it talks about stay wide.
        self.resizeDocks([self.docks["lessonView"]], [440], Qt.Orientation.Horizontal)

    def _show_shortcuts(self) -> None:
        QtWidgets.QMessageBox.information(self, "Keyboard shortcuts", SHORTCUTS_TEXT)

    def _show_about(self) -> None:
        from .. import __version__
        QtWidgets.QMessageBox.about(self, "About lstm-gui",
                                    f"lstm-gui {__version__}: watch a single LSTM unit learn, live.")


SHORTCUTS_TEXT = """Space: train / pause
Right arrow: one epoch
Backspace: reset to the initial parameters
Ctrl+R: re-initialise from a new seed
Ctrl+Z / Ctrl+Shift+Z: undo / redo (reset, new seed, settings, parameter edits)
Ctrl+O / Ctrl+S / Ctrl+Shift+S: open / save / save as
Ctrl+E: export the history as CSV
Ctrl+Shift+P: screenshot of the window
Ctrl+Q: quit
The bare keys (Space, arrows, Backspace) go to the focused control first: Space ticks a
focused check box, arrows move a focused slider or the time cursor of a focused plot.
Click a legend entry to hide or show its curve; drag to pan, wheel to zoom,
right-click a plot for its menu (auto-range, log axes, export)."""
