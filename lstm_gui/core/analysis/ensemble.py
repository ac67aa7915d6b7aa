"""Many seeds of one configuration trained at once: was that run luck?

An :class:`EnsembleRun` holds K models, one per seed, and trains them together with the
population kernel (``unit.loss_and_grad`` on params (K, units, 12)), or the C library's rule
in its population form.  Member k starts from the same parameters and draws the same noise
as ``TrainingRun(replace(config, seed=seeds[k]))``, and with plain descent follows it to
rounding error (the two kernels sum in different orders).  A member stops where the single
run would: at the target MSE, or when its loss becomes non-finite; the others go on.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from .. import limits
from .._memory import keep_freed_memory
from ..models import _population, compiled, lstmlib_rule, unit
from ..training.optim import NonFiniteStep, init_params, make_optimizer
from ..training.run import RunConfig, _rngs

MAX_MEMBERS = 1024
# One member, one unit, one time step of the fused kernel (forward, backward, update):
# refined after every chunk so a chunk lasts about compiled_run.CHUNK_SECONDS.
_seconds_per_step = [20e-9]


class MseHistory:
    """MSE per member per epoch (N, K), thinned like a single run's history: when full,
    every other row is dropped and the stride doubles, so memory stays bounded.  The
    first epoch and the latest are always kept."""

    def __init__(self, k: int, capacity: int = 2000):
        self._rows = np.empty((capacity, k))
        self._epochs = np.empty(capacity, dtype=np.int64)
        self._n = 0
        self.stride = 1
        self._last: tuple[int, np.ndarray] | None = None

    def append(self, epoch: int, mse: np.ndarray) -> None:
        self._last = (epoch, mse)
        if epoch % self.stride and self._n:
            return
        if self._n == len(self._rows):
            self.stride *= 2
            keep = self._epochs % self.stride == 0
            keep[0] = True
            kept = int(keep.sum())
            self._rows[:kept] = self._rows[keep]
            self._epochs[:kept] = self._epochs[keep]
            self._n = kept
            if epoch % self.stride:
                return
        self._rows[self._n] = mse
        self._epochs[self._n] = epoch
        self._n += 1

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(epochs (N,), mse (N, K)), the latest epoch included; copies."""
        epochs, rows = self._epochs[: self._n], self._rows[: self._n]
        if self._last is not None and (not self._n or epochs[-1] != self._last[0]):
            epochs = np.append(epochs, self._last[0])
            rows = np.vstack([rows, self._last[1]])
        return epochs.copy(), rows.copy()


@dataclass(frozen=True)
class Bands:
    """The ensemble's MSE over epochs: epochs (N,), median, q10 and q90 (N,) over the members
    still finite, and every member's curve (N, K)."""

    epochs: np.ndarray
    median: np.ndarray
    q10: np.ndarray
    q90: np.ndarray
    members: np.ndarray


def bands(epochs: np.ndarray, mse: np.ndarray) -> Bands:
    """Median and 10-90 % quantiles over members of mse (N, K), ignoring NaN (diverged)."""
    q10, median, q90 = _nanquantiles(mse, (0.1, 0.5, 0.9)) if mse.size else (np.empty(0),) * 3
    return Bands(epochs, median, q10, q90, mse)


def _nanquantiles(a: np.ndarray, qs) -> list[np.ndarray]:
    """np.nanquantile(a, q, axis=1) (its default 'linear' method) for each q, vectorised over
    the rows: numpy's nanquantile loops over rows in Python, 0.2 s for 2 000 rows x 64
    members, which the ensemble view paid a few times a second.  NaN sorts last; each row
    interpolates among its own finite values; a row with none gives NaN."""
    s = np.sort(a, axis=1)
    n = np.sum(~np.isnan(a), axis=1)
    rows = np.arange(a.shape[0])
    out = []
    with np.errstate(all="ignore"):
        for q in qs:
            pos = q * np.maximum(n - 1, 0)
            lo = np.floor(pos).astype(np.int64)
            hi = np.minimum(lo + 1, np.maximum(n - 1, 0))
            t = pos - lo
            x, y = s[rows, lo], s[rows, hi]
            # numpy's _lerp: a + (b - a) t, from the upper end when t >= 0.5
            val = np.where(t >= 0.5, y - (y - x) * (1 - t), x + (y - x) * t)
            out.append(np.where(n > 0, val, np.nan))
    return out


class EnsembleRun:
    """K models of one config, one per seed, trained at once.

    ``params`` (K, units, 12), ``mse`` (K,) the loss before the last update (as a single
    run's), ``stopped_at`` (K,) the epoch a member reached the target MSE (0 if not),
    ``diverged`` (K,) bool.
    """

    def __init__(self, config: RunConfig, seeds, history_rows: int = 2000):
        seeds = [int(s) for s in seeds]
        if not config.is_unit:
            # The population kernel computes SPEC's unit and its chains; any other model's
            # seeds train one after another (variants.SeedRuns): variants.seeds_of picks.
            raise ValueError(f"an ensemble of the population kernel holds the 12-parameter unit; "
                             f"this model is {config.model().describe()}")
        if not 1 <= len(seeds) <= MAX_MEMBERS:
            raise ValueError(f"an ensemble has 1 to {MAX_MEMBERS} seeds, got {len(seeds)}")
        # The one size budget (core/limits), checked before anything is allocated: 64 seeds of
        # a 1 000 000-point task once took 3.7 GB.
        limits.check_work_bytes(limits.ensemble_bytes(len(seeds), config.units, config.task.length),
                                f"an ensemble of {len(seeds)} seeds x {config.units} units x "
                                f"{config.task.length:,} points")
        self.config = config
        self.seeds = tuple(seeds)
        keep_freed_memory()   # the population kernel's temporaries: see core/_memory.py
        k = len(seeds)
        rngs = [_rngs(s) for s in seeds]
        self.initial_params = np.stack([
            init_params(init_rng, config.units, config.init_low, config.init_high)
            for init_rng, _ in rngs])
        self._noise_rngs = [noise_rng for _, noise_rng in rngs]
        self.params = self.initial_params.copy()
        self.optimizer = make_optimizer(config.optimizer, config.lr, config.clip)
        self.clean_x, self.clean_target = config.task.sequences()
        self._draw_noise()
        self.epoch = 0
        self.mse = np.full(k, np.nan)
        self.stopped_at = np.zeros(k, dtype=np.int64)
        self.diverged = np.zeros(k, dtype=bool)
        self.history = MseHistory(k, history_rows)
        self.elapsed_epochs = 0

    @property
    def size(self) -> int:
        return len(self.seeds)

    def member_config(self, k: int) -> RunConfig:
        """The config of the single run that member k replays."""
        return replace(self.config, seed=self.seeds[k])

    def _draw_noise(self) -> None:
        cfg = self.config
        if not cfg.noise.active:
            # One sequence for every member: the kernel sees the broadcast and uses BLAS.
            n = len(self.clean_x)
            self.x = np.broadcast_to(self.clean_x[:, None], (n, self.size))
            self.target = np.broadcast_to(self.clean_target[:, None], (n, self.size))
            return
        pairs = [cfg.noise.apply(self.clean_x, self.clean_target, rng) for rng in self._noise_rngs]
        self.x = np.ascontiguousarray(np.stack([x for x, _ in pairs], axis=1))         # (n, K)
        self.target = np.ascontiguousarray(np.stack([t for _, t in pairs], axis=1))    # (n, K)

    def _loss_and_grad(self):
        cfg = self.config
        if cfg.gradient == "lstmlib":
            x = self.x if not _population.shared(self.x) else self.clean_x
            t = self.target if not _population.shared(self.target) else self.clean_target
            mse, grad = lstmlib_rule.mse_and_grad(self.params[:, 0, :], _member_major(x),
                                                  _member_major(t))
            return mse, grad[:, None, :]
        if compiled.active() == "compiled":
            # The compiled population kernel: 1.8 us per model-epoch (K = 256, load 8) against
            # numpy's 5.6 calm (python -m lstm_gui.bench --ensemble-only).
            from ..models.compiled.calls import population_loss_and_grad
            x = self.clean_x if _population.shared(self.x) else _member_major(self.x)
            t = self.clean_target if _population.shared(self.target) else _member_major(self.target)
            return population_loss_and_grad(self.params, x, t, cfg.delay)
        return unit.loss_and_grad(self.params, self.x, self.target, cfg.delay)

    @property
    def active(self) -> np.ndarray:
        """(K,) bool: members still training."""
        return (self.stopped_at == 0) & ~self.diverged

    def step(self) -> None:
        """One epoch for every member still training."""
        cfg = self.config
        if cfg.noise.resample and cfg.noise.active and self.epoch > 0:
            self._draw_noise()
        with np.errstate(all="ignore"):
            mse, grad = self._loss_and_grad()
        bad = ~np.isfinite(mse) | ~np.isfinite(grad).all(axis=(1, 2))
        self.diverged |= bad & self.active
        hold = ~self.active
        if cfg.frozen:
            grad.reshape(self.size, -1)[:, list(cfg.frozen)] = 0.0
        held = hold | self.diverged
        # Held members take part with zeros, so that their values cannot make the step fail.
        start = np.where(held[:, None, None], 0.0, self.params)
        grad[held] = 0.0
        try:
            new = self.optimizer.step(start, grad)
        except NonFiniteStep:
            # A finite gradient whose update overflows: those members diverged.
            with np.errstate(all="ignore"):
                trial = start - cfg.lr * grad
            overflow = ~np.isfinite(trial).all(axis=(1, 2))
            self.diverged |= overflow
            held |= overflow
            grad[overflow] = 0.0
            start[overflow] = 0.0
            new = self.optimizer.step(start, grad)
        # Zero gradients do not hold a member still under momentum or Adam: put it back.
        new[held] = self.params[held]
        if cfg.frozen:
            flat_new, flat_old = new.reshape(self.size, -1), self.params.reshape(self.size, -1)
            flat_new[:, list(cfg.frozen)] = flat_old[:, list(cfg.frozen)]
        self.params = new
        self.epoch += 1
        self.mse = np.where(self.diverged, np.nan, mse)
        self.history.append(self.epoch, self.mse)
        if cfg.target_mse:
            reached = self.active & (self.mse <= cfg.target_mse)
            self.stopped_at[reached] = self.epoch

    def train(self, epochs: int, should_continue=lambda: True) -> int:
        """Up to `epochs` epochs, fewer if the budget is reached, every member stopped, or
        should_continue() says False.  Returns the number of epochs taken.

        On the compiled path the epochs run in chunks of the fused kernel
        (``_kernels.train_members``: loss, gradient, update and each member's stop rule for
        many epochs in one call, about CHUNK_SECONDS each, should_continue() asked between
        chunks); noise drawn afresh every epoch and the C library's rule take step().
        """
        if self._fused():
            return self._train_fused(epochs, should_continue)
        taken = 0
        for _ in range(epochs):
            if (self.config.epochs and self.epoch >= self.config.epochs) or not self.active.any():
                break
            if not should_continue():
                break
            self.step()
            taken += 1
        return taken

    def _fused(self) -> bool:
        cfg = self.config
        from ..training.compiled_run import supports_optimizer
        return (compiled.active() == "compiled" and cfg.gradient == "exact"
                and not (cfg.noise.resample and cfg.noise.active)
                and supports_optimizer(self.optimizer))

    def _train_fused(self, epochs: int, should_continue) -> int:
        from ..models.compiled import _kernels as K
        from ..models.compiled.calls import _time_major
        from ..training import compiled_run as cr
        cfg = self.config
        k, units = self.params.shape[0], self.params.shape[1]
        size = units * self.params.shape[2]
        x = self.clean_x if _population.shared(self.x) else _member_major(self.x)
        t = self.clean_target if _population.shared(self.target) else _member_major(self.target)
        xb, tb = _time_major(x, k), _time_major(t, k)
        frozen = np.zeros(size, dtype=np.bool_)
        frozen[list(cfg.frozen)] = True
        hyper = cr._hyper(self.optimizer)
        taken = 0
        while taken < epochs:
            left = epochs - taken
            if cfg.epochs:
                left = min(left, cfg.epochs - self.epoch)
            if left <= 0 or not self.active.any() or not should_continue():
                break
            steps = k * units * xb.shape[0]
            chunk = min(left, max(1, int(cr.CHUNK_SECONDS / (_seconds_per_step[0] * steps))))
            p = np.array(self.params, dtype=float)
            m, v = cr._moments(self.optimizer, (k, size))
            tt = np.full(k, getattr(self.optimizer, "t", 0), dtype=np.int64)
            state = np.where(self.diverged, K.HELD_DIVERGED,
                             np.where(self.stopped_at > 0, K.STOPPED, K.ACTIVE)).astype(np.int64)
            stopped_at = self.stopped_at.copy()
            out = np.empty((chunk, k))
            start = time.perf_counter()
            done = K.train_members(p, xb, tb, cfg.delay, *hyper, m, v, tt,
                                   frozen, cfg.target_mse, state, stopped_at, self.epoch, out)
            if done:
                per = (time.perf_counter() - start) / (done * steps)
                _seconds_per_step[0] = 0.5 * _seconds_per_step[0] + 0.5 * per
            self.params = p
            self.optimizer.load_moments(m.reshape(p.shape), v.reshape(p.shape), int(tt.max()))
            self.stopped_at = stopped_at
            self.diverged = state == K.HELD_DIVERGED
            for j in range(done):
                self.history.append(self.epoch + j + 1, out[j])
            if done:
                self.mse = out[done - 1].copy()
            self.epoch += done
            taken += done
            if done < chunk:
                break
        return taken

    # ------------------------------------------------------------ reading

    def bands(self) -> Bands:
        return bands(*self.history.arrays())

    def test_mse(self, factor: int = 3) -> np.ndarray:
        """(K,) each member's MSE on the task's continuation past its training length, as a
        single run's test MSE (NaN for a CSV task, which has none)."""
        from ..training.tasks import CSV_TASK
        if self.config.task.key == CSV_TASK:
            return np.full(self.size, np.nan)
        x, target = self.config.task.extended(factor).sequences()
        n = len(self.clean_x)
        out = np.empty(self.size)
        # A few members at a time: the forward pass of all 64 members of a sweep's largest
        # setting over the 3n continuation held several GiB at once (issue 26).  A quarter of
        # the budget: the ensemble's own arrays are still alive.
        per_member = limits.POPULATION_BYTES_PER_MODEL_POINT * self.params.shape[1] * len(x)
        chunk = int(max(1, (limits.MAX_WORK_BYTES // 4) // per_member))
        for start in range(0, self.size, chunk):
            with np.errstate(all="ignore"):
                h = unit.forward(self.params[start:start + chunk], x, self.config.delay).h  # (k, 3n)
            out[start:start + chunk] = np.mean((h[:, n:] - target[n:]) ** 2, axis=1)
        return np.where(self.diverged, np.nan, out)

    def success(self, target_mse: float | None = None) -> tuple[float, np.ndarray]:
        """(share of members that reached the target MSE, epochs they took (M,)).

        With the config's target the epoch is when each member stopped; another target is
        read from the (thinned) history: the first recorded epoch at or below it.
        """
        target = self.config.target_mse if target_mse is None else float(target_mse)
        if not target:
            return float("nan"), np.empty(0, dtype=np.int64)
        if target_mse is None or target == self.config.target_mse:
            epochs = self.stopped_at[self.stopped_at > 0]
        else:
            ep, rows = self.history.arrays()
            below = rows <= target
            hit = below.any(axis=0)
            epochs = ep[below.argmax(axis=0)][hit]
        return len(epochs) / self.size, np.sort(epochs)


def _member_major(seq: np.ndarray) -> np.ndarray:
    """(n,) stays; time-major (n, K) becomes (K, n)."""
    return seq if seq.ndim == 1 else seq.T
