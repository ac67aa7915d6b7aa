"""The main window: controls on the left, four live plots and the parameter table."""
from __future__ import annotations

import json
import secrets
import time
from pathlib import Path

from ..core import PARAM_NAMES, modelfile
from ..core.modelfile import ModelFileError
from ..core.run import DIVERGED, STOP_REASONS, RunConfig, TrainingRun
from ..core.tasks import TaskFileError, load_csv
from .panel import ControlPanel
from .plots import GatesPlot, MsePlot, ParamsPlot, SignalPlot, export_plot, param_icon
from .qt import QtCore, QtGui, QtWidgets, Qt
from .worker import TrainingThread

MODEL_FILTER = "Models (*.json *.lstmlib *.txt);;lstm-gui JSON (*.json);;lstmlib (*.lstmlib *.txt);;All files (*)"
MAX_RECENT = 8
HISTORY_POINTS = 1200     # per curve: more than a plot is pixels wide, and cheap to draw


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or exc.__class__.__name__


class MainWindow(QtWidgets.QMainWindow):
    """lstm-gui's window.  `settings` defaults to the user's QSettings; tests pass their own."""

    def __init__(self, settings: QtCore.QSettings | None = None, run: TrainingRun | None = None):
        super().__init__()
        self.setWindowTitle("lstm-gui")
        self.setObjectName("mainWindow")
        self.setAcceptDrops(True)
        if settings is None:
            settings = QtCore.QSettings(QtCore.QSettings.defaultFormat(),
                                        QtCore.QSettings.Scope.UserScope, "lstm-gui", "lstm-gui")
        self.settings = settings
        self.current_path: Path | None = None
        self._pending_config: RunConfig | None = None
        if run is None:
            run = TrainingRun(self._stored_config())
        self._saved_marker = (id(run), run.epoch)
        self._snapshot_opts = {"span": 0, "history_points": HISTORY_POINTS}
        self.thread = TrainingThread(run, parent=self, snapshot_options=self._snapshot_options)
        self.thread.snapshot_ready.connect(self._on_snapshot)
        self.thread.run_stopped.connect(self._on_run_stopped)
        self._last_snapshot = None
        self._last_rate = 0.0

        self._build_panel()
        self._build_plots()
        self._plots = (self.signalPlot, self.msePlot, self.paramsPlot, self.gatesPlot)
        self._frame_parts: list = []
        self._frame_start: float | None = None
        self._build_status()
        self._build_menus()
        self.panel.set_config(run.config)
        self._restore_view_settings()
        self.refresh()

    # ------------------------------------------------------------ building

    def _build_panel(self) -> None:
        self.panel = ControlPanel()
        self.panel.config_edited.connect(self._on_config_edited)
        self.panel.lr_invalid.connect(self.show_message)
        self.panel.load_csv_requested.connect(self.load_csv_dialog)
        self.panel.unitViewSpin.valueChanged.connect(self._on_view_changed)
        self.panel.spanCheck.toggled.connect(self._on_view_changed)
        self.panel.smoothSpin.valueChanged.connect(self._on_view_changed)

        transport = QtWidgets.QGroupBox("Training")
        grid = QtWidgets.QGridLayout(transport)
        self.trainButton = QtWidgets.QPushButton("Train", objectName="trainButton")
        self.trainButton.setToolTip("Train or pause (Space)")
        self.stepButton = QtWidgets.QPushButton("Step", objectName="stepButton")
        self.stepButton.setToolTip("One epoch (Right arrow)")
        self.resetButton = QtWidgets.QPushButton("Reset", objectName="resetButton")
        self.resetButton.setToolTip("Back to the same initial parameters (Backspace)")
        self.reinitButton = QtWidgets.QPushButton("New seed", objectName="reinitButton")
        self.reinitButton.setToolTip("Re-initialise from a new random seed (Ctrl+R)")
        grid.addWidget(self.trainButton, 0, 0)
        grid.addWidget(self.stepButton, 0, 1)
        grid.addWidget(self.resetButton, 1, 0)
        grid.addWidget(self.reinitButton, 1, 1)
        self.trainButton.clicked.connect(self.toggle_training)
        self.stepButton.clicked.connect(self.step)
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

        side = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(side)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(transport)
        layout.addWidget(self.applyBar)
        layout.addWidget(self.messageLabel)
        layout.addWidget(self.panel)
        scroll = QtWidgets.QScrollArea(objectName="sidePanel")
        scroll.setWidget(side)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(side.sizeHint().width() + scroll.verticalScrollBar().sizeHint().width() + 4)
        self.sidePanel = scroll

    def _build_plots(self) -> None:
        self.signalPlot = SignalPlot()
        self.msePlot = MsePlot()
        self.paramsPlot = ParamsPlot()
        self.gatesPlot = GatesPlot()
        self.paramTable = QtWidgets.QTableWidget(len(PARAM_NAMES), 1, objectName="paramTable")
        self.paramTable.setHorizontalHeaderLabels(["value"])
        for k, name in enumerate(PARAM_NAMES):
            self.paramTable.setVerticalHeaderItem(k, QtWidgets.QTableWidgetItem(param_icon(k), name))
        self.paramTable.setToolTip("Current parameter values; the swatch is the curve's pen, "
                                   "the check box shows or hides the curve")
        self.paramTable.itemChanged.connect(self._on_param_item_changed)
        self.paramTable.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.paramTable.verticalHeader().setDefaultSectionSize(17)
        self.paramTable.horizontalHeader().setDefaultSectionSize(78)
        self.paramTable.horizontalHeader().setStretchLastSection(True)
        self.paramTable.setMinimumWidth(170)
        self.paramTable.setMaximumWidth(200)
        font = self.paramTable.font()
        font.setPointSizeF(font.pointSizeF() * 0.9)
        self.paramTable.setFont(font)

        plots = QtWidgets.QWidget()
        grid = QtWidgets.QGridLayout(plots)
        grid.setContentsMargins(2, 2, 2, 2)
        grid.setSpacing(4)
        grid.addWidget(self.signalPlot, 0, 0)
        grid.addWidget(self.gatesPlot, 0, 1)
        grid.addWidget(self.msePlot, 1, 0)
        grid.addWidget(self.paramsPlot, 1, 1)
        grid.addWidget(self.paramTable, 0, 2, 2, 1)
        for col in range(2):
            grid.setColumnStretch(col, 1)

        splitter = QtWidgets.QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.sidePanel)
        splitter.addWidget(plots)
        splitter.setStretchFactor(1, 1)
        splitter.setCollapsible(0, False)
        self.setCentralWidget(splitter)

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
        for w, width in ((self.epochLabel, 120), (self.mseLabel, 120), (self.rateLabel, 130),
                         (self.elapsedLabel, 70)):
            w.setFixedWidth(width)
            status.addPermanentWidget(w)
        status.addPermanentWidget(self.progressBar)

    def _action(self, menu, text, slot, shortcut=None, name=None):
        action = QtGui.QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QtGui.QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        if name:
            action.setObjectName(name)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        K = QtGui.QKeySequence.StandardKey
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
        for label, plot in (("Signal", self.signalPlot), ("MSE", self.msePlot),
                            ("Parameters", self.paramsPlot), ("Gates", self.gatesPlot)):
            self._action(plots, f"{label}…", lambda _=False, p=plot: self.export_plot_dialog(p))
        file.addSeparator()
        self._action(file, "&Quit", self.close, K.Quit, "quitAction")

        train = bar.addMenu("&Train")
        self.trainAction = self._action(train, "Train / Pause", self.toggle_training, "Space", "trainAction")
        self.stepAction = self._action(train, "Step one epoch", self.step, "Right", "stepAction")
        self.resetAction = self._action(train, "Reset", self.reset, "Backspace", "resetAction")
        self._action(train, "Re-initialise from a new seed", self.reinitialise, "Ctrl+R", "reinitAction")

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "Keyboard shortcuts", self._show_shortcuts)
        self._action(help_menu, "About lstm-gui", self._show_about)
        self._rebuild_recent_menu()

    # ------------------------------------------------------------ settings

    def _stored_config(self) -> RunConfig:
        text = self.settings.value("config")
        if text:
            try:
                return RunConfig.from_dict(json.loads(text))
            except (ValueError, TypeError, KeyError):
                pass  # a config from another version: start from the defaults
        return RunConfig()

    def _restore_view_settings(self) -> None:
        geometry = self.settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 900)
        self.panel.spanCheck.setChecked(self.settings.value("view/span", False, type=bool))
        self.panel.smoothSpin.setValue(int(self.settings.value("view/smoothing", 25)))

    def _store_settings(self) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        with self.thread.locked() as run:
            self.settings.setValue("config", json.dumps(run.config.to_dict()))
        self.settings.setValue("view/span", self.panel.spanCheck.isChecked())
        self.settings.setValue("view/smoothing", self.panel.smoothSpin.value())
        self.settings.sync()

    def recent_files(self) -> list[str]:
        value = self.settings.value("recent") or []
        return [value] if isinstance(value, str) else list(value)

    def _remember(self, path: Path) -> None:
        files = [str(path)] + [f for f in self.recent_files() if f != str(path)]
        self.settings.setValue("recent", files[:MAX_RECENT])
        self._rebuild_recent_menu()

    def _rebuild_recent_menu(self) -> None:
        self.recentMenu.clear()
        files = self.recent_files()
        for f in files:
            self._action(self.recentMenu, f, lambda _=False, p=f: self.open_path(p))
        self.recentMenu.setEnabled(bool(files))

    # ------------------------------------------------------------ display

    def _snapshot_options(self) -> dict:
        # Called from the training thread too: it reads this plain dict, never a widget.
        return self._snapshot_opts

    def refresh(self) -> None:
        """Draw the run as it is now (used whenever training is not sending snapshots)."""
        with self.thread.locked() as run:
            snap = run.snapshot(**self._snapshot_options())
        self.show_snapshot(snap, self.thread.rate if self.thread.is_training else 0.0)

    def _on_snapshot(self, snap, rate: float) -> None:
        # Training waits (without the GIL) from here until the window has drawn the
        # snapshot: with the worker running, every binding call of a paint would wait for
        # the GIL.  The drawing goes one plot at a time, each part in its own pass of the
        # event loop (a 1 ms timer fires after the paint the part caused), so timers and
        # input are served between the parts instead of after the whole frame.
        self.thread.hold()
        self._frame_start = time.perf_counter()
        self._last_snapshot, self._last_rate = snap, rate
        self._frame_parts = [self._show_status] + [
            (lambda plot=plot: self._show_plot(plot)) for plot in self._plots]
        self._next_frame_part()

    def _next_frame_part(self) -> None:
        if self._frame_parts:
            self._frame_parts.pop(0)()
            QtCore.QTimer.singleShot(1, self._next_frame_part)
        elif self._frame_start is not None:
            self.thread.release()
            self.thread.snapshot_taken(time.perf_counter() - self._frame_start)
            self._frame_start = None

    def show_snapshot(self, snap, rate: float = 0.0) -> None:
        """Draw a snapshot in one go (when not training, and for the demo)."""
        self._last_snapshot, self._last_rate = snap, rate
        self._show_status()
        for plot in self._plots:
            self._show_plot(plot)

    def _show_plot(self, plot) -> None:
        unit = self.panel.unitViewSpin.value() - 1
        self.paramsPlot.unit = self.gatesPlot.unit = unit
        self.msePlot.smoothing = self.panel.smoothSpin.value()
        plot.show_snapshot(self._last_snapshot)
        # Auto-range now, not in the paint: otherwise each plot is painted twice.
        plot.getPlotItem().vb.prepareForPaint()

    def _show_status(self) -> None:
        snap, rate = self._last_snapshot, self._last_rate
        self._show_table(snap.params)
        self.epochLabel.setText(f"epoch {snap.epoch:,}")
        self.mseLabel.setText("MSE –" if snap.epoch == 0 else f"MSE {snap.mse:.4g}")
        self.rateLabel.setText(f"{rate:,.0f} epochs/s" if rate else "paused")
        seconds = int(self.thread.elapsed)
        self.elapsedLabel.setText(f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}")
        with self.thread.locked() as run:
            budget = run.config.epochs
        self.progressBar.setRange(0, budget or 1)
        self.progressBar.setValue(min(snap.epoch, budget) if budget else 0)
        self.progressBar.setFormat("%p%" if budget else "no budget")
        self._update_title()

    def _show_table(self, params) -> None:
        units = params.shape[0]
        if self.paramTable.columnCount() != units:
            self.paramTable.setColumnCount(units)
            self.paramTable.setHorizontalHeaderLabels(["value"] if units == 1 else
                                                      [f"unit {u + 1}" for u in range(units)])
        for u in range(units):
            for k in range(len(PARAM_NAMES)):
                item = self.paramTable.item(k, u)
                if item is None:
                    item = QtWidgets.QTableWidgetItem()
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    if u == 0:
                        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                        item.setCheckState(Qt.CheckState.Checked if self.paramsPlot.curves[k].isVisible()
                                           else Qt.CheckState.Unchecked)
                    self.paramTable.setItem(k, u, item)
                item.setText(f"{params[u, k]: .5f}")

    def _on_param_item_changed(self, item) -> None:
        if item.column() == 0 and item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
            self.paramsPlot.curves[item.row()].setVisible(item.checkState() == Qt.CheckState.Checked)

    def _update_title(self) -> None:
        name = self.current_path.name if self.current_path else "untitled"
        self.setWindowTitle(f"{name}{' *' if self.is_dirty() else ''} – lstm-gui")

    def show_message(self, text: str) -> None:
        """A one-line message under the transport buttons and in the status bar."""
        self.messageLabel.setText(text)
        self.messageLabel.setVisible(bool(text))
        if text:
            self.statusBar().showMessage(text, 10_000)

    def _on_view_changed(self, *_) -> None:
        span = 3 if self.panel.spanCheck.isChecked() else 0
        self._snapshot_opts = {"span": span, "history_points": HISTORY_POINTS}
        if self.thread.is_training and self._last_snapshot is not None:
            return  # the next snapshot shows it
        self.refresh()

    # ------------------------------------------------------------ training

    def toggle_training(self) -> None:
        if self.thread.is_training:
            self.pause()
        else:
            self.train()

    def train(self) -> None:
        with self.thread.locked() as run:
            reason = run.should_stop()
        if reason and reason != DIVERGED:
            self.show_message(f"Not training: {STOP_REASONS[reason]}. Raise the budget or reset.")
            return
        self.show_message("")
        self.thread.start_training()
        self.trainButton.setText("Pause")

    def pause(self) -> None:
        self.thread.pause()
        self.trainButton.setText("Train")
        self.refresh()

    def _on_run_stopped(self, reason: str) -> None:
        self.trainButton.setText("Train")
        with self.thread.locked() as run:
            epoch = run.epoch
        if reason == DIVERGED:
            self.show_message(f"Training diverged after epoch {epoch}: the loss became "
                              f"non-finite; kept the last finite parameters. Try a lower learning rate.")
        else:
            self.statusBar().showMessage(f"Stopped at epoch {epoch}: {STOP_REASONS[reason]}.", 10_000)
        self.refresh()

    def step(self) -> None:
        if self.thread.is_training:
            self.pause()
        with self.thread.locked() as run:
            ok = run.step()
        if not ok:
            self._on_run_stopped(DIVERGED)
        self.refresh()

    def reset(self) -> None:
        self._discard_pending()
        with self.thread.locked() as run:
            run.reset()
        self.thread.elapsed = 0.0
        self.show_message("")
        self.refresh()

    def reinitialise(self) -> None:
        self._discard_pending()
        seed = secrets.randbelow(2_000_000_000)
        with self.thread.locked() as run:
            run.reset(reseed=seed)
            cfg = run.config
        self.thread.elapsed = 0.0
        self.panel.set_config(cfg)
        self.show_message("")
        self.refresh()

    # ------------------------------------------------------------ settings from the panel

    def _on_config_edited(self) -> None:
        try:
            cfg = self.panel.config()
        except ValueError as exc:
            self.show_message(_one_line(exc))
            return
        with self.thread.locked() as run:
            needs_reset = cfg.needs_reset(run.config)
            epoch = run.epoch
            if not needs_reset or epoch == 0:
                run.configure(cfg)
        if needs_reset and epoch > 0:
            self._pending_config = cfg
            self.applyLabel.setText(f"These settings restart training: epoch {epoch:,} and its "
                                    "history will be lost.")
            self.applyBar.show()
            return
        self._discard_pending()
        self.show_message("")
        if needs_reset or not self.thread.is_training:
            self.refresh()

    def apply_pending(self) -> None:
        cfg = self._pending_config
        self._discard_pending()
        if cfg is None:
            return
        with self.thread.locked() as run:
            run.configure(cfg)
        self.thread.elapsed = 0.0
        self.refresh()

    def revert_pending(self) -> None:
        self._discard_pending()
        with self.thread.locked() as run:
            cfg = run.config
        self.panel.set_config(cfg)

    def _discard_pending(self) -> None:
        self._pending_config = None
        self.applyBar.hide()

    # ------------------------------------------------------------ files

    def is_dirty(self) -> bool:
        with self.thread.locked() as run:
            return run.epoch > 0 and (id(run), run.epoch) != self._saved_marker

    def _confirm_discard(self, action: str) -> bool:
        """True if there is nothing unsaved, or the user saved or chose to discard it."""
        if not self.is_dirty():
            return True
        was_training = self.thread.is_training
        if was_training:
            self.pause()
        answer = QtWidgets.QMessageBox.question(
            self, "Unsaved training", f"Save the trained model before {action}?",
            QtWidgets.QMessageBox.StandardButton.Save | QtWidgets.QMessageBox.StandardButton.Discard
            | QtWidgets.QMessageBox.StandardButton.Cancel, QtWidgets.QMessageBox.StandardButton.Save)
        if answer == QtWidgets.QMessageBox.StandardButton.Save:
            return self.save()
        if answer == QtWidgets.QMessageBox.StandardButton.Discard:
            return True
        if was_training:
            self.train()
        return False

    def open_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open model", self._dialog_dir(), MODEL_FILTER)
        if path:
            self.open_path(path)

    def open_path(self, path, confirmed: bool = False) -> bool:
        """Load a model; on failure say why in a dialog and keep the current one.

        The file is read first, so a broken file never asks about unsaved training.
        """
        path = Path(path)
        try:
            run, fmt = modelfile.load_with_format(path)
        except ModelFileError as exc:
            QtWidgets.QMessageBox.warning(self, "Cannot open model", str(exc))
            self.show_message(str(exc))
            return False
        if not confirmed and not self._confirm_discard("opening another model"):
            return False
        self.pause()
        self._discard_pending()
        self.thread.replace_run(run)
        self.panel.set_config(run.config)
        # An lstmlib file is an import: Save asks where to write the native model.
        self.current_path = path if fmt == modelfile.FORMAT else None
        self._saved_marker = (id(run), run.epoch)
        self._remember(path)
        self.show_message("")
        self.statusBar().showMessage(f"Opened {path.name}", 5000)
        self.refresh()
        return True

    def save(self) -> bool:
        if self.current_path is None:
            return self.save_as()
        return self._save_to(self.current_path)

    def save_as(self) -> bool:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Save model", str(Path(self._dialog_dir()) / "model.json"), "lstm-gui JSON (*.json)")
        if not path:
            return False
        path = Path(path)
        if path.suffix.lower() != ".json":
            path = path.with_suffix(path.suffix + ".json") if path.suffix else path.with_suffix(".json")
        if self._save_to(path):
            self.current_path = path
            self._update_title()
            return True
        return False

    def _save_to(self, path: Path) -> bool:
        with self.thread.locked() as run:
            text = modelfile.to_json_text(run)
            marker = (id(run), run.epoch)
        if not self._write(path, text):
            return False
        self._saved_marker = marker
        self._remember(path)
        self.statusBar().showMessage(f"Saved {path.name}", 5000)
        self._update_title()
        return True

    def _write(self, path: Path, text: str) -> bool:
        try:
            modelfile.write_atomic(path, text)
        except OSError as exc:
            message = f"{Path(path).name}: cannot save ({exc.strerror or exc})"
            QtWidgets.QMessageBox.warning(self, "Cannot save", message)
            self.show_message(message)
            return False
        return True

    def export_lstmlib(self) -> None:
        with self.thread.locked() as run:
            try:
                text = modelfile.to_lstmlib_text(run.params, run.config.task.length)
            except ValueError as exc:
                self.show_message(_one_line(exc))
                return
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Export lstmlib", str(Path(self._dialog_dir()) / "model.lstmlib"), "lstmlib (*.lstmlib)")
        if path and self._write(Path(path), text):
            self.statusBar().showMessage(f"Exported {Path(path).name}", 5000)

    def export_history(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Export history", str(Path(self._dialog_dir()) / "history.csv"), "CSV (*.csv)")
        if not path:
            return
        with self.thread.locked() as run:
            text = run.history.to_csv()
        if self._write(Path(path), text):
            self.statusBar().showMessage(f"Exported {Path(path).name}", 5000)

    def export_window_png(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Save screenshot", str(Path(self._dialog_dir()) / "lstm-gui.png"), "PNG (*.png)")
        if path and not self.grab().save(path, "PNG"):
            self.show_message(f"{Path(path).name}: cannot save the screenshot")

    def export_plot_dialog(self, plot) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Export plot", str(Path(self._dialog_dir()) / f"{plot.objectName()}.png"),
            "PNG (*.png);;SVG (*.svg)")
        if not path:
            return
        try:
            export_plot(plot, path)
        except (OSError, RuntimeError) as exc:
            self.show_message(f"{Path(path).name}: cannot export ({_one_line(exc)})")

    def load_csv_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Load task CSV", self._dialog_dir(),
                                                        "CSV (*.csv);;All files (*)")
        if not path:
            return
        try:
            task = load_csv(path)
        except TaskFileError as exc:
            QtWidgets.QMessageBox.warning(self, "Cannot load task", str(exc))
            self.show_message(str(exc))
            return
        self.panel.set_csv_task(task)

    def _dialog_dir(self) -> str:
        if self.current_path is not None:
            return str(self.current_path.parent)
        recent = self.recent_files()
        return str(Path(recent[0]).parent) if recent else str(Path.home())

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
        self.thread.shutdown()
        self._store_settings()
        event.accept()

    # ------------------------------------------------------------ help

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
Ctrl+O / Ctrl+S / Ctrl+Shift+S: open / save / save as
Ctrl+E: export the history as CSV
Ctrl+Shift+P: screenshot of the window
Ctrl+Q: quit
Click a legend entry to hide or show its curve; drag to pan, wheel to zoom,
right-click a plot for its menu (auto-range, log axes, export)."""
