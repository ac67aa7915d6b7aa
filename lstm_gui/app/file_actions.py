"""File actions: open, save, export, load a task CSV, and the question about unsaved work.

Either all of a file is shown, or nothing changes and one dialog says why; a write that
fails leaves the old file and says so.
"""
from __future__ import annotations

from pathlib import Path
from typing import cast

from ..core.files import modelfile, pytorch
from ..core.files.modelfile import ModelFileError
from ..core.training.tasks import TaskFileError, load_csv
from .parts import WindowParts
from .pending import one_line
from .plots import export_plot
from .qt import QtWidgets

CLOSING = "closing"    # confirm_discard's action when the window closes
MODEL_FILTER = ("Models (*.json *.lstmlib *.txt *.safetensors);;lstm-gui JSON (*.json);;"
                "lstmlib (*.lstmlib *.txt);;PyTorch weights (*.safetensors);;All files (*)")


class FileActions:
    """What the File menu does.  ``recent_menu`` is filled from the document's list."""

    def __init__(self, window: WindowParts, on_opened):
        self.w = window
        self.parent = cast(QtWidgets.QWidget, window)   # for dialogs
        self.on_opened = on_opened     # the window forgets what belonged to the old run
        self.recent_menu: QtWidgets.QMenu | None = None

    # ------------------------------------------------------------ unsaved work

    def is_dirty(self) -> bool:
        return bool(self.w.trainer.read(self.w.document.is_dirty))

    def confirm_discard(self, action: str) -> bool:
        """True if there is nothing unsaved, or the user saved or chose to discard it."""
        w = self.w
        if not self.is_dirty():
            return True
        was_training = w.trainer.is_training
        if was_training and action == CLOSING:
            # No redraw first: the window shows a frame at most one snapshot old, and a
            # snapshot of a 1 000 000-point run took 9-20 s on this thread (close waited).
            w.trainer.pause()
            w.state.update()
        elif was_training:
            w.pause()
        B = QtWidgets.QMessageBox.StandardButton
        answer = QtWidgets.QMessageBox.question(
            self.parent, "Unsaved training", f"Save the trained model before {action}?",
            B.Save | B.Discard | B.Cancel, B.Save)
        if answer == B.Save:
            return self.save()
        if answer == B.Discard:
            return True
        if was_training:
            w.train()
        return False

    # ------------------------------------------------------------ open

    def open_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self.parent, "Open model", self.w.document.dialog_dir(),
                                                        MODEL_FILTER)
        if path:
            self.w.open_path(path)

    def open_path(self, path, confirmed: bool = False) -> bool:
        """Load a model: either all of it is shown, or nothing changes and one dialog says why.

        The file is read first, so a broken file never asks about unsaved training.
        """
        w = self.w
        path = Path(path)
        try:
            run, fmt = w.document.read(path)
        except ModelFileError as exc:
            QtWidgets.QMessageBox.warning(self.parent, "Cannot open model", str(exc))
            w.show_message(str(exc), kind="error")
            return False
        if not confirmed and not w._confirm_discard("opening another model"):
            return False
        w.trainer.replace_run(run)
        w.commands.undo.clear()
        run.touch()
        w.document.opened(run, path, fmt)
        self.rebuild_recent_menu()
        self.on_opened(run)
        w.show_message("")
        w.statusBar().showMessage(f"Opened {path.name}", 5000)
        w.refresh()
        return True

    # ------------------------------------------------------------ save

    def save(self) -> bool:
        if self.w.document.path is None:
            return self.save_as()
        return self.save_to(self.w.document.path)

    def save_as(self) -> bool:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self.parent, "Save model", str(Path(self.w.document.dialog_dir()) / "model.json"),
            "lstm-gui JSON (*.json)")
        if not path:
            return False
        target = Path(path)
        if target.suffix.lower() != ".json":
            target = target.with_name(target.name + ".json")
        return self.save_to(target)

    def save_to(self, path: Path) -> bool:
        w = self.w
        w.pause()
        run = w.trainer.copy_run()
        try:
            text = modelfile.to_json_text(run)
        except (ValueError, TypeError) as exc:
            self.failed("Cannot save", f"{path.name}: cannot save ({one_line(exc)})")
            return False
        if not self.write(path, text):
            return False
        w.trainer.read(lambda current: w.document.mark_saved(current, path))
        w.document.remember(path)
        self.rebuild_recent_menu()
        w.state.update()
        w.statusBar().showMessage(f"Saved {path.name}", 5000)
        return True

    def failed(self, title: str, message: str) -> None:
        QtWidgets.QMessageBox.warning(self.parent, title, message)
        self.w.show_message(message, kind="error")

    def write(self, path: Path, text: str) -> bool:
        try:
            self.w.document.write(path, text)
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or one_line(exc)
            self.failed("Cannot save", f"{path}: cannot save ({reason})")
            return False
        self.w.show_message("")
        return True

    # ------------------------------------------------------------ export

    def _save_name(self, title: str, name: str, filter_: str) -> str:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self.parent, title, str(Path(self.w.document.dialog_dir()) / name), filter_)
        return path

    def export_lstmlib(self) -> None:
        w = self.w
        delay = w.trainer.read(lambda run: run.config.delay)
        if delay == 0:
            # The C library reads its files with its own timing (input delayed one step): this
            # model would behave differently there, as `lstm-gui convert` says too.
            B = QtWidgets.QMessageBox.StandardButton
            answer = QtWidgets.QMessageBox.question(
                self.parent, "Export lstmlib", "This model was trained with exact timing; the C library "
                "runs a saved model with its own timing (the input delayed one step), so it will "
                "not behave the same there. Export anyway?", B.Yes | B.Cancel, B.Cancel)
            if answer != B.Yes:
                return
        try:
            text = w.trainer.read(lambda run: modelfile.to_lstmlib_text(run.params, run.config.task.length))
        except ValueError as exc:
            w.show_message(one_line(exc), kind="error")
            return
        path = self._save_name("Export lstmlib", "model.lstmlib", "lstmlib (*.lstmlib)")
        if path and self.write(Path(path), text):
            w.statusBar().showMessage(f"Exported {Path(path).name}", 5000)

    def export_pytorch(self) -> None:
        """m.safetensors (the state_dict, PyTorch's names) and m.py, which runs it on this
        run's data and prints the MSE shown here."""
        path = self._save_name("Export PyTorch weights and script", "model.safetensors",
                               "PyTorch weights (*.safetensors)")
        if not path:
            return
        target = pytorch.weights_path(path) if Path(path).suffix.lower() in (".safetensors", ".py") \
            else Path(path + ".safetensors")
        run = self.w.trainer.copy_run()
        source = self.w.document.path.name if self.w.document.path else ""
        try:
            written = pytorch.export_run(run, target, source=source)
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or one_line(exc)
            self.failed("Cannot export", f"{target}: cannot export ({reason})")
            return
        self.w.show_message("")
        self.w.statusBar().showMessage(f"Exported {written[0].name} and {written[1].name}", 5000)

    def export_history(self) -> None:
        path = self._save_name("Export history", "history.csv", "CSV (*.csv)")
        if not path:
            return
        text = self.w.trainer.read(lambda run: run.history.to_csv())
        if self.write(Path(path), text):
            self.w.statusBar().showMessage(f"Exported {Path(path).name}", 5000)

    def export_window_png(self) -> None:
        path = self._save_name("Save screenshot", "lstm-gui.png", "PNG (*.png)")
        if path and not self.w.grab().save(path, "PNG"):
            self.w.show_message(f"{Path(path).name}: cannot save the screenshot", kind="error")

    def export_plot_dialog(self, plot) -> None:
        path, chosen = QtWidgets.QFileDialog.getSaveFileName(
            self.parent, "Export plot", str(Path(self.w.document.dialog_dir()) / f"{plot.objectName()}.png"),
            "PNG (*.png);;SVG (*.svg)")
        if not path:
            return
        if Path(path).suffix.lower() not in (".png", ".svg"):
            path += ".svg" if "SVG" in chosen else ".png"
        try:
            export_plot(plot, path)
        except (OSError, RuntimeError, ValueError) as exc:
            self.w.show_message(f"{Path(path).name}: cannot export ({one_line(exc)})", kind="error")
            return
        self.w.statusBar().showMessage(f"Exported {Path(path).name}", 5000)

    def load_csv_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self.parent, "Load task CSV", self.w.document.dialog_dir(),
                                                        "CSV (*.csv);;All files (*)")
        if not path:
            return
        try:
            task = load_csv(path)
        except TaskFileError as exc:
            self.failed("Cannot load task", str(exc))
            return
        self.w.panel.set_csv_task(task)

    # ------------------------------------------------------------ recent files

    def rebuild_recent_menu(self) -> None:
        menu = self.recent_menu
        if menu is None:
            return
        menu.clear()
        files = self.w.document.recent_files()
        for f in files:
            action = menu.addAction(f)
            action.triggered.connect(lambda _=False, p=f: self.w.open_path(p))
        menu.setEnabled(bool(files))
