"""The side panel: settings in, RunConfig out.  It computes nothing else."""
from __future__ import annotations

import math
from dataclasses import replace

from ..core.noise import NOISE_MODES, Noise
from ..core.optim import DEFAULT_LR, OPTIMIZERS, check_lr
from ..core.run import RunConfig
from ..core.tasks import CSV_TASK, PRESETS, Task, preset
from .qt import QtCore, QtWidgets, Signal

LR_MIN, LR_MAX = 1e-5, 0.5
SLIDER_STEPS = 1000


def _spin(lo, hi, value, step=1, decimals=None, name=""):
    box = QtWidgets.QSpinBox() if decimals is None else QtWidgets.QDoubleSpinBox()
    if decimals is not None:
        box.setDecimals(decimals)
    box.setRange(lo, hi)
    box.setSingleStep(step)
    box.setValue(value)
    box.setKeyboardTracking(False)
    box.setObjectName(name)
    return box


def _form(box):
    form = QtWidgets.QFormLayout(box)
    form.setVerticalSpacing(3)
    form.setContentsMargins(6, 4, 6, 4)
    return form


class ControlPanel(QtWidgets.QWidget):
    """Emits config_edited when the user changes a setting, lr_invalid with a message when
    the typed learning rate is not a number in (0, 1)."""

    config_edited = Signal()
    lr_invalid = Signal(str)
    load_csv_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._csv_task: Task | None = None
        self._updating = False
        self._seed = 0
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)

        # Task
        task_box = QtWidgets.QGroupBox("Task")
        form = _form(task_box)
        self.taskCombo = QtWidgets.QComboBox(objectName="taskCombo")
        for p in PRESETS.values():
            self.taskCombo.addItem(p.title, p.key)
        self.lengthSpin = _spin(1, 100_000, 100, name="lengthSpin")
        self.cyclesSpin = _spin(0.1, 1000, 5, 0.5, 2, name="cyclesSpin")
        self.amplitudeSpin = _spin(0.01, 100, 0.5, 0.1, 2, name="amplitudeSpin")
        self.loadCsvButton = QtWidgets.QPushButton("Load CSV…", objectName="loadCsvButton")
        form.addRow("Task", self.taskCombo)
        form.addRow("Length", self.lengthSpin)
        form.addRow("Cycles", self.cyclesSpin)
        form.addRow("Amplitude", self.amplitudeSpin)
        form.addRow(self.loadCsvButton)
        layout.addWidget(task_box)

        # Noise
        noise_box = QtWidgets.QGroupBox("Noise")
        form = _form(noise_box)
        self.noiseCombo = QtWidgets.QComboBox(objectName="noiseCombo")
        for mode, label in zip(NOISE_MODES, ("None", "On the target", "On the input", "On both")):
            self.noiseCombo.addItem(label, mode)
        self.noiseAmpSpin = _spin(0.0, 10, 0.1, 0.05, 3, name="noiseAmpSpin")
        self.noiseKindCombo = QtWidgets.QComboBox(objectName="noiseKindCombo")
        self.noiseKindCombo.addItem("Uniform in [-a, a]", "uniform")
        self.noiseKindCombo.addItem("Gaussian, sd a", "gaussian")
        self.resampleCheck = QtWidgets.QCheckBox("New draw every epoch", objectName="resampleCheck")
        form.addRow("Noise", self.noiseCombo)
        form.addRow("Amplitude a", self.noiseAmpSpin)
        form.addRow("Kind", self.noiseKindCombo)
        form.addRow(self.resampleCheck)
        layout.addWidget(noise_box)

        # Model and optimizer
        model_box = QtWidgets.QGroupBox("Model and optimizer")
        form = _form(model_box)
        self.unitsSpin = _spin(1, 16, 1, name="unitsSpin")
        self.seedSpin = _spin(0, 2_000_000_000, 0, name="seedSpin")
        self.timingCheck = QtWidgets.QCheckBox("lstmlib timing (input delayed)", objectName="timingCheck")
        self.optimizerCombo = QtWidgets.QComboBox(objectName="optimizerCombo")
        for name, label in zip(OPTIMIZERS, ("Gradient descent", "Momentum", "Adam")):
            self.optimizerCombo.addItem(label, name)
        self.lrSlider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal, objectName="lrSlider")
        self.lrSlider.setRange(0, SLIDER_STEPS)
        self.lrEdit = QtWidgets.QLineEdit(objectName="lrEdit")
        self.lrEdit.setMaximumWidth(80)
        lr_row = QtWidgets.QHBoxLayout()
        lr_row.addWidget(self.lrSlider, 1)
        lr_row.addWidget(self.lrEdit)
        self.clipSpin = _spin(0.0, 1000, 0.0, 0.5, 2, name="clipSpin")
        self.clipSpin.setSpecialValueText("off")
        form.addRow("Units in chain", self.unitsSpin)
        form.addRow("Seed", self.seedSpin)
        form.addRow(self.timingCheck)
        form.addRow("Optimizer", self.optimizerCombo)
        form.addRow("Learning rate", lr_row)
        form.addRow("Clip grad norm", self.clipSpin)
        layout.addWidget(model_box)

        # Stop criteria
        stop_box = QtWidgets.QGroupBox("Stop when")
        form = _form(stop_box)
        self.epochsSpin = _spin(0, 100_000_000, 5000, 1000, name="epochsSpin")
        self.epochsSpin.setSpecialValueText("never")
        self.targetMseSpin = _spin(0.0, 1.0, 0.0, 0.0001, 6, name="targetMseSpin")
        self.targetMseSpin.setSpecialValueText("off")
        form.addRow("Epoch budget", self.epochsSpin)
        form.addRow("Target MSE", self.targetMseSpin)
        layout.addWidget(stop_box)

        # View
        view_box = QtWidgets.QGroupBox("View")
        form = _form(view_box)
        self.unitViewSpin = _spin(1, 1, 1, name="unitViewSpin")
        self.spanCheck = QtWidgets.QCheckBox("Generalisation span (3x)", objectName="spanCheck")
        self.smoothSpin = _spin(1, 500, 25, 5, name="smoothSpin")
        self.smoothSpin.setSpecialValueText("off")
        form.addRow("Show unit", self.unitViewSpin)
        form.addRow("MSE smoothing", self.smoothSpin)
        form.addRow(self.spanCheck)
        layout.addWidget(view_box)
        layout.addStretch(1)

        # Long entries must not widen the panel: the plots need the room.
        for combo in self.findChildren(QtWidgets.QComboBox):
            combo.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(10)
        self.set_config(RunConfig())
        for w in (self.noiseCombo, self.noiseKindCombo):
            w.currentIndexChanged.connect(self._on_edit)
        self.taskCombo.currentIndexChanged.connect(self._on_task_chosen)
        self.optimizerCombo.currentIndexChanged.connect(self._on_optimizer_chosen)
        for w in (self.lengthSpin, self.cyclesSpin, self.amplitudeSpin, self.noiseAmpSpin,
                  self.unitsSpin, self.seedSpin, self.clipSpin, self.epochsSpin,
                  self.targetMseSpin):
            w.valueChanged.connect(self._on_edit)
        for w in (self.resampleCheck, self.timingCheck):
            w.toggled.connect(self._on_edit)
        self.lrSlider.valueChanged.connect(self._on_lr_slider)
        self.lrEdit.editingFinished.connect(self._on_lr_typed)
        self.loadCsvButton.clicked.connect(self.load_csv_requested)

    # ------------------------------------------------------------ config in and out

    def set_config(self, cfg: RunConfig) -> None:
        """Show cfg in the widgets without emitting config_edited."""
        self._updating = True
        try:
            task = cfg.task
            if task.key == CSV_TASK:
                self._csv_task = task
                if self.taskCombo.findData(CSV_TASK) < 0:
                    self.taskCombo.addItem(task.title, CSV_TASK)
                self.taskCombo.setItemText(self.taskCombo.findData(CSV_TASK), task.title)
            self.taskCombo.setCurrentIndex(self.taskCombo.findData(task.key))
            self.lengthSpin.setValue(task.length)
            self.cyclesSpin.setValue(task.cycles)
            self.amplitudeSpin.setValue(task.amplitude)
            for w in (self.lengthSpin, self.cyclesSpin, self.amplitudeSpin):
                w.setEnabled(task.key != CSV_TASK)
            self.noiseCombo.setCurrentIndex(self.noiseCombo.findData(cfg.noise.mode))
            self.noiseAmpSpin.setValue(cfg.noise.amplitude)
            self.noiseKindCombo.setCurrentIndex(self.noiseKindCombo.findData(cfg.noise.kind))
            self.resampleCheck.setChecked(cfg.noise.resample)
            self.unitsSpin.setValue(cfg.units)
            self.unitViewSpin.setMaximum(cfg.units)
            self.seedSpin.setValue(cfg.seed)
            self.timingCheck.setChecked(cfg.delay == 1)
            self.optimizerCombo.setCurrentIndex(self.optimizerCombo.findData(cfg.optimizer))
            self._show_lr(cfg.lr)
            self.clipSpin.setValue(cfg.clip or 0.0)
            self.epochsSpin.setValue(cfg.epochs)
            self.targetMseSpin.setValue(cfg.target_mse)
            self._init_range = (cfg.init_low, cfg.init_high)
            self._plateau = cfg.plateau
        finally:
            self._updating = False

    def config(self) -> RunConfig:
        """The settings shown, as a RunConfig (ValueError if they do not make one)."""
        key = self.taskCombo.currentData()
        if key == CSV_TASK and self._csv_task is not None:
            task = self._csv_task
        else:
            task = preset(key, length=self.lengthSpin.value(), cycles=self.cyclesSpin.value(),
                          amplitude=self.amplitudeSpin.value())
        noise = Noise(self.noiseCombo.currentData(), self.noiseAmpSpin.value(),
                      self.noiseKindCombo.currentData(), self.resampleCheck.isChecked())
        clip = self.clipSpin.value() or None
        return RunConfig(task=task, noise=noise, units=self.unitsSpin.value(),
                         optimizer=self.optimizerCombo.currentData(), lr=self.lr(), clip=clip,
                         seed=self.seedSpin.value(), init_low=self._init_range[0],
                         init_high=self._init_range[1], delay=1 if self.timingCheck.isChecked() else 0,
                         epochs=self.epochsSpin.value(), target_mse=self.targetMseSpin.value(),
                         plateau=self._plateau)

    def set_csv_task(self, task: Task) -> None:
        cfg = replace(self.config(), task=task)
        self.set_config(cfg)
        self.config_edited.emit()

    # ------------------------------------------------------------ learning rate

    def lr(self) -> float:
        return self._lr

    def _show_lr(self, lr: float) -> None:
        self._lr = lr
        self.lrEdit.setText(f"{lr:.4g}")
        frac = (math.log10(min(max(lr, LR_MIN), LR_MAX)) - math.log10(LR_MIN)) / (
            math.log10(LR_MAX) - math.log10(LR_MIN))
        blocked = self.lrSlider.blockSignals(True)
        self.lrSlider.setValue(round(frac * SLIDER_STEPS))
        self.lrSlider.blockSignals(blocked)

    def _on_lr_slider(self, value: int) -> None:
        lr = 10 ** (math.log10(LR_MIN) + value / SLIDER_STEPS * (math.log10(LR_MAX) - math.log10(LR_MIN)))
        self._show_lr(float(f"{lr:.3g}"))
        self._on_edit()

    def _on_lr_typed(self) -> None:
        text = self.lrEdit.text().strip()
        try:
            lr = check_lr(text)
        except ValueError as exc:
            self.lrEdit.setText(f"{self._lr:.4g}")
            self.lr_invalid.emit(f"{exc}; kept {self._lr:g}")
            return
        if lr != self._lr:
            self._show_lr(lr)
            self._on_edit()

    # ------------------------------------------------------------ edits

    def _on_task_chosen(self) -> None:
        key = self.taskCombo.currentData()
        if self._updating:
            return
        if key in PRESETS:
            p = PRESETS[key]
            self._updating = True
            self.lengthSpin.setValue(p.length)
            self.cyclesSpin.setValue(p.cycles)
            self.amplitudeSpin.setValue(p.amplitude)
            self.epochsSpin.setValue(p.epochs)
            self._updating = False
        for w in (self.lengthSpin, self.cyclesSpin, self.amplitudeSpin):
            w.setEnabled(key != CSV_TASK)
        self._on_edit()

    def _on_optimizer_chosen(self) -> None:
        if not self._updating:
            self._show_lr(DEFAULT_LR[self.optimizerCombo.currentData()])
            self._on_edit()

    def _on_edit(self, *_) -> None:
        if not self._updating:
            self.unitViewSpin.setMaximum(self.unitsSpin.value())
            self.config_edited.emit()
