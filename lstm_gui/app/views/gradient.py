"""Gradient flow through time, live: from how far back the unit learns.

Top left, |G[t, s]| (summed over the parameters): how much the error at step t (rows) teaches
the parameters through their use at step s (columns); nothing above s = t.  Top right, the
same by lag t - s for each gate: a plain RNN's falls off steeply, an LSTM's forget gate can
keep it up.  Below, over epochs: the memory horizon (the lag within which 90 % of the
gradient's magnitude arrives) and, per parameter of the selected unit, the gradient's size
or the update's.  At the bottom, ``gradientNorms``: the gradient's norm per layer (and per
hidden unit, thin) over epochs on a log axis, where a chain's vanishing gradient shows (the
chain lesson's units get 0.0008, 0.012 and 0.26 at epoch 0).
The row of the time cursor is marked and drawn on its own in the lag profile.
"""
from __future__ import annotations

import numpy as np

from ...core.analysis import gradflow, gradflow_model, model_data
from ...core.analysis import layers as layer_maths
from ...core.models import UNIT, Model
from .. import palette
from ..plots import (
    GATE_COLOURS,
    LogAxis,
    SteadyRange,
    data_bounds,
    fit_axis_label,
    labels_with_room,
    param_pen,
    retitle,
    set_curve,
)
from ..qt import Qt, QtCore, QtWidgets, pg
from .background import LatestJobWorker, watch_window_close
from .base import View
from .image_grid import StepAxis

GATES = ("f", "i", "C", "o")
GATE_NAMES = {"f": "f", "i": "i", "C": "C~", "o": "o", "r": "r", "z": "z", "n": "n"}
# The lag profile's colour per gate of every family (GRU's r, z, n as in the Cell view).
LAG_COLOURS = dict(GATE_COLOURS, r=palette.R_GATE, z=palette.Z_GATE, n=palette.N_CANDIDATE)
# A Model's itemised BPTT costs O(origins x steps x sequences x H^2): on a task of many
# sequences it takes evenly spaced sequences so that origins x steps x sequences stays within
# this (an H = 16 LSTM over 100 steps, one sequence, 10^4: 0.3-0.8 s at load 8).
FLOW_STEP_BUDGET = 40_000
DECADES = 8            # the heat map shows this many decades below its largest entry
MAX_POINTS = 2000      # per series over epochs: every other point dropped beyond this
# gradientNorms draws at most this many of the record's rows, evenly spread (the first and
# the last kept): 600 rows of an H = 16 2-layer GRU's 34 curves took 7-18 ms to set and
# 20 ms to paint at each snapshot.
MAX_DRAWN = 300
MAX_BYTES = 200e6
LAYER_STYLES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DashDotLine)


def _title_may_shrink(plot) -> None:
    """Let a plot's title be cut rather than widen the view: pyqtgraph makes a title's width
    its minimum at every resize, and five titles made this view 690 px wide at the least
    (it was cut off in a 730 px dock)."""
    label = plot.titleLabel
    update = label.updateMin
    # Cut at the plot's edge, from the left: long titles overlapped their neighbours.
    label.setFlag(QtWidgets.QGraphicsItem.GraphicsItemFlag.ItemClipsChildrenToShape, True)
    label.opts["justify"] = "left"

    def update_min() -> None:
        update()
        label.setMinimumWidth(0)
        label._sizeHint[Qt.SizeHint.MinimumSize] = (0, label._sizeHint[Qt.SizeHint.MinimumSize][1])

    label.updateMin = update_min
    label.updateMin()


def _alpha(colour: str, alpha: int):
    """`colour` at `alpha` of 255 over white, opaque: 32 translucent curves took most of
    the view's paint (alpha blending)."""
    c = pg.mkColor(colour)
    a = alpha / 255
    return pg.mkColor(*(round(a * v + (1 - a) * 255) for v in (c.red(), c.green(), c.blue())))


def _model_norms(model, params, x, target, delay):
    """The worker's job for a Model: its gradient's norms per layer and unit, and the
    itemised flow through time (gradflow_model) on the run's data or a sample of it."""
    _, grad = layer_maths.model_gradient(model, params, x, target, delay)
    layers = layer_maths.of_model(model, params)
    data = model_data.time_major(x, target)
    origins = 1 if data.seq_to_one else data.steps
    data = model_data.within(data, origins, FLOW_STEP_BUDGET)
    need = gradflow_model.work_bytes(model, data.steps, data.sequences, origins, False)
    flow = None
    if need <= MAX_BYTES:
        flow = gradflow_model.analyse(model, params, None, None, delay, data=data)
    return {
        "flow": flow,
        "need": need,
        "model": True,
        "norm": float(np.linalg.norm(grad)),
        "layer_norms": layer_maths.layer_norms(layers, grad),
        "unit_norms": np.concatenate(layer_maths.unit_norms(layers, grad)),
        "hidden": layers.hidden,
        "names": layers.group_names,
    }


def _analyse(params, x, target, delay):
    """The worker's job: what the view draws from one model (numpy only)."""
    flow = gradflow.analyse(params, x, target, delay)
    n = flow.G.shape[0]
    G = flow.G.reshape(n, n, -1, 4, 3)
    per_gate = np.stack([gradflow.lag_magnitude(G[:, :, :, g, :]) for g in range(4)])
    magnitude = per_gate.sum(axis=0)
    grad = flow.G.sum(axis=(0, 1)).reshape(-1, UNIT.size)
    layers = layer_maths.of_params(params)
    return {
        "abs": np.abs(G).sum(axis=(2, 3, 4)),                     # (t, s)
        "per_gate": per_gate,                                     # (4, n) by lag
        "horizon": gradflow.horizon_of(magnitude),
        "grad": grad,                                             # (units, 12)
        "layer_norms": layer_maths.layer_norms(layers, grad),     # (layers,)
        "unit_norms": np.concatenate(layer_maths.unit_norms(layers, grad)),   # (rows,)
        "hidden": layers.hidden,
    }


class GradientView(View):
    name = "gradientView"
    title = "Gradient flow"
    area = Qt.DockWidgetArea.RightDockWidgetArea
    shown_by_default = False

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setObjectName("gradientPlots")
        self.graphics.setMinimumSize(300, 300)
        g = self.graphics
        # Whole steps, as many as fit: at the smallest window pyqtgraph's own ticks printed
        # "20 40 60 80" as "2040608" under a 60-pixel map.
        self.mapPlot = g.addPlot(row=0, col=0, axisItems={"bottom": StepAxis("bottom"),
                                                          "left": StepAxis("left")})
        # Short enough for a third of the default dock (the formula is in the F1 help).
        # Short titles: three plots share a row of the default dock (~180 px each at 595 px),
        # and longer ones were cut ("How much s teach…", "Memory horizon (s…"); two-line
        # titles overlapped the plots.  The long form is each title's tooltip.
        # Shorter forms, longest first, for narrower plots (the smallest window cut "How …");
        # 8 pt, so that "How much" and "How far back" still fit a third of 1400 x 900.
        retitle(self.mapPlot, ("How much s teaches t", "How much s → t", "s → t"), size="8pt")
        self.mapPlot.titleLabel.setToolTip("How much the parameters' use at step s (columns) "
                                           "teaches the error at step t (rows): |G[t, s]|")
        # Log axes labelled at 1, 2 and 5 of a decade: every minor tick's label overprinted
        # its neighbours in a plot 110 px high (0.002 0.0021 0.0022 ...).
        # Steps and epochs are whole: StepAxis names as many as fit (three plots a row).
        self.lagPlot = g.addPlot(row=0, col=1, axisItems={"left": LogAxis("left"),
                                                          "bottom": StepAxis("bottom")})
        self.lagPlot.titleLabel.setToolTip("How far back it learns: the gradient by distance "
                                           "t − s (lag), per gate, and the cursor's row t")
        retitle(self.lagPlot, ("How far back: by lag t − s", "By lag t − s", "By lag"), size="8pt")
        self.horizonPlot = g.addPlot(row=0, col=2, axisItems={"bottom": StepAxis("bottom")})
        retitle(self.horizonPlot, ("Horizon (90 %)", "Horizon", "Horiz."), size="9pt")
        self.horizonPlot.titleLabel.setToolTip("Memory horizon: the lag within which 90 % of "
                                               "the gradient's magnitude arrives (steps back)")
        # Two rows, not three: in the window's default dock (about 330 px high) a third row
        # left each plot 90 px, too little for a log axis's labels.
        self.normsPlot = g.addPlot(row=1, col=0, colspan=2, axisItems={
            "left": LogAxis("left"), "bottom": StepAxis("bottom")})
        self.normsPlot.titleLabel.setToolTip("The gradient's size per layer (and per hidden "
                                             "unit, thin) over the epochs: ‖dE/dθ‖")
        retitle(self.normsPlot, "‖dE/dθ‖ per layer", size="9pt")
        self.normsPlot.setObjectName("gradientNorms")
        self.paramPlot = g.addPlot(row=1, col=2, axisItems={"left": LogAxis("left"),
                                                            "bottom": StepAxis("bottom")})
        retitle(self.paramPlot, "|dE/dp|", size="9pt")
        for plot in (self.mapPlot, self.lagPlot, self.horizonPlot, self.paramPlot, self.normsPlot):
            _title_may_shrink(plot)
            plot.hideButtons()
            for axis in ("left", "bottom"):
                plot.getAxis(axis).enableAutoSIPrefix(False)
        # Steady ranges: an axis whose range moves at every result is redrawn (the view's
        # paint took 70-130 ms of CPU a result with auto-range on its plots).
        self.steady = {plot: SteadyRange(plot.getViewBox())
                       for plot in (self.lagPlot, self.horizonPlot, self.paramPlot, self.normsPlot)}
        fit_axis_label(self.mapPlot, "bottom", ("step s (where used)", "step s", "s"))
        fit_axis_label(self.mapPlot, "left", ("error at step t", "error at t", "t"))
        self.image = pg.ImageItem(axisOrder="col-major")
        self.mapPlot.addItem(self.image)
        self.mapPlot.getViewBox().setMouseEnabled(False, False)
        self.bar = pg.ColorBarItem(colorMap=pg.colormap.get("inferno"), interactive=False,
                                   width=10, label="log10 size")
        self.bar.setImageItem(self.image, insert_in=self.mapPlot)
        labels_with_room(self.bar.axis)
        self.cursorLine = pg.InfiniteLine(angle=0, pen=pg.mkPen("#00c0ff", width=1))
        self.mapPlot.addItem(self.cursorLine, ignoreBounds=True)

        self.lagPlot.setLogMode(y=True)
        # Short: at the smallest window "steps back, t − s (lag)" ran into the horizon's
        # "epoch" beside it (the title and its tooltip say what a lag is).
        self.lagPlot.setLabel("bottom", "lag t − s")
        self.gates: tuple = ()
        self.gateCurves: list = []
        self._set_gates(GATES)
        self.rowCurve = self.lagPlot.plot(pen=pg.mkPen("#00a0e0", width=1, style=Qt.PenStyle.DashLine),
                                          name="row t")
        self.horizonLine = pg.InfiniteLine(angle=90, pen=pg.mkPen("#555555", style=Qt.PenStyle.DotLine))
        self.lagPlot.addItem(self.horizonLine, ignoreBounds=True)

        self.horizonPlot.setLabel("bottom", "epoch")
        self.horizonPlot.setLabel("left", "steps back")
        # Sampled once per analysed frame, often far apart (epochs 0 and 3 000 when training
        # ran between two frames): markers only, no line drawn as if it were data between them.
        self.horizonCurve = self.horizonPlot.plot(pen=None, symbol="o", symbolSize=6,
                                                  symbolBrush="#000000", symbolPen=None)

        self.paramPlot.setLogMode(y=True)
        self.paramPlot.setLabel("bottom", "epoch")
        self.paramCurves = [self.paramPlot.plot(pen=param_pen(k), symbol="o", symbolSize=4,
                                                symbolPen=None, symbolBrush=param_pen(k).color())
                            for k in range(Model().size)]   # the unit's; a model shows gradientNorms
        # Twelve names would cover the curves inside the plot: the legend gets a row of its own.
        self.paramLegend = pg.LegendItem(colCount=4, labelTextSize="8pt", verSpacing=-6)
        for name, curve in zip(Model().names(), self.paramCurves):
            self.paramLegend.addItem(curve, name)
        g.addItem(self.paramLegend, row=2, col=0, colspan=2)
        self.clipLine = pg.InfiniteLine(angle=0, pen=pg.mkPen("#b00020", style=Qt.PenStyle.DashLine))
        self.paramPlot.addItem(self.clipLine, ignoreBounds=True)

        self.normsPlot.setLogMode(y=True)
        self.normsPlot.setLabel("bottom", "epoch")
        self.normsPlot.setLabel("left", "‖dE/dθ‖ (log)")
        self.layerCurves: list = []     # one per layer, thick
        self.unitCurves: list = []      # one per hidden unit of a layer of H > 1, thin
        self.unit = 0                   # the unit (of a chain) whose parameters are drawn

        self.quantityCombo = QtWidgets.QComboBox(objectName="gradientQuantity")
        self.quantityCombo.addItem("gradient |dE/dp|", "grad")
        self.quantityCombo.addItem("update |Δp| per epoch", "update")
        self.quantityCombo.setToolTip("Per parameter over epochs: the size of the gradient (at "
                                      "each frame), or of the step the optimizer took (from "
                                      "the history)")
        self.summary = QtWidgets.QLabel(objectName="gradientSummary", wordWrap=True)
        row = QtWidgets.QHBoxLayout()
        row.setContentsMargins(4, 2, 4, 0)
        row.addWidget(self.summary, 1)
        row.addWidget(self.quantityCombo)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.graphics, 1)

        key = f"{self.name}/quantity"
        if ctx.settings is not None:
            i = self.quantityCombo.findData(str(ctx.settings.value(key, "grad")))
            self.quantityCombo.setCurrentIndex(max(i, 0))
        self.quantityCombo.currentIndexChanged.connect(self._on_quantity)

        self.worker = LatestJobWorker(self)
        self.results_drawn = 0     # the worker's results shown so far (tests wait on it)
        self.worker.done.connect(self._on_done)
        self.worker.failed.connect(lambda text: self.ctx.message(f"Gradient flow: {text}"))
        ctx.cursor.changed.connect(self._on_cursor)
        self.result = None
        self._snap = None
        self._requested = None
        # Sampled per analysed frame: the memory horizon (markers).  The gradient's norms are
        # the run's record (snap.grad_norms), plus the latest analysed frame's row when it is
        # newer: gathered from the frames, they were 2-3 points in 15 s joined by lines.
        self._series = {"epoch": [], "horizon": []}
        self._series_key = None
        self._recorded = None          # core.training.grad_norms.GradNormsView of the snapshot
        self._latest: dict | None = None
        self._norms_drawn = None       # what the norm curves show (skip an unchanged redraw)
        self._group_names: dict = {}   # Model -> its layers' names
        self._model_layout = False

    # ------------------------------------------------------------ snapshots

    def _training(self) -> bool:
        trainer = getattr(self.ctx.trainer, "trainer", self.ctx.trainer)
        return bool(getattr(trainer, "is_training", False))

    @staticmethod
    def _key(snap) -> tuple:
        """What makes a run's series another's: a run replaced or its settings changed."""
        cfg = snap.config
        return (cfg.task, cfg.units, cfg.seed, getattr(snap, "model", None), cfg.param_shape)

    def show_snapshot(self, snap) -> None:
        self._snap = snap
        self._recorded = getattr(snap, "grad_norms", None)
        latest = self._latest
        if latest is not None and (latest["key"] != self._key(snap) or latest["epoch"] > snap.epoch):
            self._latest = None
        self._draw_recorded(snap)
        if self.quantityCombo.currentData() == "update":
            self._draw_params()
        request = (snap.revision, snap.epoch)
        if request == self._requested:
            return
        self._requested = request
        model = getattr(snap, "model", None)
        if model is not None:
            job = (model, snap.params.copy(), snap.x, snap.target, snap.config.delay)
            self.worker.submit(lambda: (snap, _model_norms(*job)), urgent=not self._training())
            if self._series_key != self._key(snap):
                # Until the model's first result: its layout (no empty plots with the unit's
                # legend of parameters) and its recorded norms, and say what is coming.
                self._set_layout("flow")
                self.quantityCombo.setVisible(False)
                self.summary.setText("Computing the gradient flow…")
            return
        need = gradflow.nbytes(len(snap.x), snap.params.size)
        if need > MAX_BYTES:
            self.summary.setText(f"Too long to itemise: G would take {need / 1e6:,.0f} MB "
                                 f"(limit {MAX_BYTES / 1e6:,.0f} MB); shorten the sequence or "
                                 "use fewer units.")
            return
        args = (snap.params.copy(), snap.x, snap.target, snap.config.delay)
        self.worker.submit(lambda: (snap, _analyse(*args)), urgent=not self._training())
        if self.result is None or self._series_key != self._key(snap):
            # Until the first result of this run (not another run's summary meanwhile).
            self.summary.setText("Computing the gradient flow…")

    def _on_done(self, result) -> None:
        """The worker's result, drawn as a part of the window's frames (frames.py): drawn
        here, it took the GUI thread at moments no frame budget covered."""
        self.draw_when_due(lambda: self._on_result(result))

    def _on_result(self, result) -> None:
        snap, r = result
        if r.get("model"):
            self._on_model_result(snap, r)
            return
        self._set_layout(False)
        self.quantityCombo.setVisible(True)
        self._set_gates(GATES)
        self.result = r
        self.results_drawn += 1
        self._record(snap, r)
        self._draw_flow(r)
        self._draw_params()
        self._summarise(snap, r)

    def _set_gates(self, gates) -> None:
        """One lag-profile curve per gate of the family shown (f, i, C~, o or r, z, n)."""
        gates = tuple(gates)
        if gates == self.gates:
            return
        for curve in self.gateCurves:
            self.lagPlot.removeItem(curve)
        self.gates = gates
        self.gateCurves = [self.lagPlot.plot(pen=pg.mkPen(LAG_COLOURS[k], width=2), name=GATE_NAMES[k])
                           for k in gates]

    def _draw_flow(self, r) -> None:
        """The heat map, the lag profile and its horizon line from a result's
        abs (n, n), per_gate (gates, n) and horizon."""
        n = r["abs"].shape[0]
        a = r["abs"]
        top = float(a.max())
        floor = top * 10.0 ** -DECADES if top > 0 else 1e-300
        z = np.log10(np.maximum(a, floor)).T                       # (s, t): x = s, y = t
        self.image.setImage(z, autoLevels=False)
        self.image.setRect(QtCore.QRectF(-0.5, -0.5, n, n))
        lo = np.log10(floor)
        self.bar.setLevels((lo, max(np.log10(top) if top > 0 else lo + 1, lo + 1e-9)))
        self.mapPlot.setRange(xRange=(-0.5, n - 0.5), yRange=(-0.5, n - 0.5), padding=0)
        lags = np.arange(n)
        for curve, values in zip(self.gateCurves, r["per_gate"]):
            keep = values > 0
            curve.setData(lags[keep], values[keep])
        self.horizonLine.setValue(r["horizon"])
        # The profile falls by tens of decades over a long sequence; show the top DECADES.
        peak = float(r["per_gate"].max())
        if peak > 0:
            self.steady[self.lagPlot].fit(y=(np.log10(peak) - DECADES, np.log10(peak)),
                                          margin=(0.0, 0.03), fill=0.8)
        self.steady[self.lagPlot].fit(x=(0, max(n - 1, 1)), margin=0.02, fill=0.9)
        self._on_cursor(self.ctx.cursor.t)

    def _set_layout(self, model) -> None:
        """False: the unit's five plots.  "flow": a Model's heat map, lags and horizon above
        its gradientNorms across the width (no per-parameter plot: hundreds of curves).
        True: gradientNorms alone (a Model too long to itemise; empty plots also cost 30 ms
        a repaint)."""
        if model == self._model_layout:
            return
        ci = self.graphics.ci
        flow = (self.mapPlot, self.lagPlot, self.horizonPlot)
        for item in flow + (self.paramPlot, self.normsPlot, self.paramLegend):
            if item in ci.items:
                ci.removeItem(item)
        for item in flow:
            item.setVisible(model is not True)
        self.paramPlot.setVisible(model is False)
        self.paramLegend.setVisible(model is False)
        if model is True:
            ci.addItem(self.normsPlot, row=0, col=0, rowspan=2, colspan=3)
        else:
            ci.addItem(self.mapPlot, row=0, col=0)
            ci.addItem(self.lagPlot, row=0, col=1)
            if model is False:
                ci.addItem(self.horizonPlot, row=0, col=2)
                ci.addItem(self.normsPlot, row=1, col=0, colspan=2)
                ci.addItem(self.paramPlot, row=1, col=2)
                ci.addItem(self.paramLegend, row=2, col=0, colspan=2)
            else:
                # Two by two: in the window's default dock (about 580 px) three plots a row
                # left the heat map 190 px and cut its title to "How much the e".
                ci.addItem(self.horizonPlot, row=1, col=0)
                ci.addItem(self.normsPlot, row=1, col=1)
        self._model_layout = model

    def _on_model_result(self, snap, r) -> None:
        """A Model: the itemised flow (heat map, lags per gate, horizon) and gradientNorms."""
        flow = r["flow"]
        self._set_layout("flow" if flow is not None else True)
        self.quantityCombo.setVisible(False)
        self.results_drawn += 1
        key = self._key(snap)
        s = self._series
        if key != self._series_key or (s["epoch"] and snap.epoch < s["epoch"][-1]):
            for name in s:
                s[name] = []
            self._series_key = key
            self.image.clear()
            for curve in self.gateCurves + [self.rowCurve, self.horizonCurve] + self.paramCurves:
                curve.setData([], [])
        if s["epoch"] and snap.epoch == s["epoch"][-1]:
            for name in s:
                s[name].pop()
        s["epoch"].append(snap.epoch)
        s["horizon"].append(flow.horizon if flow is not None else np.nan)
        if len(s["epoch"]) > MAX_POINTS:
            for name in s:
                s[name] = s[name][::2]
        self._latest = {"key": key, "epoch": snap.epoch, "layers": r["layer_norms"],
                        "units": r["unit_norms"], "params": None}
        self._draw_norms(r["hidden"], r["names"])
        if flow is not None:
            self._set_gates(tuple(flow.per_gate))
            self.result = {"abs": flow.abs_map, "per_gate": np.array(list(flow.per_gate.values())),
                           "horizon": flow.horizon}
            self._draw_flow(self.result)
            horizons = np.array(s["horizon"], dtype=float)
            keep = np.isfinite(horizons)
            self.horizonCurve.setData(np.array(s["epoch"])[keep], horizons[keep])
        else:
            self.result = None
        per = r["layer_norms"]
        spread = ""
        if len(per) > 1 and per.min() > 0 and per.max() / per.min() >= 2:
            lo, hi = int(per.argmin()), int(per.argmax())
            spread = (f"; {r['names'][lo]} gets <b>{per[hi] / per[lo]:,.0f}×</b> less gradient "
                      f"than {r['names'][hi]}")
        if flow is None:
            about = (f"  Too long to itemise through time: it would take {r['need'] / 1e6:,.0f} MB "
                     f"(limit {MAX_BYTES / 1e6:,.0f} MB); shorten the sequences.")
        else:
            about = f"; memory horizon <b>{flow.horizon}</b> steps (gates; |t − s|)"
            if flow.note:
                about += f", itemised {flow.note}"
        self.summary.setText(f"epoch {snap.epoch:,}: ‖∇E‖ = {r['norm']:.3g}{spread}{about}")

    def _record(self, snap, r) -> None:
        """The view's own series over epochs; a run replaced or reset starts them over."""
        key = self._key(snap)
        s = self._series
        if key != self._series_key or (s["epoch"] and snap.epoch < s["epoch"][-1]):
            for name in s:
                s[name] = []
            self._series_key = key
        if s["epoch"] and snap.epoch == s["epoch"][-1]:
            for name in s:
                s[name].pop()
        s["epoch"].append(snap.epoch)
        s["horizon"].append(r["horizon"])
        if len(s["epoch"]) > MAX_POINTS:
            keep = slice(None, None, 2)
            for name in s:
                s[name] = s[name][keep]
        self.horizonCurve.setData(s["epoch"], s["horizon"])
        # Per unit of a chain, not summed: summing hid the chain lesson's 300x (issue 21).
        self._latest = {"key": key, "epoch": snap.epoch, "layers": r["layer_norms"],
                        "units": r["unit_norms"], "params": np.abs(r["grad"])}
        self._draw_norms(r["hidden"])

    def _norm_rows(self):
        """(epochs (N,), layers (N, G), units (N, G * H) or None, params (N, units, 12) or
        None): the run's record (one row per recorded epoch), then the latest analysed
        frame's row when it is of a later epoch (the record's rows come at a pace)."""
        rec, latest = self._recorded, self._latest
        if rec is None:
            if latest is None:
                return np.zeros(0), np.zeros((0, 0)), None, None
            rec_epochs = np.zeros(0, dtype=np.int64)
            layers = np.zeros((0, len(latest["layers"])))
            units = np.zeros((0, len(latest["units"])))
            params = None if latest["params"] is None else np.zeros((0,) + latest["params"].shape)
        else:
            rec_epochs, layers = rec.epochs, rec.layers
            units = rec.units if rec.units is not None else rec.layers
            params = rec.params
        epochs = rec_epochs.astype(float)
        if latest is not None and (not len(rec_epochs) or latest["epoch"] > rec_epochs[-1]) \
                and layers.shape[1] == len(latest["layers"]):
            epochs = np.append(epochs, latest["epoch"])
            layers = np.vstack([layers, latest["layers"]])
            if units.shape[1] == len(latest["units"]):
                units = np.vstack([units, latest["units"]])
            if params is not None and latest["params"] is not None:
                params = np.concatenate([params, latest["params"][None]])
        return epochs, layers, units, params

    def _drawn_signature(self, snap) -> tuple:
        rec = self._recorded
        return (None if snap is None else self._key(snap),
                0 if rec is None else len(rec.epochs),
                int(rec.epochs[-1]) if rec is not None and len(rec.epochs) else -1,
                None if self._latest is None else self._latest["epoch"])

    def _draw_recorded(self, snap) -> None:
        """A snapshot's record drawn at once (a dock shown late draws the whole run), when it
        changed since the curves were drawn."""
        rec = self._recorded
        if rec is None:
            return
        if self._drawn_signature(snap) == self._norms_drawn:
            return
        model = getattr(snap, "model", None)
        if model is None:
            self._draw_norms((1,) * rec.layers.shape[1])
            if self.quantityCombo.currentData() == "grad":
                self._draw_params()
            return
        names = self._group_names.get(model)
        if names is None:
            if len(self._group_names) > 8:
                self._group_names.clear()
            names = self._group_names[model] = layer_maths.of_model(
                model, np.zeros(model.size)).group_names
        self._draw_norms((model.hidden,) * rec.layers.shape[1], names)

    def _draw_norms(self, hidden, names=None) -> None:
        """gradientNorms: one thick curve per layer, a thin one per unit of a wide layer,
        a point per recorded epoch (:meth:`_norm_rows`)."""
        layers = len(hidden)
        wide = [k for k, h in enumerate(hidden) if h > 1]
        rows = sum(hidden[k] for k in wide)
        if len(self.layerCurves) != layers or len(self.unitCurves) != rows:
            for curve in self.layerCurves + self.unitCurves:
                self.normsPlot.removeItem(curve)
            self.unitCurves = []
            for k in wide:
                colour = palette.layer_colour(k, layers)
                for _ in range(hidden[k]):
                    self.unitCurves.append(self.normsPlot.plot(pen=pg.mkPen(_alpha(colour, 90), width=1)))
            self.layerCurves = [
                self.normsPlot.plot(pen=pg.mkPen(palette.layer_colour(k, layers), width=2,
                                                 style=LAYER_STYLES[k % len(LAYER_STYLES)]))
                for k in range(layers)]
            unit_word = "unit" if all(h == 1 for h in hidden) else "layer"
            labels = names or [f"{unit_word} {k + 1}" for k in range(layers)]
            legend = " ".join(
                f"<span style='color:{palette.layer_colour(k, layers)}'>{labels[k]}</span>"
                for k in range(layers))
            thin = "; thin: units" if wide else ""
            retitle(self.normsPlot, (f"‖dE/dθ‖ of {legend}{thin}", f"‖dE/dθ‖ of {legend}",
                                     f"‖dE/dθ‖ {legend}", "‖dE/dθ‖"), size="9pt")
            self.normsPlot.titleLabel.setMinimumWidth(0)
        epochs, norms, units, _ = self._norm_rows()
        if norms.shape[1] != layers:
            return
        if len(epochs) > MAX_DRAWN:
            pick = np.unique(np.linspace(0, len(epochs) - 1, MAX_DRAWN).round().astype(np.int64))
            epochs, norms = epochs[pick], norms[pick]
            units = None if units is None else units[pick]
        self._norms_drawn = self._drawn_signature(self._snap)
        for k, curve in enumerate(self.layerCurves):
            keep = norms[:, k] > 0
            set_curve(curve, epochs[keep], norms[keep, k])      # a dot for the first epoch
        if self.unitCurves and units is not None:
            starts = np.cumsum((0,) + tuple(hidden))
            columns = [c for k in wide for c in range(starts[k], starts[k + 1])]
            for curve, c in zip(self.unitCurves, columns):
                keep = units[:, c] > 0
                curve.setData(epochs[keep], units[keep, c])
        if len(epochs):
            steady = self.steady[self.normsPlot]
            self._fit_epochs(self.normsPlot, float(epochs[0]), float(epochs[-1]))
            every = [norms] + ([units] if self.unitCurves and units is not None else [])
            steady.fit(y=data_bounds(*every, log=True), margin=0.05, min_span=1.0)
        s = self._series
        if s["epoch"]:
            horizons = np.asarray(s["horizon"], dtype=float)
            self._fit_epochs(self.horizonPlot, float(s["epoch"][0]), float(s["epoch"][-1]))
            self.steady[self.horizonPlot].fit(y=data_bounds(horizons), margin=0.15, min_span=2.0)

    def _fit_epochs(self, plot, first: float, last: float) -> None:
        """`plot`'s epoch axis for epochs first..last: room above for the next ones; a single
        epoch (the start of training) in the middle of a range of its own, named (it sat at
        the left edge of epochs 500-515, named only at the right)."""
        axis = plot.getAxis("bottom")
        single = not last > first
        if single:
            half = max(2.0, 0.1 * abs(first))
            self.steady[plot].fit(x=(first - half, first + half), margin=0.0, fill=1.0)
            ticks = [[(first, str(int(round(first))))]]
        else:
            self.steady[plot].fit(x=(first, last), margin=(0.02, 0.15))
            ticks = None
        if getattr(axis, "_single_ticks", None) != ticks:
            axis._single_ticks = ticks
            axis.setTicks(ticks)        # None: StepAxis's own steps again

    def layer_norms(self) -> np.ndarray:
        """(epochs, layers): the norms drawn in gradientNorms (tests read them)."""
        return np.array([curve.getOriginalDataset()[1] for curve in self.layerCurves]).T

    def _summarise(self, snap, r) -> None:
        norm = float(np.linalg.norm(r["grad"]))
        per = r["layer_norms"]
        spread = ""
        if len(per) > 1 and per.min() > 0:
            word = "unit" if all(h == 1 for h in r["hidden"]) else "layer"
            lo, hi = int(per.argmin()), int(per.argmax())
            spread = (f"; {word} {lo + 1} gets <b>{per[hi] / per[lo]:,.0f}×</b> less gradient "
                      f"than {word} {hi + 1}" if per[hi] / per[lo] >= 2 else "")
        clip = snap.config.clip
        if clip is None:
            clipping = "no clipping"
        elif norm > clip:
            clipping = f"<b>clipping active</b> (limit {clip:g})"
        else:
            clipping = f"clip limit {clip:g} not reached"
        units = np.linalg.norm(r["grad"], axis=1) if np.ndim(r["grad"]) == 2 else ()
        per_unit = ("<br>per unit " + ", ".join(f"{u + 1}: {g:.2g}" for u, g in enumerate(units))
                    if len(units) > 1 else "")
        self.summary.setText(f"epoch {snap.epoch:,}: memory horizon <b>{r['horizon']}</b> steps; "
                             f"‖∇E‖ = {norm:.3g}{per_unit}, {clipping}{spread}")

    def _on_cursor(self, t: int) -> None:
        r = self.result
        if r is None:
            return
        n = r["abs"].shape[0]
        t = min(max(int(t), 0), n - 1)
        self.cursorLine.setValue(t)
        row = r["abs"][t, t::-1]                                  # lag 0 .. t
        keep = row > 0
        self.rowCurve.setData(np.arange(t + 1)[keep], row[keep])
        # The legend is the title: in the plot, a legend always covered some curve.
        gates = " ".join(f"<span style='color:{LAG_COLOURS[k]}'>{GATE_NAMES[k]}</span>"
                         for k in self.gates)
        at = f"<span style='color:#00a0e0'>t = {t}</span>"
        # The step t it is drawn for outlasts "How far back" (the axis says lag t - s): the
        # profile follows the time cursor, and at a third of the window only t said which.
        retitle(self.lagPlot, (f"How far back: {gates}; {at}", f"{gates}; {at}", f"How far back: {gates}",
                               gates), size="8pt")
        self.lagPlot.titleLabel.setMinimumWidth(0)

    def reset_view_options(self) -> None:
        """Back to the default quantity (a lesson set up starts from the defaults)."""
        self.quantityCombo.setCurrentIndex(self.quantityCombo.findData("grad"))

    def _on_quantity(self, *_) -> None:
        if self.ctx.settings is not None:
            self.ctx.settings.setValue(f"{self.name}/quantity", self.quantityCombo.currentData())
        self._draw_params()

    def _draw_params(self) -> None:
        if getattr(self._snap, "model", None) is not None:
            return          # a Model has no per-parameter plot (hundreds of curves)
        if self.quantityCombo.currentData() == "update":
            retitle(self.paramPlot, (f"|Δp| per epoch{self._of_unit()}", "|Δp| per epoch", "|Δp|"),
                    size="9pt")
            self.paramPlot.titleLabel.setToolTip("The step the optimizer took per epoch, per "
                                                 "parameter (|Δp|, from the history)")
            self.clipLine.setVisible(False)
            snap = self._snap
            if snap is None or len(snap.history.epochs) < 2:
                return
            epochs = snap.history.epochs
            p = snap.history.params.reshape(len(epochs), -1, UNIT.size)
            u = min(self.unit, p.shape[1] - 1)
            step = np.abs(np.diff(p[:, u], axis=0)) / np.diff(epochs)[:, None]
            for k, curve in enumerate(self.paramCurves):
                keep = step[:, k] > 0
                curve.setData(epochs[1:][keep], step[keep, k])
        else:
            retitle(self.paramPlot, (f"|dE/dp|{self._of_unit()}", "|dE/dp|"), size="9pt")
            self.paramPlot.titleLabel.setToolTip("The gradient's size per parameter (|dE/dp|)")
            epochs, _, _, grads = self._norm_rows()
            if grads is None or not len(epochs):
                return
            grads = grads[:, min(self.unit, grads.shape[1] - 1)]
            for k, curve in enumerate(self.paramCurves):
                keep = grads[:, k] > 0
                curve.setData(epochs[keep], grads[keep, k])
            clip = self._snap.config.clip if self._snap is not None else None
            self.clipLine.setVisible(clip is not None)
            if clip is not None:
                self.clipLine.setValue(np.log10(clip))
        self.paramPlot.titleLabel.setMinimumWidth(0)
        xs = [c.xData for c in self.paramCurves if c.xData is not None and len(c.xData)]
        ys = [c.yData for c in self.paramCurves if c.yData is not None and len(c.yData)]
        if xs:
            steady = self.steady[self.paramPlot]
            steady.fit(x=data_bounds(*xs), margin=(0.02, 0.15))
            steady.fit(y=data_bounds(*ys, log=True), margin=0.05, min_span=1.0)

    def _of_unit(self) -> str:
        snap = self._snap
        units = snap.params.shape[0] if snap is not None else 1
        return f" of unit {min(self.unit, units - 1) + 1}" if units > 1 else ""

    def show_unit(self, unit: int) -> None:
        """Draw the parameters of chain unit `unit` (the panel's "Show unit")."""
        self.unit = max(0, int(unit))
        self._draw_params()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        watch_window_close(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QtCore.QEvent.Type.Close:
            self.worker.stop()
        return False
