"""Gradient flow through time, live: from how far back the unit learns.

Top left, |G[t, s]| (summed over the parameters): how much the error at step t (rows) teaches
the parameters through their use at step s (columns); nothing above s = t.  Top right, the
same by lag t - s for each gate: a plain RNN's falls off steeply, an LSTM's forget gate can
keep it up.  Below, over epochs: the memory horizon (the lag within which 90 % of the
gradient's magnitude arrives) and, per parameter, the gradient's size or the update's.
The row of the time cursor is marked and drawn on its own in the lag profile.
"""
from __future__ import annotations

import numpy as np

from ...core.analysis import gradflow
from ..plots import GATE_COLOURS, param_pen
from ..qt import Qt, QtCore, QtWidgets, pg
from .background import LatestJobWorker, watch_window_close
from .base import View

GATES = ("f", "i", "C", "o")
GATE_NAMES = {"f": "f", "i": "i", "C": "C~", "o": "o"}
DECADES = 8            # the heat map shows this many decades below its largest entry
MAX_POINTS = 2000      # per series over epochs: every other point dropped beyond this
MAX_BYTES = 200e6      # G of n = 1000 and one unit is 96 MB; a longer run is not itemised


def _analyse(params, x, target, delay):
    """The worker's job: what the view draws from one model (numpy only)."""
    flow = gradflow.analyse(params, x, target, delay)
    n = flow.G.shape[0]
    G = flow.G.reshape(n, n, -1, 4, 3)
    per_gate = np.stack([gradflow.lag_magnitude(G[:, :, :, g, :]) for g in range(4)])
    magnitude = per_gate.sum(axis=0)
    return {
        "abs": np.abs(G).sum(axis=(2, 3, 4)),                     # (t, s)
        "per_gate": per_gate,                                     # (4, n) by lag
        "horizon": gradflow.horizon_of(magnitude),
        "grad": flow.G.sum(axis=(0, 1)).reshape(-1, 12),          # (units, 12)
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
        self.mapPlot = g.addPlot(row=0, col=0, title="How much the error at t learns from step s (|dE_t/dθ at step s|)")
        self.lagPlot = g.addPlot(row=0, col=1, title="How far back it learns: by distance t − s (lag), per gate")
        self.horizonPlot = g.addPlot(row=1, col=0, title="Memory horizon: steps back holding 90 % of it")
        self.paramPlot = g.addPlot(row=1, col=1, title="Gradient size per parameter (|dE/dp|)")
        for plot in (self.mapPlot, self.lagPlot, self.horizonPlot, self.paramPlot):
            plot.titleLabel.setMinimumWidth(0)
            plot.hideButtons()
            for axis in ("left", "bottom"):
                plot.getAxis(axis).enableAutoSIPrefix(False)
        self.mapPlot.setLabel("bottom", "step s (where a parameter was used)")
        self.mapPlot.setLabel("left", "error at step t")
        self.image = pg.ImageItem(axisOrder="col-major")
        self.mapPlot.addItem(self.image)
        self.mapPlot.getViewBox().setMouseEnabled(False, False)
        self.bar = pg.ColorBarItem(colorMap=pg.colormap.get("inferno"), interactive=False,
                                   width=10, label="log10 size")
        self.bar.setImageItem(self.image, insert_in=self.mapPlot)
        self.cursorLine = pg.InfiniteLine(angle=0, pen=pg.mkPen("#00c0ff", width=1))
        self.mapPlot.addItem(self.cursorLine, ignoreBounds=True)

        self.lagPlot.setLogMode(y=True)
        self.lagPlot.setLabel("bottom", "steps back, t − s (lag)")
        self.gateCurves = [self.lagPlot.plot(pen=pg.mkPen(GATE_COLOURS[k], width=2), name=GATE_NAMES[k])
                           for k in GATES]
        self.rowCurve = self.lagPlot.plot(pen=pg.mkPen("#00a0e0", width=1, style=Qt.PenStyle.DashLine),
                                          name="row t")
        self.horizonLine = pg.InfiniteLine(angle=90, pen=pg.mkPen("#555555", style=Qt.PenStyle.DotLine))
        self.lagPlot.addItem(self.horizonLine, ignoreBounds=True)

        self.horizonPlot.setLabel("bottom", "epoch")
        self.horizonPlot.setLabel("left", "steps back")
        self.horizonCurve = self.horizonPlot.plot(pen=pg.mkPen("#000000", width=2),
                                                  symbol="o", symbolSize=3)

        self.paramPlot.setLogMode(y=True)
        self.paramPlot.setLabel("bottom", "epoch")
        self.paramCurves = [self.paramPlot.plot(pen=param_pen(k)) for k in range(12)]
        self.clipLine = pg.InfiniteLine(angle=0, pen=pg.mkPen("#b00020", style=Qt.PenStyle.DashLine))
        self.paramPlot.addItem(self.clipLine, ignoreBounds=True)

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
        self.worker.done.connect(self._on_result)
        self.worker.failed.connect(lambda text: self.ctx.message(f"Gradient flow: {text}"))
        ctx.cursor.changed.connect(self._on_cursor)
        self.result = None
        self._snap = None
        self._requested = None
        self._series = {"epoch": [], "horizon": [], "grad": []}
        self._series_key = None

    # ------------------------------------------------------------ snapshots

    def _training(self) -> bool:
        trainer = getattr(self.ctx.trainer, "trainer", self.ctx.trainer)
        return bool(getattr(trainer, "is_training", False))

    def show_snapshot(self, snap) -> None:
        self._snap = snap
        if self.quantityCombo.currentData() == "update":
            self._draw_params()
        request = (snap.revision, snap.epoch)
        if request == self._requested:
            return
        self._requested = request
        need = gradflow.nbytes(len(snap.x), snap.params.size)
        if need > MAX_BYTES:
            self.summary.setText(f"Too long to itemise: G would take {need / 1e6:,.0f} MB "
                                 f"(limit {MAX_BYTES / 1e6:,.0f} MB); shorten the sequence or "
                                 "use fewer units.")
            return
        args = (snap.params.copy(), snap.x, snap.target, snap.config.delay)
        self.worker.submit(lambda: (snap, _analyse(*args)), urgent=not self._training())
        if self.result is None:
            self.summary.setText("Computing the gradient flow…")   # until the first result

    def _on_result(self, result) -> None:
        snap, r = result
        self.result = r
        self.results_drawn += 1
        self._record(snap, r)
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
            self.lagPlot.setYRange(np.log10(peak) - DECADES, np.log10(peak) + 0.2, padding=0)
        self.lagPlot.setXRange(0, n - 1, padding=0.02)
        self._on_cursor(self.ctx.cursor.t)
        self._draw_params()
        self._summarise(snap, r)

    def _record(self, snap, r) -> None:
        """The view's own series over epochs; a run replaced or reset starts them over."""
        key = (snap.config.task, snap.config.units, snap.config.seed)
        s = self._series
        if key != self._series_key or (s["epoch"] and snap.epoch < s["epoch"][-1]):
            s["epoch"], s["horizon"], s["grad"] = [], [], []
            self._series_key = key
        if s["epoch"] and snap.epoch == s["epoch"][-1]:
            s["horizon"][-1], s["grad"][-1] = r["horizon"], np.abs(r["grad"]).sum(axis=0)
        else:
            s["epoch"].append(snap.epoch)
            s["horizon"].append(r["horizon"])
            s["grad"].append(np.abs(r["grad"]).sum(axis=0))     # (12,), units summed
        if len(s["epoch"]) > MAX_POINTS:
            keep = slice(None, None, 2)
            for name in s:
                s[name] = s[name][keep]
        self.horizonCurve.setData(s["epoch"], s["horizon"])

    def _summarise(self, snap, r) -> None:
        norm = float(np.linalg.norm(r["grad"]))
        clip = snap.config.clip
        if clip is None:
            clipping = "no clipping"
        elif norm > clip:
            clipping = f"<b>clipping active</b> (limit {clip:g})"
        else:
            clipping = f"clip limit {clip:g} not reached"
        self.summary.setText(f"epoch {snap.epoch:,}: memory horizon <b>{r['horizon']}</b> steps; "
                             f"‖∇E‖ = {norm:.3g}, {clipping}")

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
        gates = " ".join(f"<span style='color:{GATE_COLOURS[k]}'>{GATE_NAMES[k]}</span>"
                         for k in GATES)
        self.lagPlot.setTitle(f"How far back it learns (lag t − s): {gates}, "
                              f"<span style='color:#00a0e0'>error at row t = {t}</span>",
                              size="9pt")
        self.lagPlot.titleLabel.setMinimumWidth(0)

    def _on_quantity(self, *_) -> None:
        if self.ctx.settings is not None:
            self.ctx.settings.setValue(f"{self.name}/quantity", self.quantityCombo.currentData())
        self._draw_params()

    def _draw_params(self) -> None:
        if self.quantityCombo.currentData() == "update":
            self.paramPlot.setTitle("Step size per epoch, per parameter (|Δp|)")
            self.clipLine.setVisible(False)
            snap = self._snap
            if snap is None or len(snap.history.epochs) < 2:
                return
            epochs = snap.history.epochs
            p = snap.history.params.reshape(len(epochs), -1, 12)
            step = np.abs(np.diff(p, axis=0)).sum(axis=1) / np.diff(epochs)[:, None]
            for k, curve in enumerate(self.paramCurves):
                keep = step[:, k] > 0
                curve.setData(epochs[1:][keep], step[keep, k])
        else:
            self.paramPlot.setTitle("Gradient size per parameter (|dE/dp|)")
            s = self._series
            if not s["epoch"]:
                return
            grads = np.array(s["grad"])
            epochs = np.array(s["epoch"])
            for k, curve in enumerate(self.paramCurves):
                keep = grads[:, k] > 0
                curve.setData(epochs[keep], grads[keep, k])
            clip = self._snap.config.clip if self._snap is not None else None
            self.clipLine.setVisible(clip is not None)
            if clip is not None:
                self.clipLine.setValue(np.log10(clip))
        self.paramPlot.titleLabel.setMinimumWidth(0)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        watch_window_close(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QtCore.QEvent.Type.Close:
            self.worker.stop()
        return False
