"""Training history in bounded memory: MSE and every parameter, per epoch.

The last ``recent`` epochs are kept at full resolution in a ring buffer; the whole run is
kept thinned evenly (the first epoch and every s-th, s doubling whenever the store fills).
Memory is therefore fixed by the two capacities, whatever the run's length.
"""
from __future__ import annotations

import csv
import io

import numpy as np

from ..models import UNIT, Model


def column_names(units: int) -> list[str]:
    """CSV columns: epoch, MSE, then the chain's parameter names (the unit's, prefixed u2.,
    u3., ... for the units after the first)."""
    return ["epoch", "MSE", *Model(layers=units).names()]


class History:
    """Append one row per epoch; read back merged, sorted arrays."""

    def __init__(self, units: int = 1, recent: int = 10_000, thinned: int = 10_000,
                 row_shape: tuple[int, ...] | None = None, names: list[str] | None = None):
        """row_shape: the parameters kept per epoch, (units, 12) for a chain of the unit,
        (size,) for any other model, (0,) to keep the MSE alone; names label them in CSV."""
        self.units = units
        self.row_shape = (units, UNIT.size) if row_shape is None else tuple(row_shape)
        self.names = names
        width = 1 + int(np.prod(self.row_shape))
        self._recent = np.empty((recent, width))
        self._recent_epoch = np.empty(recent, dtype=np.int64)
        self._count = 0          # rows ever appended
        self._thin = np.empty((thinned, width))
        self._thin_epoch = np.empty(thinned, dtype=np.int64)
        self._thin_n = 0
        self.stride = 1

    def __len__(self) -> int:
        return self._count

    def append(self, epoch: int, mse: float, params: np.ndarray) -> None:
        i = self._count % len(self._recent)
        row = self._recent[i]
        row[0] = mse
        row[1:] = params.ravel()
        self._recent_epoch[i] = epoch
        self._count += 1
        if epoch % self.stride == 0:
            if self._thin_n == len(self._thin):
                self._halve()
            if epoch % self.stride == 0:
                self._thin[self._thin_n] = row
                self._thin_epoch[self._thin_n] = epoch
                self._thin_n += 1

    def extend(self, epochs: np.ndarray, mse: np.ndarray, params: np.ndarray) -> None:
        """append() for many rows at once, with the same result: epochs (m,) increasing,
        mse (m,), params (m, units * 12).  For the compiled kernel's chunks."""
        m = len(epochs)
        if m == 0:
            return
        rows = np.empty((m, self._recent.shape[1]))
        rows[:, 0] = mse
        rows[:, 1:] = params.reshape(m, -1)
        cap = len(self._recent)
        keep = min(m, cap)       # only the last `cap` rows stay in the ring
        slots = (self._count + np.arange(m - keep, m)) % cap
        self._recent[slots] = rows[m - keep:]
        self._recent_epoch[slots] = epochs[m - keep:]
        self._count += m
        # The thinned store, as append() fills it: rows on the stride, halving when full
        # (when a row on the old stride finds no room), then the new stride from that row.
        start = 0
        while start < m:
            on = np.flatnonzero(epochs[start:] % self.stride == 0) + start
            room = len(self._thin) - self._thin_n
            take = on[:room]
            self._thin[self._thin_n:self._thin_n + len(take)] = rows[take]
            self._thin_epoch[self._thin_n:self._thin_n + len(take)] = epochs[take]
            self._thin_n += len(take)
            if len(take) == len(on):
                break
            start = on[room]
            self._halve()

    def _halve(self) -> None:
        self.stride *= 2
        keep = self._thin_epoch[: self._thin_n] % self.stride == 0
        keep[0] = True   # the run's first epoch stays: the MSE curve starts where training did
        k = int(keep.sum())
        self._thin[:k] = self._thin[: self._thin_n][keep]
        self._thin_epoch[:k] = self._thin_epoch[: self._thin_n][keep]
        self._thin_n = k

    def _layout(self):
        """(rows of the thinned store older than the recent window, ring order of recent)."""
        cap = len(self._recent)
        n_recent = min(self._count, cap)
        start = self._count % cap if self._count > cap else 0
        order = (np.arange(n_recent) + start) % cap
        first = self._recent_epoch[order[0]] if n_recent else np.iinfo(np.int64).max
        # The thinned store is sorted by epoch, so the rows before the recent window are a prefix.
        n_old = int(np.searchsorted(self._thin_epoch[: self._thin_n], first))
        return n_old, order

    def _gather(self, index: np.ndarray):
        """Rows `index` of the merged history, without building the whole of it."""
        n_old, order = self._layout()
        old = index < n_old
        recent = order[index[~old] - n_old]
        epochs = np.concatenate([self._thin_epoch[index[old]], self._recent_epoch[recent]])
        rows = np.concatenate([self._thin[index[old]], self._recent[recent]])
        return epochs, rows[:, 0].copy(), rows[:, 1:].reshape(len(epochs), *self.row_shape)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(epochs (N,), mse (N,), params (N, units, 12)): thinned past, then full recent."""
        n_old, order = self._layout()
        return self._gather(np.arange(n_old + len(order)))

    def view(self, max_points: int = 3000):
        """At most max_points rows of :meth:`arrays` evenly spaced in *epoch*, the first and
        the last included: (epochs (M,), mse (M,), params (M, units, 12)), M <= max_points.

        Evenly spaced in row index, the full-resolution recent window (10 000 rows over the
        last 10 000 epochs) outweighed the thinned past: at 300 000 epochs 62 % of the drawn
        points fell in the last 5 % of the run, and its right edge looked unstable."""
        n_old, order = self._layout()
        total = n_old + len(order)
        if total <= max_points:
            return self._gather(np.arange(total))
        epochs = np.concatenate([self._thin_epoch[:n_old], self._recent_epoch[order]])
        wanted = np.linspace(epochs[0], epochs[-1], max_points)
        # The row nearest each wanted epoch; where rows are sparser than the wanted epochs
        # (the thinned past) neighbours pick the same row, so there may be fewer than asked.
        right = np.clip(np.searchsorted(epochs, wanted), 1, total - 1)
        nearer_left = wanted - epochs[right - 1] <= epochs[right] - wanted
        return self._gather(np.unique(np.where(nearer_left, right - 1, right)))

    def to_csv(self) -> str:
        """The history as CSV text with the C library's columns."""
        epochs, mse, params = self.arrays()
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        names = column_names(self.units) if self.names is None else ["epoch", "MSE", *self.names]
        w.writerow(names[: 2 + int(np.prod(self.row_shape))])
        flat = params.reshape(len(epochs), int(np.prod(self.row_shape)))
        for e, m, row in zip(epochs.tolist(), mse.tolist(), flat.tolist()):
            w.writerow([e, repr(m), *map(repr, row)])
        return out.getvalue()

    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self._recent, self._recent_epoch, self._thin, self._thin_epoch))

    def to_dict(self) -> dict:
        epochs, mse, params = self.arrays()
        return {"epoch": epochs.tolist(), "mse": mse.tolist(),
                "params": params.reshape(len(epochs), int(np.prod(self.row_shape))).tolist()}

    @classmethod
    def from_dict(cls, d: dict, units: int, row_shape=None, names=None) -> History:
        h = cls(units, row_shape=row_shape, names=names)
        for e, m, p in zip(d["epoch"], d["mse"], d["params"]):
            h.append(int(e), float(m), np.asarray(p, dtype=float))
        return h
