"""The side panel: shows a RunConfig and sends one changed field at a time.

The panel is never the source of truth.  It shows the config it was last given
(:meth:`set_config`: when a run is loaded, reset, reverted, or an edit was accepted) and
emits ``field_edited(name, value)`` for the one setting the user changed; the window asks the
core for the new config (``RunConfig.with_field``), which validates it.  So a value the panel
cannot show cannot be written back by an unrelated edit, and nothing is clamped.
"""
from __future__ import annotations

import math

from ..core import limits
from ..core.models import FAMILIES
from ..core.training.datasets import SET_PRESETS
from ..core.training.noise import NOISE_MODES
from ..core.training.optim import OPTIMIZERS
from ..core.training.run import INITS, RunConfig
from ..core.training.tasks import CSV_TASK, PRESETS, Task
from .fields import NumberEdit
from .qt import QtCore, QtWidgets, Signal

LR_MIN, LR_MAX = 1e-5, 0.5
SLIDER_STEPS = 1000

TIPS = {
    "taskCombo": "The waveform task: what the unit reads (x) and what it must output (target).",
    "lengthSpin": "Sequence length n: time steps per epoch (a whole number >= 1).",
    "cyclesSpin": "Waveform cycles over the sequence (the C library uses 5).",
    "amplitudeSpin": "Amplitude A of input and target (the C library uses 0.5).",
    "lagSpin": "delay-k: the target is the input k steps back (a whole number from 0 to "
               "length - 1); the unit must remember an edge for k steps.",
    "loadCsvButton": "Load your own task: a CSV file with columns x and target.",
    "noiseCombo": "Where noise is added: nowhere, to the target, to the input, or both.",
    "noiseAmpSpin": "Noise amplitude a: uniform in [-a, a], or Gaussian with sd a (>= 0).",
    "noiseKindCombo": "Uniform or Gaussian noise.",
    "resampleCheck": "Draw new noise every epoch (off: drawn once from the seed, as the C "
                     "library does).",
    "cellCombo": "The cell family: the LSTM, one of its variants with a gate or an activation "
                 "removed, or the GRU.  Each changes which gates the unit has.",
    "hiddenEdit": f"Hidden size H: units side by side in each layer ({limits.HIDDEN_RANGE}).  H = 1 is the "
                  "12-parameter unit; H > 1 adds a readout y = w_y . h + b_y.",
    "unitsSpin": "Layers (1-16): each layer reads the h of the one below.  With H = 1 this is "
                 "a chain of units, the output h of one the input of the next.",
    "biasCheck": "Give every gate a bias b (off: the gates have weights only).",
    "bidirectionalCheck": "A second direction per layer reads the sequence backwards; the "
                          "readout sees both.",
    "dropoutEdit": "Dropout between layers: the chance, in [0, 1), that training zeroes each "
                   "number a layer passes up (needs two layers or more).",
    "initCombo": "How the initial parameters are drawn: uniformly from the range below, or "
                 "as PyTorch does (uniform in +-1/sqrt(H)).",
    "forgetBiasEdit": "Start every forget-gate bias at this value (1 is the usual advice: "
                      "the cell remembers from the first epoch); off keeps the drawn value.",
    "batchEdit": "Sequences per mini-batch on a task of many sequences (default: the "
                 "tutorial's own batch size); one update per mini-batch.",
    "seedSpin": "Seed of the initial parameters and the noise (any whole number from 0 to "
                "2^63-1): the same seed trains the same run, bit for bit.",
    "initLowEdit": "Initial parameters are drawn uniformly from [min, max] (default [-1, 1]).",
    "initHighEdit": "Initial parameters are drawn uniformly from [min, max] (default [-1, 1]).",
    "timingCheck": "lstmlib timing: step t reads x(t-1), as the C library's forward pass does.",
    "optimizerCombo": "Gradient descent: p -= lr*g.  Momentum: a velocity of past gradients. "
                      "Adam: per-parameter steps scaled by gradient statistics.",
    "gradientCombo": "Exact: the true gradient of the MSE (backpropagation through time).  The "
                     "C library's rule: its forward-mode update, 5-35 % off the exact gradient; "
                     "one unit with lstmlib timing only.",
    "lrSlider": "Learning rate (log scale, 1e-5 to 0.5); type any value in (0, 1) beside it.",
    "lrEdit": "Learning rate: any number in (0, 1).  Takes effect at once, without a reset.",
    "clipSpin": "Clip the gradient's norm to at most this value before each update "
                "(off: no clipping).",
    "epochsSpin": "Stop after this many epochs in all (never: train until paused).",
    "targetMseSpin": "Stop when the MSE falls to this value (off: no target).",
    "plateauSpin": "Stop when the MSE has not improved by 0.01 % for this many epochs "
                   "(off: never).",
    "unitViewSpin": "Which unit of a chain the Gates and Parameters views show.",
    "smoothSpin": "Span of the MSE curve's smoothing, in points (off: raw curve only).",
    "spanCheck": "Run the model over three times the training length: does it go on "
                 "producing the waveform where it never trained?",
}


# The cell families in plain words (the combo's items; FAMILIES[cell].doc is the tooltip).
CELL_LABELS = {
    "lstm": "LSTM",
    "peephole": "LSTM with peepholes",
    "cifg": "Coupled input/forget gate (CIFG)",
    "gru": "GRU",
    "nig": "No input gate (NIG)",
    "nfg": "No forget gate (NFG)",
    "nog": "No output gate (NOG)",
    "niaf": "No input activation (NIAF)",
    "noaf": "No output activation (NOAF)",
}


def _form(box):
    form = QtWidgets.QFormLayout(box)
    form.setVerticalSpacing(3)
    form.setContentsMargins(6, 4, 6, 4)
    return form


def _spin(lo, hi, value, name):
    box = QtWidgets.QSpinBox(objectName=name)
    box.setRange(lo, hi)
    box.setValue(value)
    box.setKeyboardTracking(False)
    return box


class ControlPanel(QtWidgets.QWidget):
    """Emits field_edited(name, value) for each change the user makes, message(text) when
    what they typed is not a number (the field then shows its previous value)."""

    field_edited = Signal(str, object)
    message = Signal(str)
    load_csv_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._config = RunConfig()
        self._updating = False
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        self._fields: dict[str, NumberEdit] = {}

        task_box = QtWidgets.QGroupBox("Task")
        form = _form(task_box)
        self.taskCombo = QtWidgets.QComboBox(objectName="taskCombo")
        for p in (*PRESETS.values(), *SET_PRESETS.values()):
            self.taskCombo.addItem(p.title, p.key)
            self.taskCombo.setItemData(self.taskCombo.count() - 1, p.description,
                                       QtCore.Qt.ItemDataRole.ToolTipRole)
        self.taskDescription = QtWidgets.QLabel(objectName="taskDescription", wordWrap=True)
        self.taskDescription.setStyleSheet("color: #555;")
        self.lengthSpin = self._number("task.length", "Length", "lengthSpin", integer=True)
        self.cyclesSpin = self._number("task.cycles", "Cycles", "cyclesSpin")
        self.amplitudeSpin = self._number("task.amplitude", "Amplitude", "amplitudeSpin")
        self.lagSpin = self._number("task.lag", "Delay k", "lagSpin", integer=True)
        self.lagLabel = QtWidgets.QLabel("Delay k")
        self.loadCsvButton = QtWidgets.QPushButton("Load CSV…", objectName="loadCsvButton")
        form.addRow("Task", self.taskCombo)
        form.addRow(self.taskDescription)
        form.addRow("Length", self.lengthSpin)
        form.addRow("Cycles", self.cyclesSpin)
        form.addRow("Amplitude", self.amplitudeSpin)
        form.addRow(self.lagLabel, self.lagSpin)
        form.addRow(self.loadCsvButton)
        layout.addWidget(task_box)

        noise_box = QtWidgets.QGroupBox("Noise")
        form = _form(noise_box)
        self.noiseCombo = QtWidgets.QComboBox(objectName="noiseCombo")
        for mode, label in zip(NOISE_MODES, ("None", "On the target", "On the input", "On both")):
            self.noiseCombo.addItem(label, mode)
        self.noiseAmpSpin = self._number("noise.amplitude", "Noise amplitude", "noiseAmpSpin")
        self.noiseKindCombo = QtWidgets.QComboBox(objectName="noiseKindCombo")
        self.noiseKindCombo.addItem("Uniform in [-a, a]", "uniform")
        self.noiseKindCombo.addItem("Gaussian, sd a", "gaussian")
        self.resampleCheck = QtWidgets.QCheckBox("New draw every epoch", objectName="resampleCheck")
        form.addRow("Noise", self.noiseCombo)
        form.addRow("Amplitude a", self.noiseAmpSpin)
        form.addRow("Kind", self.noiseKindCombo)
        form.addRow(self.resampleCheck)
        layout.addWidget(noise_box)

        model_box = QtWidgets.QGroupBox("Model")
        form = _form(model_box)
        self.cellCombo = QtWidgets.QComboBox(objectName="cellCombo")
        for cell, label in CELL_LABELS.items():
            self.cellCombo.addItem(label, cell)
            self.cellCombo.setItemData(self.cellCombo.count() - 1, FAMILIES[cell].doc,
                                       QtCore.Qt.ItemDataRole.ToolTipRole)
        self.hiddenEdit = self._number("hidden", "Hidden size H", "hiddenEdit", integer=True)
        self.unitsSpin = _spin(1, 16, 1, "unitsSpin")
        self.biasCheck = QtWidgets.QCheckBox("Bias", objectName="biasCheck")
        self.bidirectionalCheck = QtWidgets.QCheckBox("Bidirectional", objectName="bidirectionalCheck")
        switches = QtWidgets.QHBoxLayout()
        switches.addWidget(self.biasCheck)
        switches.addWidget(self.bidirectionalCheck)
        switches.addStretch(1)
        self.dropoutEdit = self._number("dropout", "Dropout", "dropoutEdit")
        self.dropoutLabel = QtWidgets.QLabel("Dropout")
        self.initCombo = QtWidgets.QComboBox(objectName="initCombo")
        for init, label in zip(INITS, ("Uniform in a range", "PyTorch's")):
            self.initCombo.addItem(label, init)
        self.seedSpin = self._number("seed", "Seed", "seedSpin", integer=True)
        self.initLowEdit = self._number("init_low", "Initial min", "initLowEdit")
        self.initHighEdit = self._number("init_high", "Initial max", "initHighEdit")
        init_row = QtWidgets.QHBoxLayout()
        init_row.addWidget(self.initLowEdit)
        self.initToLabel = QtWidgets.QLabel("to")
        init_row.addWidget(self.initToLabel)
        init_row.addWidget(self.initHighEdit)
        self.initRangeLabel = QtWidgets.QLabel("Initial range")
        self.forgetBiasEdit = self._number("forget_bias", "Forget-gate bias", "forgetBiasEdit",
                                           special="off", special_value=None)
        self.forgetBiasLabel = QtWidgets.QLabel("Forget-gate bias")
        self.timingCheck = QtWidgets.QCheckBox("lstmlib timing (input delayed)", objectName="timingCheck")
        # The families' names are long: the combo gets the form's whole width.
        cell_row = QtWidgets.QHBoxLayout()
        cell_row.addWidget(QtWidgets.QLabel("Cell"))
        cell_row.addWidget(self.cellCombo, 1)
        form.addRow(cell_row)
        form.addRow("Hidden size H", self.hiddenEdit)
        form.addRow("Layers", self.unitsSpin)
        self.layersNote = QtWidgets.QLabel("(with H = 1: units in a chain)",
                                           objectName="layersNote")
        self.layersNote.setStyleSheet("color: #555;")
        form.addRow(self.layersNote)
        form.addRow(switches)
        form.addRow(self.dropoutLabel, self.dropoutEdit)
        form.addRow("Initialisation", self.initCombo)
        form.addRow(self.initRangeLabel, init_row)
        form.addRow(self.forgetBiasLabel, self.forgetBiasEdit)
        form.addRow("Seed", self.seedSpin)
        form.addRow(self.timingCheck)
        layout.addWidget(model_box)

        optimizer_box = QtWidgets.QGroupBox("Optimizer")
        form = _form(optimizer_box)
        self.optimizerCombo = QtWidgets.QComboBox(objectName="optimizerCombo")
        for name, label in zip(OPTIMIZERS, ("Gradient descent", "Momentum", "Adam")):
            self.optimizerCombo.addItem(label, name)
        self.gradientCombo = QtWidgets.QComboBox(objectName="gradientCombo")
        self.gradientCombo.addItem("Exact (backpropagation through time)", "exact")
        self.gradientCombo.addItem("The C library's rule (lstmlib)", "lstmlib")
        self.lrSlider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal, objectName="lrSlider")
        self.lrSlider.setRange(0, SLIDER_STEPS)
        self.lrEdit = self._number("lr", "Learning rate", "lrEdit")
        self.lrEdit.setMaximumWidth(80)
        lr_row = QtWidgets.QHBoxLayout()
        lr_row.addWidget(self.lrSlider, 1)
        lr_row.addWidget(self.lrEdit)
        self.clipSpin = self._number("clip", "Clip", "clipSpin", special="off", special_value=None)
        self.batchEdit = self._number("batch", "Mini-batch", "batchEdit", integer=True,
                                      special="default", special_value=0)
        self.batchLabel = QtWidgets.QLabel("Mini-batch")
        form.addRow("Optimizer", self.optimizerCombo)
        form.addRow("Gradient", self.gradientCombo)
        form.addRow("Learning rate", lr_row)
        form.addRow("Clip grad norm", self.clipSpin)
        form.addRow(self.batchLabel, self.batchEdit)
        layout.addWidget(optimizer_box)

        stop_box = QtWidgets.QGroupBox("Stop when")
        form = _form(stop_box)
        self.epochsSpin = self._number("epochs", "Epoch budget", "epochsSpin", integer=True,
                                       special="never", special_value=0)
        self.targetMseSpin = self._number("target_mse", "Target MSE", "targetMseSpin",
                                          special="off", special_value=0.0)
        self.plateauSpin = self._number("plateau", "Plateau", "plateauSpin", integer=True,
                                        special="off", special_value=0)
        form.addRow("Epoch budget", self.epochsSpin)
        form.addRow("Target MSE", self.targetMseSpin)
        form.addRow("Plateau (epochs)", self.plateauSpin)
        layout.addWidget(stop_box)

        view_box = QtWidgets.QGroupBox("View")
        form = _form(view_box)
        self.unitViewSpin = _spin(1, 1, 1, "unitViewSpin")
        self.spanCheck = QtWidgets.QCheckBox("Generalisation span (3x)", objectName="spanCheck")
        self.smoothSpin = _spin(1, 500, 25, "smoothSpin")
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
        for w in self.findChildren(QtWidgets.QWidget):
            if w.objectName() in TIPS:
                w.setToolTip(TIPS[w.objectName()])
        self.set_config(RunConfig())

        self.taskCombo.currentIndexChanged.connect(
            lambda: self._emit("task.key", self.taskCombo.currentData()))
        self.noiseCombo.currentIndexChanged.connect(
            lambda: self._emit("noise.mode", self.noiseCombo.currentData()))
        self.noiseKindCombo.currentIndexChanged.connect(
            lambda: self._emit("noise.kind", self.noiseKindCombo.currentData()))
        self.resampleCheck.toggled.connect(lambda on: self._emit("noise.resample", bool(on)))
        self.unitsSpin.valueChanged.connect(lambda v: self._emit("units", int(v)))
        self.cellCombo.currentIndexChanged.connect(
            lambda: self._emit("cell", self.cellCombo.currentData()))
        self.biasCheck.toggled.connect(lambda on: self._emit("bias", bool(on)))
        self.bidirectionalCheck.toggled.connect(lambda on: self._emit("bidirectional", bool(on)))
        self.initCombo.currentIndexChanged.connect(
            lambda: self._emit("init", self.initCombo.currentData()))
        self.timingCheck.toggled.connect(lambda on: self._emit("delay", 1 if on else 0))
        self.optimizerCombo.currentIndexChanged.connect(
            lambda: self._emit("optimizer", self.optimizerCombo.currentData()))
        self.gradientCombo.currentIndexChanged.connect(
            lambda: self._emit("gradient", self.gradientCombo.currentData()))
        self.lrSlider.valueChanged.connect(self._on_lr_slider)
        self.loadCsvButton.clicked.connect(self.load_csv_requested)

    def _number(self, field: str, label: str, name: str, integer: bool = False,
                special: str | None = None, special_value=None) -> NumberEdit:
        edit = NumberEdit(label, integer, special, special_value, name)
        edit.committed.connect(lambda value, f=field: self._emit(f, value))
        edit.invalid.connect(self.message)
        self._fields[field] = edit
        return edit

    # ------------------------------------------------------------ config in and out

    def set_config(self, cfg: RunConfig) -> None:
        """Show cfg in the widgets without emitting anything."""
        self._updating = True
        try:
            self._config = cfg
            task = cfg.task
            if task.key == CSV_TASK:
                if self.taskCombo.findData(CSV_TASK) < 0:
                    self.taskCombo.addItem(task.title, CSV_TASK)
                self.taskCombo.setItemText(self.taskCombo.findData(CSV_TASK), task.title)
            self.taskCombo.setCurrentIndex(self.taskCombo.findData(task.key))
            self.taskDescription.setText(f"CSV file, {task.length} points" if task.key == CSV_TASK
                                         else (PRESETS.get(task.key) or SET_PRESETS[task.key]).description)
            for w in (self.lengthSpin, self.cyclesSpin, self.amplitudeSpin):
                w.setEnabled(task.key != CSV_TASK and not task.is_set)
            for w in (self.lagSpin, self.lagLabel):
                w.setVisible(task.key == "delay-k")
            self.noiseCombo.setCurrentIndex(self.noiseCombo.findData(cfg.noise.mode))
            self.noiseKindCombo.setCurrentIndex(self.noiseKindCombo.findData(cfg.noise.kind))
            self.resampleCheck.setChecked(cfg.noise.resample)
            self.unitsSpin.setValue(cfg.units)
            self.cellCombo.setCurrentIndex(self.cellCombo.findData(cfg.cell))
            self.biasCheck.setChecked(cfg.bias)
            self.bidirectionalCheck.setChecked(cfg.bidirectional)
            self.initCombo.setCurrentIndex(self.initCombo.findData(cfg.init))
            self._enable_model_fields(cfg)
            self.unitViewSpin.setMaximum(cfg.units)
            self.timingCheck.setChecked(cfg.delay == 1)
            self.optimizerCombo.setCurrentIndex(self.optimizerCombo.findData(cfg.optimizer))
            self.gradientCombo.setCurrentIndex(self.gradientCombo.findData(cfg.gradient))
            for field, edit in self._fields.items():
                part, _, sub = field.partition(".")
                value = getattr(getattr(cfg, part), sub) if sub else getattr(cfg, part)
                edit.set_value(value)
            self._show_lr_slider(cfg.lr)
        finally:
            self._updating = False

    def config(self) -> RunConfig:
        """The config the panel shows (its source, not re-read from the widgets)."""
        return self._config

    def config_from_widgets(self) -> RunConfig:
        """The config the widgets' texts stand for, parsed afresh: equal to :meth:`config`
        whenever every value is shown exactly (the round-trip the tests demand)."""
        cfg = self._config
        key = self.taskCombo.currentData()
        task = cfg.task if key == CSV_TASK or key in SET_PRESETS else Task(
            key=key, length=self.lengthSpin.parse(self.lengthSpin.text()),
            cycles=self.cyclesSpin.parse(self.cyclesSpin.text()),
            amplitude=self.amplitudeSpin.parse(self.amplitudeSpin.text()), seed=cfg.task.seed,
            lag=self.lagSpin.parse(self.lagSpin.text()))
        values = {f: e.parse(e.text()) for f, e in self._fields.items() if "." not in f}
        noise = type(cfg.noise)(self.noiseCombo.currentData(),
                                self.noiseAmpSpin.parse(self.noiseAmpSpin.text()),
                                self.noiseKindCombo.currentData(), self.resampleCheck.isChecked())
        return RunConfig(task=task, noise=noise, units=self.unitsSpin.value(),
                         optimizer=self.optimizerCombo.currentData(),
                         gradient=self.gradientCombo.currentData(),
                         delay=1 if self.timingCheck.isChecked() else 0,
                         frozen=cfg.frozen, cell=self.cellCombo.currentData(),
                         bias=self.biasCheck.isChecked(),
                         bidirectional=self.bidirectionalCheck.isChecked(),
                         init=self.initCombo.currentData(), readout=cfg.readout, **values)

    def _enable_model_fields(self, cfg: RunConfig) -> None:
        """Disable (not hide) what does nothing for this model, so the learner sees it exists."""
        for w in (self.dropoutEdit, self.dropoutLabel):
            w.setEnabled(cfg.units > 1 or cfg.dropout != 0.0)
        for w in (self.initLowEdit, self.initHighEdit, self.initToLabel, self.initRangeLabel):
            w.setEnabled(cfg.init == "uniform")
        has_f = "f" in FAMILIES[cfg.cell].gates
        for w in (self.forgetBiasEdit, self.forgetBiasLabel):
            w.setEnabled((has_f and cfg.bias) or cfg.forget_bias is not None)
        for w in (self.batchEdit, self.batchLabel):
            w.setEnabled(cfg.task.is_set or cfg.batch != 0)

    def set_csv_task(self, task: Task) -> None:
        self._emit("task", task)

    # ------------------------------------------------------------ edits

    def _emit(self, field: str, value) -> None:
        if not self._updating:
            self.field_edited.emit(field, value)

    def _show_lr_slider(self, lr: float) -> None:
        frac = (math.log10(min(max(lr, LR_MIN), LR_MAX)) - math.log10(LR_MIN)) / (
            math.log10(LR_MAX) - math.log10(LR_MIN))
        blocked = self.lrSlider.blockSignals(True)
        self.lrSlider.setValue(round(frac * SLIDER_STEPS))
        self.lrSlider.blockSignals(blocked)

    def _on_lr_slider(self, value: int) -> None:
        lr = 10 ** (math.log10(LR_MIN) + value / SLIDER_STEPS * (math.log10(LR_MAX) - math.log10(LR_MIN)))
        lr = float(f"{lr:.3g}")
        self.lrEdit.set_value(lr)
        self._emit("lr", lr)
