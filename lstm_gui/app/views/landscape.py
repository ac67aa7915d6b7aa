"""The loss landscape around the model, live: where it is, where it can go, the path it took.

The map (the MSE over a plane of parameters, log colour scale) is recomputed by the view's
own background worker, at most a tenth of the time while training runs and at once when it
is paused; the training path is projected onto the last map at every snapshot, so it grows
live between maps.  A click on the map moves the model there (undoable).
"""
from __future__ import annotations

import time

import numpy as np

from ...core.analysis import directions, landscape, model_data, plane
from ...core.models import UNIT
from ..landscape_plot import FAR_SHARE, LandscapePlot, contour_lines
from ..qt import Qt, QtCore, QtWidgets
from .background import LatestJobWorker, watch_window_close
from .base import View

DIRECTIONS = (
    ("pca", "Main directions of the path (PCA)"),
    ("line", "From the start to now"),
    ("params", "Two parameters"),
    ("random", "Random, scaled to the parameters (filter-normalised)"),
    ("hessian", "Most curved directions (Hessian eigenvectors)"),
)
SIZES = (16, 32, 48, 64, 96, 128)


def points(size: int) -> int:
    """Grid points per side for a chosen size: odd, so that the middle point is the model
    itself (the map's centre reads the run's loss; an even grid straddled it)."""
    return size + 1 - size % 2

DEFAULT_SIZE = 48
RANDOM_SEED = 0      # random directions stay the same plane from one map to the next


# Gradient evaluations' sequence steps the curvature readout of a Model may take (2 x size
# gradients): 96 parameters over 100 steps is 19 200.
CURVATURE_STEP_BUDGET = 400_000
# A Model of more parameters than its history keeps has no stored path: the view keeps the
# parameters of the snapshots it was shown, at most this many (an H = 16 2-layer GRU: 2 497
# numbers, 40 MB at most), thinned by half when full.
MAX_SEEN = 2000


def _compute_model(model, params, x, target, delay, kind, path, names, size, span, lr,
                   should_continue=None):
    """The worker's job for a Model: its map, and the curvature readout where the Hessian
    is allowed (HESSIAN_MAX_PARAMS)."""
    m = plane.compute_model(model, params, x, target, delay=delay, kind=kind, path=path,
                            names=names, size=size, span=span,
                            rng=np.random.default_rng(RANDOM_SEED), should_continue=should_continue)
    if model.size > directions.HESSIAN_MAX_PARAMS:
        return m, contour_lines(m), None, None
    data = model_data.within(model_data.time_major(x, target), 2 * model.size, CURVATURE_STEP_BUDGET)
    try:
        top, limit = landscape.curvature(
            landscape.model_hessian(model, params, data, delay, should_continue), lr)
    except ValueError:
        top, limit = float("nan"), 2 / lr
    return m, contour_lines(m), top, limit


def _compute(params, x, target, delay, kind, path, names, size, span, lr, should_continue=None):
    """The job the worker runs: the map and the curvature readout at params."""
    m = plane.compute(params, x, target, delay=delay, kind=kind, path=path, names=names,
                      size=size, span=span, rng=np.random.default_rng(RANDOM_SEED),
                      should_continue=should_continue)
    if np.size(params) > directions.HESSIAN_MAX_PARAMS:
        return m, contour_lines(m), None, None       # the readout says why, in one line
    try:
        # Asked to stop every few hundred steps: at 200 000 points it ran for minutes and a
        # window closing waited for it.
        top, limit = landscape.curvature(landscape.hessian(params, x, target, delay, should_continue), lr)
    except ValueError:      # over the memory budget (core/limits): the map without the readout
        top, limit = float("nan"), 2 / lr
    return m, contour_lines(m), top, limit


PATH_INTERVAL = 0.25   # seconds between path redraws while training


class _Words(QtWidgets.QScrollArea):
    """The words under the map: as tall as they need where there is room, scrolled where
    there is not (at the smallest window Qt drew them over the map's legend: the view was
    shorter than the map's least height and the wrapped lines together)."""

    def __init__(self, labels):
        super().__init__()
        self._box = box = QtWidgets.QWidget()
        self._box_layout = layout = QtWidgets.QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        for label in labels:
            layout.addWidget(label)
        layout.addStretch(1)
        self.setWidget(box)
        self.setWidgetResizable(True)
        self.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        box.installEventFilter(self)
        self._hint = 0

    def _needed(self) -> int:
        width = max(self.viewport().width(), 1)
        layout = self._box_layout
        return layout.totalHeightForWidth(width) if layout.hasHeightForWidth() \
            else self._box.sizeHint().height()

    def sizeHint(self):
        return QtCore.QSize(super().sizeHint().width(), self._needed())

    def minimumSizeHint(self):
        return QtCore.QSize(0, min(self._needed(), 2 * self.fontMetrics().lineSpacing()))

    def eventFilter(self, obj, event) -> bool:
        # New words (or a new width): ask the view's layout for the height they need now.
        if event.type() in (QtCore.QEvent.Type.LayoutRequest, QtCore.QEvent.Type.Resize):
            needed = self._needed()
            if needed != self._hint:
                self._hint = needed
                self.updateGeometry()
        return False


class LandscapeView(View):
    name = "landscapeView"
    title = "Landscape"
    area = Qt.DockWidgetArea.RightDockWidgetArea
    shown_by_default = False

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.directionsCombo = QtWidgets.QComboBox(objectName="landscapeDirections")
        for key, text in DIRECTIONS:
            self.directionsCombo.addItem(text, key)
        self.directionsCombo.setToolTip(
            "The plane the map shows: the two main directions of the training path so far; the "
            "line from the start to the current model; two parameters (an exact slice); two "
            "random directions scaled gate by gate to the parameters; or the directions of "
            "greatest curvature.")
        # Long choices must not widen the dock past its place (it then scrolled).
        self.directionsCombo.setSizeAdjustPolicy(
            QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.directionsCombo.setMinimumContentsLength(14)
        self.param1Combo = QtWidgets.QComboBox(objectName="landscapeParam1")
        self.param2Combo = QtWidgets.QComboBox(objectName="landscapeParam2")
        self.sizeCombo = QtWidgets.QComboBox(objectName="landscapeSize")
        for s in SIZES:
            self.sizeCombo.addItem(f"{points(s)}×{points(s)}", s)
        self.sizeCombo.setToolTip("Resolution of the map (models evaluated per side)")
        self.spanSpin = QtWidgets.QDoubleSpinBox(objectName="landscapeSpan")
        self.spanSpin.setRange(0.0, 100.0)
        self.spanSpin.setDecimals(2)
        self.spanSpin.setSingleStep(0.25)
        self.spanSpin.setSpecialValueText("auto")
        self.spanSpin.setToolTip("Half-width of the square shown, in units of the directions; "
                                 "auto fits the training path")
        self.plot = LandscapePlot()
        # The map takes about a second: until it arrives the view says so (it was blank).
        self.busyLabel = QtWidgets.QLabel("Computing the landscape map…", objectName="landscapeBusy")
        self.busyLabel.setStyleSheet("color: #0b5394;")
        self.busyLabel.hide()
        self.readout = QtWidgets.QLabel(objectName="landscapeReadout")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Word-wrapped: a long line (a plane not possible yet, a hover) widened the dock past
        # its place and squeezed its neighbours (the Lesson dock to 310 px).
        self.readout.setWordWrap(True)
        self.offPlaneLabel = QtWidgets.QLabel(objectName="landscapeOffPlane", wordWrap=True)
        self.offPlaneLabel.setToolTip(
            f"The map is a flat slice through {UNIT.size} (or more) dimensions.  A point of the path is "
            "drawn where it projects onto the slice; how far it lies off the slice says how "
            "much the map's colour under it differs from its own MSE.")
        self.curvatureLabel = QtWidgets.QLabel(objectName="landscapeCurvature", wordWrap=True)
        self.curvatureLabel.setToolTip(
            "Plain gradient descent with learning rate lr is stable only where the largest "
            "eigenvalue of the Hessian (the sharpest curvature) is below 2/lr; beyond it, the "
            "steps overshoot and grow.  Adam rescales its steps, so for Adam this is a guide only.")

        row = QtWidgets.QHBoxLayout()
        row.setContentsMargins(4, 2, 4, 0)
        row.addWidget(self.directionsCombo, 2)
        row.addWidget(self.param1Combo, 1)
        row.addWidget(self.param2Combo, 1)
        row.addWidget(QtWidgets.QLabel("span"))
        row.addWidget(self.spanSpin)
        row.addWidget(self.sizeCombo)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.busyLabel)
        layout.addWidget(self.plot, 1)
        self.words = _Words((self.readout, self.offPlaneLabel, self.curvatureLabel))
        layout.addWidget(self.words)

        self._param_keys = None
        self._seen: list = []          # a large Model's path as the view saw it (MAX_SEEN)
        self._seen_key = None
        self._fill_param_combos(self._unit_items(1), directions.DEFAULT_NAMES)
        self._restore_settings()
        self.worker = LatestJobWorker(self)
        self.results_drawn = 0     # the worker's results shown so far (tests wait on it)
        self.worker.done.connect(self._on_done)
        self.worker.failed.connect(lambda text: self.ctx.message(f"Landscape: {text}"))
        self._snap = None
        self._named: tuple = (None, [], ())    # (model, its names as combo items, default names)
        self._path_drawn = -1.0
        self._requested = None     # the revision and settings of the last job submitted
        # The readout's last line about a map (a sample, a plane not possible yet): in the
        # view, not the status bar, where it stayed after the plane had become possible.
        self._status_line = ""
        for w in (self.directionsCombo, self.param1Combo, self.param2Combo, self.sizeCombo):
            w.currentIndexChanged.connect(self._on_setting)
        self.spanSpin.valueChanged.connect(self._on_setting)
        self.plot.scene().sigMouseMoved.connect(self._on_hover)
        self.plot.scene().sigMouseClicked.connect(self._on_click)
        self._sync_param_combos()

    # ------------------------------------------------------------ settings

    def _key(self, name: str) -> str:
        return f"{self.name}/{name}"

    def _restore_settings(self) -> None:
        s = self.ctx.settings
        if s is None:
            return
        kind = s.value(self._key("directions"), "pca")
        i = self.directionsCombo.findData(kind)
        self.directionsCombo.setCurrentIndex(max(i, 0))
        try:
            size = int(s.value(self._key("size"), DEFAULT_SIZE))
        except (TypeError, ValueError):
            size = DEFAULT_SIZE
        i = self.sizeCombo.findData(size)
        self.sizeCombo.setCurrentIndex(i if i >= 0 else self.sizeCombo.findData(DEFAULT_SIZE))
        try:
            self.spanSpin.setValue(float(s.value(self._key("span"), 0.0)))
        except (TypeError, ValueError):
            self.spanSpin.setValue(0.0)
        defaults = directions.default_names(UNIT)
        for combo, key, default in ((self.param1Combo, "param1", defaults[0]),
                                    (self.param2Combo, "param2", defaults[1])):
            i = combo.findData(str(s.value(self._key(key), default)))
            combo.setCurrentIndex(i if i >= 0 else combo.findData(default))

    def _store_settings(self) -> None:
        s = self.ctx.settings
        if s is None:
            return
        s.setValue(self._key("directions"), self.directionsCombo.currentData())
        s.setValue(self._key("size"), self.sizeCombo.currentData())
        s.setValue(self._key("span"), self.spanSpin.value())
        s.setValue(self._key("param1"), self.param1Combo.currentData())
        s.setValue(self._key("param2"), self.param2Combo.currentData())

    @staticmethod
    def _unit_items(units: int) -> list[tuple[str, str]]:
        """(label, key) of every parameter of a chain of `units` units."""
        return [(name if units == 1 else f"{name} (unit {u + 1})",
                 name if u == 0 else f"{name}@{u + 1}")
                for u in range(units) for name in UNIT.names()]

    def _fill_param_combos(self, items: list[tuple[str, str]], defaults) -> None:
        """The two parameter choices: items (label, key); a choice the new list lacks goes
        to `defaults` (a Model's names differ from the unit's)."""
        keys = tuple(key for _, key in items)
        if keys == self._param_keys:
            return
        self._param_keys = keys
        for combo, default in zip((self.param1Combo, self.param2Combo), defaults):
            keep = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            for label, key in items:
                combo.addItem(label, key)
            i = combo.findData(keep)
            combo.setCurrentIndex(i if i >= 0 else max(combo.findData(default), 0))
            combo.blockSignals(False)

    def _sync_param_combos(self) -> None:
        show = self.directionsCombo.currentData() == "params"
        self.param1Combo.setVisible(show)
        self.param2Combo.setVisible(show)

    def _on_setting(self, *_) -> None:
        self._sync_param_combos()
        self._store_settings()
        if self._snap is not None:
            self._submit(self._snap, urgent=True)

    # ------------------------------------------------------------ snapshots and maps

    def settings_tuple(self):
        names = (self.param1Combo.currentData(), self.param2Combo.currentData())
        span = self.spanSpin.value() or None
        return self.directionsCombo.currentData(), names, self.sizeCombo.currentData(), span

    def _training(self) -> bool:
        trainer = getattr(self.ctx.trainer, "trainer", self.ctx.trainer)
        return bool(getattr(trainer, "is_training", False))

    def show_snapshot(self, snap) -> None:
        model = getattr(snap, "model", None)
        if model is not None:
            # A Model's names (u2.W_zh[3,5], ...): as many as it has, typed or chosen; listed
            # once per model (an H = 16, 2-layer GRU's 2 497 names: 1.9 ms a frame).
            if self._named[0] != model:
                self._named = (model, [(n, n) for n in model.names()], directions.default_names(model))
            self._fill_param_combos(self._named[1], self._named[2])
            self._remember(snap)
        else:
            self._fill_param_combos(self._unit_items(snap.params.shape[0]), directions.DEFAULT_NAMES)
        self._snap = snap
        training = self._training()
        now = time.perf_counter()
        # Each path update repaints the whole map (image, contours, colour bar) in the GUI
        # thread; at every frame that took the GIL from training for a quarter of its time.
        if not training or now - self._path_drawn >= PATH_INTERVAL:
            self._path_drawn = now
            self._draw_path()
        self._submit(snap, urgent=not training)

    def _submit(self, snap, urgent: bool) -> None:
        kind, names, size, span = self.settings_tuple()
        request = (snap.revision, snap.epoch, kind, names, size, span)
        if request == self._requested:
            return
        if kind == "params" and names[0] == names[1]:
            self.readout.setText("Choose two different parameters.")
            return
        if kind == "hessian" and snap.params.size > directions.HESSIAN_MAX_PARAMS:
            # Refused before any work, in one line (it would take more than a second).
            self._requested = request
            self.busyLabel.hide()
            self.readout.setText(f"Most curved directions: not for {snap.params.size:,} parameters "
                                 f"(the Hessian takes more than a second above "
                                 f"{directions.HESSIAN_MAX_PARAMS}); choose another plane.")
            return
        self._requested = request
        worker = self.worker
        model = getattr(snap, "model", None)
        if model is not None:
            margs = (model, snap.params.copy(), snap.x, snap.target, snap.config.delay, kind,
                     self._model_path(snap), names, points(size), span, snap.config.lr)
            self.worker.submit(lambda: (request, _compute_model(*margs, should_continue=worker.running)),
                               urgent=urgent)
        else:
            args = (snap.params.copy(), snap.x, snap.target, snap.config.delay, kind,
                    snap.history.params, names, points(size), span, snap.config.lr)
            self.worker.submit(lambda: (request, _compute(*args, should_continue=worker.running)),
                               urgent=urgent)
        if urgent or self.plot.map is None:
            self.busyLabel.show()

    def _on_done(self, result) -> None:
        """The worker's result, drawn as a part of the window's frames (frames.py): drawn
        here, it took the GUI thread at moments no frame budget covered."""
        self.draw_when_due(lambda: self._on_result(result))

    def _on_result(self, result) -> None:
        request, (m, lines, top, limit) = result
        self.results_drawn += 1
        self.busyLabel.setVisible(self.worker.pending() and self._requested != request)
        self.plot.set_map(m, lines)
        self._draw_path()
        # A line about the map itself: computed on a sample of many sequences, or the plane
        # asked for is not possible yet; a hover's readout is left alone, a stale line goes.
        line = f"The map is computed {m.note}." if m.note else ""
        if m.kind != request[2]:
            line = (f"{dict(DIRECTIONS)[request[2]]} needs a path of 3 frames of training; "
                    "showing random directions until then.")
        if line or self.readout.text() == self._status_line:
            self.readout.setText(line)
        self._status_line = line
        if top is None:
            self.curvatureLabel.setText(
                f"Curvature not computed: the Hessian of {m.origin.size} parameters would take "
                f"more than a second (limit {directions.HESSIAN_MAX_PARAMS}).")
        elif top != top:    # NaN: the Hessian was over the memory budget
            self.curvatureLabel.setText("Sharpest curvature: not computed (the Hessian of this model "
                                        "would exceed the memory limit).")
        else:
            verdict = ("below the limit: plain descent is stable here" if top < limit else
                       "above the limit: plain descent overshoots along the most curved direction")
            optimizer = self._snap.config.optimizer if self._snap is not None else ""
            note = " (Adam rescales its steps: a guide only)" if optimizer == "adam" else ""
            self.curvatureLabel.setText(f"Sharpest curvature here (largest Hessian eigenvalue "
                                        f"λmax) {top:.4g}; stable limit for this learning rate "
                                        f"(2/lr) {limit:.4g}: {verdict}{note}.")


    def _remember(self, snap) -> None:
        """Keep a large Model's parameters as shown (its history keeps none): the path its
        PCA and drawn path come from; a new run, a reset or an earlier epoch starts it over."""
        if snap.history.params.size or snap.replay is not None:
            return
        key = (snap.model, snap.config.seed, snap.config.task)
        if key != self._seen_key or (self._seen and snap.epoch < self._seen[-1][0]):
            self._seen, self._seen_key = [], key
        if self._seen and snap.epoch == self._seen[-1][0]:
            self._seen.pop()
        self._seen.append((snap.epoch, snap.params.copy()))
        if len(self._seen) > MAX_SEEN:
            self._seen = self._seen[:-1:2] + [self._seen[-1]]

    def _model_path(self, snap) -> np.ndarray:
        """(E, size): the history's parameters, or those the view saw, before the current."""
        stored = snap.history.params
        if stored.size:
            return stored.reshape(len(stored), -1)
        earlier = [p for e, p in self._seen if e < snap.epoch]
        return np.array(earlier).reshape(len(earlier), snap.params.size)

    def _path(self, snap):
        m = self.plot.map
        if snap is None or m is None or m.origin.shape != snap.params.shape:
            return None
        if getattr(snap, "model", None) is not None:
            return np.concatenate([self._model_path(snap), snap.params[None]])
        return np.concatenate([snap.history.params.reshape((-1,) + snap.params.shape),
                               snap.params[None]])

    def path_coords(self, snap=None) -> np.ndarray | None:
        """The training path (history, then the current model) in the plane of the map: (N, 2)."""
        path = self._path(snap or self._snap)
        if path is None:
            return None
        m = self.plot.map
        return landscape.project(path, m.origin, m.d1, m.d2)

    def _draw_path(self) -> None:
        path = self._path(self._snap)
        if path is None:
            return
        m = self.plot.map
        coords = landscape.project(path, m.origin, m.d1, m.d2)
        off = landscape.off_plane(path, m.origin, m.d1, m.d2)
        self.plot.set_path(coords, off_plane=off)
        far = off > FAR_SHARE * max(float(m.span), 1e-12)
        text = (f"The path lies up to {off.max():.3g} off the plane of this map (the start "
                f"{off[0]:.3g}, now {off[-1]:.3g}; the map's half-width is {m.span:.3g})")
        text += (": the dimmed part is only its shadow here, its own MSE differs." if far.any()
                 else ": it stays close to it.")
        self.offPlaneLabel.setText(text)

    # ------------------------------------------------------------ the mouse

    def _plane_point(self, scene_pos):
        m = self.plot.map
        vb = self.plot.plot.getViewBox()
        if m is None or not vb.sceneBoundingRect().contains(scene_pos):
            return None
        p = vb.mapSceneToView(scene_pos)
        return float(p.x()), float(p.y())

    def _on_hover(self, scene_pos) -> None:
        point = self._plane_point(scene_pos)
        if point is None:
            return
        value = self.plot.value_at(*point)
        if value is not None:
            a, b = self.plot.map.labels
            self.readout.setText(f"{a}: {point[0]:.4g}   {b}: {point[1]:.4g}   MSE {value:.5g}"
                                 "   (click to move the model here)")

    def _on_click(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        point = self._plane_point(event.scenePos())
        if point is not None and self.plot.value_at(*point) is not None:
            self.move_to(*point)

    def move_to(self, alpha: float, beta: float) -> None:
        """Set the model to the map's origin + alpha d1 + beta d2 (an undoable edit)."""
        m = self.plot.map
        params = m.origin + alpha * m.d1 + beta * m.d2
        self.ctx.trainer.set_params(params if m.model is not None else params.reshape(-1, UNIT.size),
                                    f"landscape ({alpha:.3g}, {beta:.3g})")

    def showEvent(self, event) -> None:
        super().showEvent(event)
        watch_window_close(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QtCore.QEvent.Type.Close:
            self.worker.stop()
        return False
