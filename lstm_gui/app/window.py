"""The main window: composition of the trainer, the document, the panel, the view docks and
the controllers that act on them.

It holds no state of the run: the trainer owns the run, the document knows the file, the
views draw snapshots.  The window's own state (training, replay, dirty, busy) is derived in
window_state.py.  What the user can do is in small controllers: transport.py (train, pause,
step, reset, speed), replay.py (replay and the time cursor), file_actions.py (open, save,
export), pending.py (settings that restart a run), dock_layout.py (the docks).
"""
from __future__ import annotations

from ..core.analysis.compare import difference
from ..core.training.hints import hints
from ..core.training.run import TrainingRun
from . import stored_settings
from .commands import Commands
from .dock_layout import MIN_SIZE, DockLayout
from .document import Document
from .file_actions import CLOSING, MODEL_FILTER, FileActions
from .frames import FrameScheduler, in_sight
from .gui_gc import collect_on_gui_thread
from .keys import KeyGuard
from .lesson_link import connect_lessons
from .panel import ControlPanel
from .pending import PendingSettings, one_line
from .qt import QtCore, QtWidgets
from .replay import Replay
from .status_bar import StatusBar, mse_status
from .stored_settings import SettingsReader
from .trainer import Trainer
from .transport import SPEEDS, Transport
from .views.background import LatestJobWorker
from .views.base import TimeCursor, View, ViewContext
from .views.registry import VIEWS
from .window_state import State, WindowState

# The message line by kind: errors red; news and hints in the text's colour (all red, an
# ensemble done read as a failure).
MESSAGE_STYLES = {"error": "color: #b00020;", "info": ""}
HISTORY_POINTS = 1200     # per curve: more than a plot is pixels wide, and cheap to draw

__all__ = ["MainWindow", "HISTORY_POINTS", "MIN_SIZE", "MODEL_FILTER", "SPEEDS", "one_line"]


def training_time(seconds: float) -> str:
    """h:mm:ss of training (whole seconds: tenths made the demo's screenshots differ)."""
    s = int(seconds)
    return f"{s // 3600:d}:{s // 60 % 60:02d}:{s % 60:02d}"


class MainWindow(QtWidgets.QMainWindow):
    """lstm-gui's window.  `settings` defaults to the user's QSettings; tests pass their own."""

    def __init__(self, settings: QtCore.QSettings | None = None, run: TrainingRun | None = None):
        super().__init__()
        collect_on_gui_thread()     # before the first thread starts (gui_gc says why)
        self.setObjectName("mainWindow")
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)

        problem = None
        if settings is None:
            settings, problem = stored_settings.open_user_settings()   # regular files only
        self.settings = settings
        reader = SettingsReader(settings)
        reader.problems += [problem] if problem else []
        if run is None:
            run = TrainingRun(reader.config())
        self._snapshot_opts = {"span": 0, "history_points": HISTORY_POINTS}
        self.trainer = Trainer(run, parent=self, snapshot_options=lambda: self._snapshot_opts)
        self.commands = Commands(self.trainer, self)
        self.document = Document(settings, self)
        self.commands.document = self.document
        self.commands.confirm_discard = lambda action: self._confirm_discard(action)
        self.document.saved_revision = run.revision if run.epoch else None
        self.state = WindowState(self.trainer, self.document, self)
        self.timeCursor = TimeCursor(self)
        self._ghost: tuple | None = None
        self._closing = False
        self._last_snapshot = None
        self._last_rate = 0.0

        self.panel = ControlPanel()
        self.pending = PendingSettings(self)
        self.transport = Transport(self, self.pending)
        self.ctx = ViewContext(trainer=self.commands, cursor=self.timeCursor, undo=self.commands.undo,
                               message=self.show_message, settings=settings,
                               info=lambda text: self.show_message(text, kind="info"))
        self.views: dict[str, View] = {}
        for cls in VIEWS:
            view = cls(self.ctx)
            view.setObjectName(cls.name + "Widget")
            self.views[cls.name] = view
        self.replayer = Replay(self, self.timeCursor, self.msePlot)
        self.files = FileActions(self, on_opened=self._on_opened)
        self.layout_ = DockLayout(self, self._build_side(), self.views, self._show_view)
        self.docks = self.layout_.docks
        self.sidePanel = self.layout_.sidePanel
        self.frames = FrameScheduler(self.trainer, self._show_status, self.views, self.can_be_seen,
                                     {name: view.title for name, view in self.views.items()}, self)
        self.ctx.frames = self.frames
        self.frames.failed.connect(lambda text: self.statusBar().showMessage(text, 10_000))
        self._build_status()
        from .menus import build_menus
        build_menus(self)
        self._connect()
        connect_lessons(self)
        self.keyGuard = KeyGuard(self)
        app = QtWidgets.QApplication.instance()
        if app is not None:
            app.installEventFilter(self.keyGuard)
        self.panel.set_config(run.config)
        self._restore_view_settings(reader)
        if reader.problems:
            self.show_message(reader.problems[0] + (f" (and {len(reader.problems) - 1} more)"
                                                    if len(reader.problems) > 1 else ""),
                              kind="error")
        self.refresh()
        self._update_title()

    # ------------------------------------------------------------ building

    def _connect(self) -> None:
        self.trainer.snapshot_ready.connect(self._on_snapshot)
        self.trainer.stopped.connect(self.transport.on_stopped)
        self.trainer.errored.connect(self.transport.on_error)
        self.trainer.kernel_warmed.connect(self._on_kernel_warmed)
        self.commands.changed.connect(self._on_run_changed)
        self.commands.failed.connect(self._on_command_failed)
        self.document.changed.connect(self._update_title)
        self.state.changed.connect(self._show_state)
        self.panel.message.connect(lambda text: self.show_message(text, kind="error"))   # a field refused
        self.panel.load_csv_requested.connect(self.files.load_csv_dialog)
        self.panel.unitViewSpin.valueChanged.connect(self._on_view_option)
        self.panel.spanCheck.toggled.connect(self._on_view_option)
        self.panel.smoothSpin.valueChanged.connect(self._on_view_option)

    def _build_side(self) -> QtWidgets.QWidget:
        t = self.transport
        self.replayer.add_to(t.grid, 4)
        # The names the tests, the demo and the lessons use.
        for name in ("trainButton", "stepButton", "resetButton", "reinitButton", "speedCombo",
                     "fullSpeedButton", "stepNSpin", "stepNButton"):
            setattr(self, name, getattr(t, name))
        r = self.replayer
        self.replaySlider, self.liveButton, self.replayLabel = r.slider, r.liveButton, r.label
        self.playButton, self.cursorLabel = r.playButton, r.cursorLabel
        self.applyBar, self.applyLabel = self.pending.bar, self.pending.label
        self.applyButton, self.revertButton = self.pending.applyButton, self.pending.revertButton

        self.messageLabel = QtWidgets.QLabel(objectName="messageLabel", wordWrap=True)
        self.messageLabel.hide()
        self.hintLabel = QtWidgets.QLabel(objectName="hintLabel", wordWrap=True)
        self.hintLabel.setStyleSheet("color: #0b5394;")
        self.hintLabel.setToolTip("A hint about this run: why it cannot succeed, or is stalling")
        self.hintLabel.hide()

        side = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(side)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (t.box, self.applyBar, self.messageLabel, self.hintLabel, self.panel):
            layout.addWidget(widget)
        return side

    def _build_status(self) -> None:
        self.setStatusBar(StatusBar())      # its message never runs into the labels
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
                         (self.elapsedLabel, 76)):
            w.setFixedWidth(width)
            status.addPermanentWidget(w)
        status.addPermanentWidget(self.progressBar)
        # What computes in the background (the kernel on a first launch), in words.
        self.busyLabel = QtWidgets.QLabel(objectName="busyLabel")
        self.busyLabel.setStyleSheet("color: #0b5394;")
        self.busyLabel.hide()
        status.insertPermanentWidget(0, self.busyLabel)

    # The plots of the four basic views, by the names the tests and the demo use.
    signalPlot = property(lambda self: self.views["signalView"].plot)
    gatesPlot = property(lambda self: self.views["gatesView"].plot)
    msePlot = property(lambda self: self.views["mseView"].plot)
    paramsPlot = property(lambda self: self.views["paramsView"].plot)
    paramTable = property(lambda self: self.views["paramsView"].table)

    # ------------------------------------------------------------ what the controllers do

    @property
    def is_training(self) -> bool:
        return self.trainer.is_training

    @property
    def replay_epoch(self) -> int | None:
        return self.state.replay_epoch

    def toggle_training(self) -> None:
        self.transport.toggle()

    def train(self) -> None:
        self.transport.train()

    def pause(self) -> None:
        self.transport.pause()

    def step(self, n: int = 1) -> None:
        self.transport.step(n)

    def reset(self) -> None:
        self.transport.reset()

    def reinitialise(self) -> None:
        self.transport.reinitialise()

    def replay(self, epoch: int) -> None:
        self.replayer.replay(epoch)

    def leave_replay(self) -> None:
        self.replayer.leave()

    def apply_pending(self) -> None:
        self.pending.apply()

    def revert_pending(self) -> None:
        self.pending.revert()

    def is_dirty(self) -> bool:
        return self.files.is_dirty()

    def _confirm_discard(self, action: str) -> bool:
        return self.files.confirm_discard(action)

    def open_dialog(self) -> None:
        self.files.open_dialog()

    def open_path(self, path, confirmed: bool = False) -> bool:
        return self.files.open_path(path, confirmed)

    def save(self) -> bool:
        return self.files.save()

    def save_as(self) -> bool:
        return self.files.save_as()

    def _save_to(self, path) -> bool:
        return self.files.save_to(path)

    def export_lstmlib(self) -> None:
        self.files.export_lstmlib()

    def export_pytorch(self) -> None:
        self.files.export_pytorch()

    def export_history(self) -> None:
        self.files.export_history()

    def export_window_png(self) -> None:
        self.files.export_window_png()

    def export_plot_dialog(self, plot) -> None:
        self.files.export_plot_dialog(plot)

    def load_csv_dialog(self) -> None:
        self.files.load_csv_dialog()

    def recent_files(self) -> list[str]:
        return self.document.recent_files()

    def default_layout(self) -> None:
        self.layout_.default_layout()

    def balance_docks(self) -> None:
        self.layout_.balance()

    def reset_layout(self) -> None:
        self.layout_.reset()

    def _show_dock(self, name: str):
        return self.layout_.show_dock(name)

    def show_lessons(self) -> None:
        self.layout_.show_lesson()

    # ------------------------------------------------------------ settings

    def _restore_view_settings(self, reader: SettingsReader) -> None:
        self.layout_.restore(reader)
        self.panel.spanCheck.setChecked(reader.boolean("view/span", False))
        self.panel.smoothSpin.setValue(reader.integer("view/smoothing", 25, 1, 500))

    def _store_settings(self) -> None:
        import json
        if not stored_settings.may_write(self.settings):
            return   # replaced by a FIFO or a device while the window was open: never written
        self.layout_.store(self.settings)
        self.transport.store_speed(self.settings)
        self.settings.setValue("config", json.dumps(self.trainer.read(lambda r: r.config.to_dict())))
        self.settings.setValue("view/span", self.panel.spanCheck.isChecked())
        self.settings.setValue("view/smoothing", self.panel.smoothSpin.value())
        self.settings.sync()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.layout_.first_show()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.layout_.window_resized()

    # ------------------------------------------------------------ display

    def can_be_seen(self, name: str) -> bool:
        """True if the view's dock is in sight (frames.in_sight): the others draw nothing."""
        return in_sight(self.docks[name])

    def _show_view(self, view) -> None:
        """A dock came into sight: its view draws what it missed (through the frames)."""
        frames = getattr(self, "frames", None)    # the docks are laid out before it exists
        if frames is not None and not self._closing:
            frames.catch_up(view.name)

    def refresh(self) -> None:
        """Draw the run as it is now, or the replayed epoch (whenever training is not sending
        snapshots)."""
        if self._closing:
            return
        snap = self.trainer.snapshot(**self._snapshot_opts, replay=self.state.replay_epoch)
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
        self.replayer.update_range(snap)
        text = "\n".join("Hint: " + h for h in hints(snap))
        if text != self.hintLabel.text():
            self.hintLabel.setText(text)
            self.hintLabel.setVisible(bool(text))
        self.epochLabel.setText(f"epoch {snap.epoch:,}")
        text, tip = mse_status(snap)
        self.mseLabel.setText(text)
        self.mseLabel.setToolTip(tip)
        state = self.state.update(snap)
        self.rateLabel.setText(f"{rate:,.0f} epochs/s" if rate and state.training else "paused")
        self.elapsedLabel.setText(training_time(snap.elapsed))
        budget = snap.config.epochs
        # QProgressBar is 32-bit: show per-mille of the budget, whatever its size.
        self.progressBar.setRange(0, 1000)
        self.progressBar.setValue(min(1000, int(1000 * snap.epoch / budget)) if budget else 0)
        self.progressBar.setFormat(f"{min(snap.epoch / budget, 1):.0%}" if budget else "no budget")

    def _update_title(self) -> None:
        self.setWindowTitle(self.document.title_for(self.state.update().dirty))

    def _show_state(self, state: State) -> None:
        self.setWindowTitle(self.document.title_for(state.dirty))
        self.busyLabel.setText("; ".join(state.busy))
        self.busyLabel.setVisible(bool(state.busy))
        if not state.training:
            self.rateLabel.setText("paused")

    def show_message(self, text: str, kind: str = "error") -> None:
        """A one-line message under the transport buttons and in the status bar; kind
        "error" in red, "info" (news, hints: an ensemble done, a lesson's next step) in the
        text's own colour ("" clears)."""
        self.messageLabel.setStyleSheet(MESSAGE_STYLES[kind])
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

    # ------------------------------------------------------------ the run changed

    def _forget_hover(self) -> None:
        """Another run: no readout of the old one stays over the new curves."""
        for view in self.views.values():
            for plot in view.plots():
                hide = getattr(plot, "hide_hover", None)
                if hide is not None:
                    hide()

    def _on_opened(self, run) -> None:
        self._forget_hover()
        self.pending.discard()
        self.replayer.forget()
        self.panel.set_config(run.config)
        self.state.update()

    def _on_command_failed(self, text: str) -> None:
        self.show_message(text, kind="error")
        self.refresh()      # the views show the run as it still is (an edited cell reverts)

    def _on_run_changed(self, reset: bool) -> None:
        self.show_message("")   # the change went through: an earlier error no longer applies
        self._show_ghost()   # the labels name what differs from the settings now
        self.replayer.forget()   # the run changed: replay shows the live model again
        self.state.update()
        cfg = self.trainer.read(lambda run: run.config)
        if self.pending.config is None:
            self.panel.set_config(cfg)
        if reset:
            self._forget_hover()
            self.pending.discard()
            self.panel.set_config(cfg)
        if not self.trainer.is_training:
            self.refresh()

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
        if not self._confirm_discard(CLOSING):
            event.ignore()
            return
        self._closing = True          # no snapshot reaches a view from here on
        self.trainer.shutdown()
        self.frames.stop()
        self.replayer.timer.stop()
        for view in self.views.values():
            stop = getattr(view, "shutdown", None)
            if stop is not None:
                stop()
        # The views' own workers (a landscape map, a gradient flow): answering the close's
        # question paused and redrew the window, and that frame asked for a new map after the
        # Close event had stopped them; the loop below then waited for the whole map (over
        # ten minutes at 200 000 points with every dock open).  Stopped again here, after the
        # last frame: what is queued is dropped, what runs is asked to stop.
        for worker in self.findChildren(LatestJobWorker):
            worker.stop()
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

    def warm_up_kernel(self) -> None:
        """Compile the training kernels, the unit's and the models' (first launch only), or
        load them from the cache, in the background: the window stays responsive (a View menu
        click waited ~6 s, issue 24); Train meanwhile trains a unit on the numpy path, and a
        model when they are ready.  The status bar says what happens."""
        from ..core.models import compiled

        if not compiled.available():
            return
        if not compiled.is_cached(models=True):
            self.statusBar().showMessage(compiled.COMPILING_MESSAGE)
            # Short: the status bar's message shares the line (a longer text cut it to
            # "compiling the traini" at 1400 px).
            self.state.set_busy("kernel", "compiling: a unit trains on numpy meanwhile, a model waits")
        self._warm_up = self.trainer.warm_up_kernel()

    def _on_kernel_warmed(self, result) -> None:
        self.state.set_busy("kernel", None)
        if isinstance(result, str):
            self.show_message(f"The compiled kernel is not available ({result}); training uses "
                              "numpy.", kind="error")
        elif result:
            self.statusBar().showMessage("Training kernel compiled; later launches start at once.", 5000)

    # ------------------------------------------------------------ help and compare

    def show_unit_help(self) -> None:
        from .help_text import HelpDialog
        dialog = HelpDialog(self)
        dialog.setObjectName("unitHelp")
        dialog.show()

    def pin_run(self) -> None:
        """The current run's MSE stays on the MSE plot as a ghost, labelled by what differs."""
        snap = self.trainer.snapshot(history_points=HISTORY_POINTS)
        if snap.epoch == 0:
            self.show_message("Nothing to pin yet: train a few epochs first", kind="info")
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
        # The run's settings now, not the last frame's (a lesson set up a moment ago).
        view.use_settings_of(self.trainer.read(lambda run: run.config))
        view.train_current()

    def compare_rules(self) -> None:
        view = self._show_dock("ensembleView")
        view.config = self.trainer.read(lambda run: run.config)
        view.compare_rules()

    def _show_shortcuts(self) -> None:
        from .menus import SHORTCUTS_TEXT
        QtWidgets.QMessageBox.information(self, "Keyboard shortcuts", SHORTCUTS_TEXT)

    def _show_about(self) -> None:
        from .. import __version__
        QtWidgets.QMessageBox.about(self, "About lstm-gui",
                                    f"lstm-gui {__version__}: watch a single LSTM unit learn, live.")

