"""Variants side by side, Greff et al. style: many seeds of each model, each against a baseline.

Greff et al. (2017) compared eight LSTM variants over 5 400 runs: for each, the spread of the
final error over random seeds and hyper-parameters, and whether it differs from vanilla LSTM
significantly.  Here, on a small task live: K seeds of each setting (:class:`SeedRuns` for any
model the population kernel does not compute, ``ensemble.EnsembleRun`` for the unit), and
:func:`greff_table`: per setting the median and quartiles of the final train and test MSE, the
difference of the medians to the baseline's, a bootstrap 95 % interval of that difference over
the seeds (``clear`` when it excludes 0: K seeds make the difference plain), and the success
rate (share of seeds that reached the target MSE, when there is one).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..training.run import DIVERGED, TARGET, RunConfig, TrainingRun
from .ensemble import MAX_MEMBERS, Bands, EnsembleRun, bands

BOOTSTRAP = 2000     # resamples of the seeds for the interval of a difference of medians
BAND_ROWS = 2000     # SeedRuns.bands(): at most this many epochs (a row per epoch of a long
                     # run once meant 10^6 x 64 numbers rebuilt a few times a second)
MEMBER_HISTORY = 2000  # epochs each member keeps at full resolution (the MSE alone)


def seeds_of(config: RunConfig, seeds) -> EnsembleRun | SeedRuns:
    """K seeds of `config`, whatever the model: the population kernel's ``EnsembleRun`` for
    the 12-parameter unit and its chains, else :class:`SeedRuns` (each seed on the model's
    own trainer, compiled where it is, one after another).  Both read alike (``seeds``,
    ``size``, ``epoch``, ``mse``, ``stopped_at``, ``diverged``, ``train``, ``bands``,
    ``success``, ``test_mse``): the ensemble view and a sweep take either."""
    return EnsembleRun(config, seeds) if config.is_unit else SeedRuns(config, seeds)


class SeedRuns:
    """K single runs of one config, one per seed, trained one after another.

    The reading interface of ``EnsembleRun`` that a sweep uses: ``seeds``, ``size``,
    ``epoch``, ``mse`` (K,) the loss before each member's last update, ``stopped_at`` (K,)
    the epoch a member reached the target MSE (0 if not), ``diverged`` (K,), ``success()``,
    ``bands()``, and ``test_mse()`` (K,).  Member k is exactly ``TrainingRun(replace(config,
    seed=seeds[k]))``.
    """

    def __init__(self, config, seeds):
        self.config = config
        self.seeds = tuple(int(s) for s in seeds)
        if not 1 <= len(self.seeds) <= MAX_MEMBERS:
            raise ValueError(f"an ensemble has 1 to {MAX_MEMBERS} seeds, got {len(self.seeds)}")
        # The MSE alone per member: its parameters per epoch and gradient norms are not read.
        self.members = [TrainingRun(replace(config, seed=s), history_recent=MEMBER_HISTORY,
                                    member=True) for s in self.seeds]

    @property
    def size(self) -> int:
        return len(self.seeds)

    @property
    def epoch(self) -> int:
        return max(r.epoch for r in self.members)

    @property
    def mse(self) -> np.ndarray:
        return np.array([np.nan if r.stop_reason == DIVERGED else r.mse for r in self.members])

    @property
    def stopped_at(self) -> np.ndarray:
        return np.array([r.epoch if r.stop_reason == TARGET else 0 for r in self.members],
                        dtype=np.int64)

    @property
    def diverged(self) -> np.ndarray:
        return np.array([r.stop_reason == DIVERGED for r in self.members])

    def train(self, epochs: int, should_continue=lambda: True) -> int:
        """Up to `epochs` more epochs for every member still training; returns the most any took."""
        taken = 0
        for r in self.members:
            if not should_continue():
                break
            before = r.epoch
            if r.should_stop() is None:
                r.train(epochs, should_continue)
            taken = max(taken, r.epoch - before)
        return taken

    def test_mse(self) -> np.ndarray:
        """(K,) each member's test MSE; NaN for one not begun (a cancelled ensemble: its
        initial parameters' MSE is no result), as its ``mse`` is."""
        return np.array([r.test_mse() if r.epoch else np.nan for r in self.members])

    def success(self, target_mse: float | None = None) -> tuple[float, np.ndarray]:
        target = self.config.target_mse if target_mse is None else float(target_mse)
        if not target:
            return float("nan"), np.empty(0, dtype=np.int64)
        if target_mse is None or target == self.config.target_mse:
            epochs = self.stopped_at[self.stopped_at > 0]
        else:
            # Another target than the stop rule's (a sweep's --success-mse over a fixed
            # budget): the first recorded epoch at or below it, as EnsembleRun reads it.
            # Before, only stopping counted, and a budget run reported 0 % success.
            epochs = np.array([ep[np.argmax(mse <= target)] for ep, mse, _ in
                               (r.history.arrays() for r in self.members) if (mse <= target).any()],
                              dtype=np.int64)
        return len(epochs) / self.size, np.sort(epochs)

    @property
    def trained(self) -> int:
        """Members done (stopped by a rule or at the budget)."""
        return sum(r.should_stop() is not None for r in self.members)

    def bands(self) -> Bands:
        """Every epoch up to BAND_ROWS, else BAND_ROWS epochs spread evenly; a member's MSE
        is its own at the epochs it recorded (its thinned past in between: linear), NaN past
        its last epoch (a member not trained so far, or stopped)."""
        last = self.epoch
        grid = (np.arange(1, last + 1) if last <= BAND_ROWS else
                np.unique(np.linspace(1, last, BAND_ROWS).round().astype(np.int64)))
        rows = np.full((len(grid), self.size), np.nan)
        for k, r in enumerate(self.members):
            ep, mse, _ = r.history.arrays()
            if len(ep):
                inside = (grid >= ep[0]) & (grid <= ep[-1])
                rows[inside, k] = np.interp(grid[inside], ep, mse)
        return bands(grid, rows)


@dataclass(frozen=True)
class Row:
    """One setting of the table (MSE figures over its K seeds; NaN for a diverged seed)."""

    label: str
    seeds: int
    train_median: float
    train_q25: float
    train_q75: float
    test_median: float
    test_q25: float
    test_q75: float
    difference: float        # test median minus the baseline's (NaN for the baseline)
    low: float               # bootstrap 95 % interval of that difference
    high: float
    clear: bool              # the interval excludes 0
    success: float           # share of seeds that reached the target MSE (NaN: no target)


def _quartiles(values: np.ndarray) -> tuple[float, float, float]:
    v = values[np.isfinite(values)]
    if not len(v):
        return (float("nan"),) * 3
    q25, med, q75 = np.quantile(v, [0.25, 0.5, 0.75])
    return float(med), float(q25), float(q75)


def _interval(a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    """Bootstrap 95 % interval of median(a) - median(b), seeds resampled independently."""
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) < 2 or len(b) < 2:
        return float("nan"), float("nan")
    ma = np.median(a[rng.integers(0, len(a), (BOOTSTRAP, len(a)))], axis=1)
    mb = np.median(b[rng.integers(0, len(b), (BOOTSTRAP, len(b)))], axis=1)
    low, high = np.quantile(ma - mb, [0.025, 0.975])
    return float(low), float(high)


def greff_table(results, baseline: int = 0, seed: int = 0) -> list[Row]:
    """results: [(label, final train MSE (K,), final test MSE (K,), success rate)], one per
    setting; each compared with ``results[baseline]`` on the test MSE (the train MSE where a
    setting has no test MSE).  The bootstrap draws from `seed`: the table is reproducible."""
    rng = np.random.default_rng(seed)
    base = results[baseline]
    base_score = base[2] if np.isfinite(base[2]).any() else base[1]
    rows = []
    for k, (label, train, test, success) in enumerate(results):
        train, test = np.asarray(train, float), np.asarray(test, float)
        score = test if np.isfinite(test).any() else train
        tm = _quartiles(train)
        sm = _quartiles(test)
        if k == baseline:
            diff = low = high = float("nan")
        else:
            diff = _quartiles(score)[0] - _quartiles(base_score)[0]
            low, high = _interval(score, base_score, rng)
        rows.append(Row(label, len(train), *tm, *sm, diff, low, high,
                        bool(np.isfinite(low) and (low > 0 or high < 0)), float(success)))
    return rows


def format_table(rows: list[Row], baseline: str) -> str:
    """The table as text, one line per setting."""
    head = (f"{'setting':<24} {'train MSE median [q25, q75]':>30} {'test MSE median [q25, q75]':>30}"
            f" {'vs ' + baseline[:12]:>16} {'95 % interval':>22} {'clear':>5} {'success':>7}")  # not a parameter count
    lines = [head]
    for r in rows:
        diff = "baseline" if not np.isfinite(r.difference) else f"{r.difference:+.3g}"
        interval = "" if not np.isfinite(r.low) else f"[{r.low:+.2g}, {r.high:+.2g}]"
        clear = "" if not np.isfinite(r.low) else ("yes" if r.clear else "no")
        success = "none" if not np.isfinite(r.success) else f"{100 * r.success:.0f}%"
        lines.append(f"{r.label:<24} {r.train_median:>10.3g} [{r.train_q25:.3g}, {r.train_q75:.3g}]".ljust(56)
                     + f" {r.test_median:>10.3g} [{r.test_q25:.3g}, {r.test_q75:.3g}]".ljust(31)
                     + f" {diff:>16} {interval:>22} {clear:>5} {success:>7}")
    return "\n".join(lines)
