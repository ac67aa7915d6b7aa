"""The document: which file the run belongs to, and whether what it holds is saved.

"Dirty" is a revision compare: the run's revision when it was last saved (or opened) against
its revision now.  Every change to the run bumps its revision (an epoch, a setting, a reset, an
edit), so no sequence of edits can make unsaved work look saved.
"""
from __future__ import annotations

from pathlib import Path

from ..core.files import modelfile
from ..core.files.modelfile import ModelFileError
from ..core.training.run import Snapshot, TrainingRun
from .qt import QtCore, Signal

MAX_RECENT = 8


class Document(QtCore.QObject):
    """Path, saved revision, recent files.  The window asks; the document reads and writes."""

    changed = Signal()      # path or saved state changed: retitle

    def __init__(self, settings, parent=None):
        super().__init__(parent)
        self.settings = settings
        self.path: Path | None = None
        self.saved_revision: int | None = None
        # Unsaved training that a swap (an undo, a reset, a lesson's Set up) moved into the
        # undo stack: the run shown may be clean, but closing must still ask.
        self.unsaved_elsewhere = False

    # ------------------------------------------------------------ state

    def is_dirty(self, run: TrainingRun | Snapshot) -> bool:
        """Unsaved work: the run changed since it was saved or opened, and there is work to
        lose (trained epochs, or a file it came from).  A live snapshot of the run answers
        as the run did when it was taken (its revision and epoch)."""
        if self.unsaved_elsewhere:
            return True
        if run.revision == self.saved_revision:
            return False
        return run.epoch > 0 or (self.path is not None and self.saved_revision is not None)

    def swapped(self, old: TrainingRun, new: TrainingRun) -> None:
        """`new` replaced `old` as the current run (undo, redo, a command, a lesson): unsaved
        training in `old` now lives only in the undo stack, so the document stays dirty until
        the next save."""
        if not self.unsaved_elsewhere and self.is_dirty(old):
            self.unsaved_elsewhere = True
            self.changed.emit()

    def title_for(self, dirty: bool) -> str:
        name = self.path.name if self.path else "untitled"
        return f"{name}{' *' if dirty else ''} – lstm-gui"

    def mark_saved(self, run: TrainingRun, path: Path | None) -> None:
        self.path = path
        self.saved_revision = run.revision
        self.unsaved_elsewhere = False
        self.changed.emit()

    def forget(self) -> None:
        """A new, unsaved document (nothing on disk yet)."""
        self.path = None
        self.saved_revision = None
        self.unsaved_elsewhere = False
        self.changed.emit()

    # ------------------------------------------------------------ files

    @staticmethod
    def read(path: Path) -> tuple[TrainingRun, str]:
        """(run, format) or ModelFileError with one line saying why."""
        return modelfile.load_with_format(path)

    def opened(self, run: TrainingRun, path: Path, fmt: str) -> None:
        # An lstmlib file is an import: Save asks where to write the native model.
        self.path = path if fmt == modelfile.FORMAT else None
        self.saved_revision = run.revision
        self.unsaved_elsewhere = False
        self.remember(path)
        self.changed.emit()

    @staticmethod
    def write(path: Path, text: str) -> None:
        modelfile.write_atomic(path, text)

    # ------------------------------------------------------------ recent files

    def recent_files(self) -> list[str]:
        value = self.settings.value("recent")
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)):
            return []
        return [str(v) for v in value if isinstance(v, str) and v][:MAX_RECENT]

    def remember(self, path: Path) -> None:
        files = [str(path)] + [f for f in self.recent_files() if f != str(path)]
        self.settings.setValue("recent", files[:MAX_RECENT])

    def dialog_dir(self) -> str:
        if self.path is not None:
            return str(self.path.parent)
        recent = self.recent_files()
        return str(Path(recent[0]).parent) if recent else str(Path.home())


__all__ = ["Document", "ModelFileError"]
