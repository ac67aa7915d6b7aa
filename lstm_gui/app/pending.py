"""Settings from the panel: applied at once, or held in the "Apply and reset" bar when they
would restart a run that has trained."""
from __future__ import annotations

from ..core.training.run import RunConfig
from .parts import WindowParts
from .qt import QtWidgets


def one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or exc.__class__.__name__


class PendingSettings:
    """The bar (``bar``) and the settings it holds (``config``, None when nothing waits)."""

    def __init__(self, window: WindowParts):
        self.w = window
        self.config: RunConfig | None = None
        self.bar = QtWidgets.QFrame(objectName="applyBar")
        self.bar.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        grid = QtWidgets.QGridLayout(self.bar)
        self.label = QtWidgets.QLabel(wordWrap=True)
        self.applyButton = QtWidgets.QPushButton("Apply and reset", objectName="applyButton")
        self.revertButton = QtWidgets.QPushButton("Keep training", objectName="revertButton")
        grid.addWidget(self.label, 0, 0, 1, 2)
        grid.addWidget(self.applyButton, 1, 0)
        grid.addWidget(self.revertButton, 1, 1)
        self.applyButton.clicked.connect(self.apply)
        self.revertButton.clicked.connect(self.revert)
        self.bar.hide()
        window.panel.field_edited.connect(self.on_field_edited)

    def on_field_edited(self, name: str, value) -> None:
        w = self.w
        base = self.config or w.trainer.read(lambda run: run.config)
        try:
            cfg = base.with_field(name, value)
        except (ValueError, TypeError) as exc:
            w.show_message(one_line(exc), kind="error")
            w.panel.set_config(base)
            return
        w.show_message("")
        current, epoch = w.trainer.read(lambda run: (run.config, run.epoch))
        if cfg.needs_reset(current) and epoch > 0:
            self.config = cfg
            w.panel.set_config(cfg)
            self.label.setText(f"These settings restart training: epoch {epoch:,} and its "
                               "history will be lost (Ctrl+Z brings them back).")
            self.bar.show()
            return
        self.discard()
        w.commands.configure(cfg)

    def apply(self) -> None:
        cfg = self.config
        self.discard()
        if cfg is not None:
            self.w.commands.configure(cfg)

    def revert(self) -> None:
        self.discard()
        self.w.panel.set_config(self.w.trainer.read(lambda run: run.config))

    def discard(self) -> None:
        self.config = None
        self.bar.hide()
