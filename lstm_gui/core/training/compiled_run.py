"""The Python side of the compiled kernel: a unit run's epochs in chunks, and a population's.

Each chunk is one call into ``_kernels.train_chunk``, which runs the epochs, the stop criteria
and the NaN guard and writes the history rows into arrays.  This module only reads the run (its
config, parameters, optimizer, counters and the sequences of the coming epochs) and returns
what the chunk trained as a :class:`Chunk`; the run takes it over with
``TrainingRun.apply_chunk``.  The run calls this module, never the other way round (an
import-linter contract forbids this module to import the run).
"""
from __future__ import annotations

import time
import weakref
from typing import Any, NamedTuple

import numpy as np

from ..models import compiled
from ..models.compiled import _kernels as K
from ..models.compiled.calls import _time_major, model_loss_and_grad, population_loss_and_grad  # noqa: F401 (re-exported)
from .optim import SGD, Adam, Momentum, Optimizer, init_params, make_optimizer
from .stop import BUDGET, DIVERGED, PLATEAU, TARGET

_OPTIMIZERS = {SGD: K.SGD, Momentum: K.MOMENTUM, Adam: K.ADAM}
_REASONS = {K.NONE: None, K.BUDGET: BUDGET, K.TARGET: TARGET, K.PLATEAU: PLATEAU,
            K.DIVERGED: DIVERGED}

# The run asks should_continue() between chunks only, so a chunk lasts about this long: a pause
# or a changed setting then waits at most this, and a call costs ~20 us, under 0.1 % of it.
CHUNK_SECONDS = 0.02
_seconds_per_step = [50e-9]   # one unit, one time step, forward and backward; measured below


class Chunk(NamedTuple):
    """What one kernel call trained, for ``TrainingRun.apply_chunk``; the run is unchanged
    until then.

    done: epochs completed.  reason: the kernel's stop reason (stop.py's names) or None.
    params (units, size of the unit), epoch, best_epoch, mse, best_mse: the run's after them.
    m, v (units, size of the unit) and t: the optimizer's moments after them (see
    ``Optimizer.load_moments``).  mse_rows (done,), param_rows (done, units * size of the
    unit): one history row per epoch.  begun: epochs that took a noise draw (done, plus a
    diverging one).  ahead: the run's ``draw_ahead`` the chunk trained on.
    """

    done: int
    reason: str | None
    params: np.ndarray
    epoch: int
    best_epoch: int
    mse: float
    best_mse: float
    m: np.ndarray
    v: np.ndarray
    t: int
    mse_rows: np.ndarray
    param_rows: np.ndarray
    begun: int
    ahead: Any


def supports_optimizer(opt: Optimizer) -> bool:
    """True if the compiled kernels compute this optimizer's update (SGD, momentum, Adam)."""
    return type(opt) in _OPTIMIZERS


def supported(run) -> bool:
    """True if the compiled kernel computes exactly what run.step() would."""
    return (getattr(run.config, "gradient", "exact") == "exact"
            and type(run.optimizer) in _OPTIMIZERS)


def _moments(opt: Optimizer, shape) -> tuple:
    """The optimizer's moments as float arrays of `shape`, zeros where optim.py has None."""
    m = getattr(opt, "velocity", None) if isinstance(opt, Momentum) else getattr(opt, "m", None)
    v = getattr(opt, "v", None)
    m = np.zeros(shape) if m is None else np.array(m, dtype=float).reshape(shape)
    v = np.zeros(shape) if v is None else np.array(v, dtype=float).reshape(shape)
    return m, v


def _hyper(opt: Optimizer) -> tuple:
    """(kind, lr, clip, beta, beta1, beta2, eps) for the kernels; clip 0 means none."""
    return (_OPTIMIZERS[type(opt)], opt.lr, opt.clip or 0.0, getattr(opt, "beta", 0.9),
            getattr(opt, "beta1", 0.9), getattr(opt, "beta2", 0.999), getattr(opt, "eps", 1e-8))


def _train_chunk(params, xs, ts, opt: Optimizer, epoch: int, best_epoch: int, mse: float,
                 best_mse: float, delay: int, frozen, budget: int, target_mse: float,
                 plateau: int, size: int, ahead=None) -> Chunk:
    """Up to `size` epochs of the chain params (units, size of the unit) on xs, ts (epochs or
    1, n) in one kernel call, on copies: nothing given is changed."""
    p = np.array(params, dtype=float)
    m, v = _moments(opt, p.size)
    counters = np.array([epoch, best_epoch, getattr(opt, "t", 0)], dtype=np.int64)
    floats = np.array([mse, best_mse])
    frozen_mask = np.zeros(p.size, dtype=np.bool_)
    frozen_mask[list(frozen)] = True
    out_mse = np.empty(size)
    out_params = np.empty((size, p.size))
    done, code = K.train_chunk(p, xs, ts, delay, *_hyper(opt), m, v, counters, floats,
                               frozen_mask, budget, target_mse, plateau, out_mse, out_params)
    return Chunk(done, _REASONS[code], p, int(counters[0]), int(counters[1]), float(floats[0]),
                 float(floats[1]), m.reshape(p.shape), v.reshape(p.shape), int(counters[2]),
                 out_mse[:done], out_params[:done], done + (code == K.DIVERGED), ahead)


def chunk_epochs(run, left: int) -> int:
    """Epochs for the run's next chunk, at most `left`: about CHUNK_SECONDS of work."""
    steps = run.params.shape[0] * len(run.x)
    return min(left, max(1, int(CHUNK_SECONDS / (_seconds_per_step[0] * steps))))


def run_chunk(run, ahead) -> Chunk:
    """The epochs of ``ahead = run.draw_ahead(epochs)`` (at most; a stop criterion or a
    divergence ends the chunk) in one kernel call, from the run's parameters, optimizer and
    counters, which this leaves unchanged: ``run.apply_chunk`` takes the result over."""
    cfg = run.config
    chunk = _train_chunk(run.params, ahead.xs, ahead.targets, run.optimizer, run.epoch,
                         run.best_epoch, run.mse, run.best_mse, cfg.delay, cfg.frozen,
                         cfg.epochs, cfg.target_mse, cfg.plateau, ahead.epochs, ahead)
    if chunk.done:
        # Every chunk updates the estimate (the draws of its noise included), so one slowed
        # by a busy machine (a chunk of one epoch next) is followed by a fast one that sets
        # it right.
        steps = run.params.shape[0] * ahead.xs.shape[1]
        per = (time.perf_counter() - ahead.started) / (chunk.done * steps)
        _seconds_per_step[0] = 0.5 * _seconds_per_step[0] + 0.5 * per
    return chunk


def model_supported(run) -> bool:
    """True if the general models' fused kernel (layer_kernels.train_run) computes exactly
    what run._model_step() would: no dropout, no delay, no noise drawn every epoch."""
    cfg = run.config
    if run.model is None or run.trainer is None or type(run.optimizer) not in _OPTIMIZERS:
        return False
    if cfg.delay or run.model.dropout or (cfg.noise.resample and cfg.noise.active):
        return False
    try:
        from ..models.compiled import fast_model
    except ImportError:        # pragma: no cover - the general kernels are part of the build
        return False
    return fast_model.supported(run.model)


def model_chunk_epochs(run, left: int) -> int:
    """Epochs for a model run's next chunk, at most `left`: about CHUNK_SECONDS of work (one
    epoch until one was timed), cut at the next epoch the evaluation records."""
    per_epoch = _seconds_per_epoch.get(run.trainer)
    size = 1 if per_epoch is None else min(left, max(1, int(CHUNK_SECONDS / per_epoch)))
    if run.evaluation is not None:
        every = run.evaluation.every
        size = min(size, every - run.epoch % every)
    return max(1, size)


# Seconds per epoch of each run's data (keyed by its ModelTrainer, forgotten with it).
_seconds_per_epoch: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def model_chunk(run, ahead) -> Chunk:
    """The epochs of ``ahead = run.draw_ahead(epochs)`` of a model (its mini-batch orders
    drawn there from the run's shuffle generator) in one call of layer_kernels.train_run: every
    mini-batch, clipping, momentum, frozen parameters, the stop rules and the history rows in
    compiled code.  Reads the run and leaves it unchanged: ``run.apply_chunk`` takes it over."""
    from ..models.compiled.fast_model import FastModel, kernels_for, one_thread
    from .model_training import _fast
    cfg, opt, trainer = run.config, run.optimizer, run.trainer
    fm = _fast(run.model, FastModel)
    kernels = kernels_for(run.model, cfg.precision)    # layer_kernels, or lstm32 (float32)
    one_thread()            # OpenBLAS on this thread only (see _blas.one_thread)
    x, tk = trainer.kernel_data()
    size = ahead.epochs
    theta = np.array(run.params, dtype=float)
    size_all = theta.shape[0]
    m, v = _moments(opt, size_all)
    counters = np.array([run.epoch, run.best_epoch, getattr(opt, "t", 0)], dtype=np.int64)
    floats = np.array([run.mse, run.best_mse])
    frozen = np.zeros(size_all, dtype=np.bool_)
    frozen[list(cfg.frozen)] = True
    keep = run.history.row_shape != (0,)
    out_loss = np.empty(size)
    out_params = np.empty((size if keep else 0, size_all))
    kind, lr, clip, beta, beta1, beta2, eps = _hyper(opt)
    with np.errstate(all="ignore"):
        done, code = kernels.train_run(theta, *fm.layout.args(trainer.seq_to_one), x, tk,
                                       ahead.orders, trainer.batch, kind, lr, beta, beta1,
                                       beta2, eps, clip, frozen, m, v, counters, floats,
                                       cfg.epochs, cfg.target_mse, cfg.plateau, out_loss,
                                       out_params)
    if done:
        per = (time.perf_counter() - ahead.started) / done
        old = _seconds_per_epoch.get(trainer)
        _seconds_per_epoch[trainer] = per if old is None else 0.5 * old + 0.5 * per
    return Chunk(done, _REASONS[code], theta, int(counters[0]), int(counters[1]),
                 float(floats[0]), float(floats[1]), m.reshape(theta.shape),
                 v.reshape(theta.shape), int(counters[2]), out_loss[:done],
                 out_params[:done] if keep else np.empty((done, 0)),
                 done + (code == K.DIVERGED), ahead)


def train_population(p: np.ndarray, x, target, optimizer: Optimizer, epochs: int,
                     delay: int = 0):
    """`epochs` epochs of K independent models in one kernel call.

    p (K, U, 12); x, target (n,) shared or (K, n); optimizer's moments, if any, are
    (K, U, 12) and are updated.  Returns (new params (K, U, 12), mse (epochs, K) before each
    update, diverged (K,) bool).  A model whose loss or update is not finite keeps its last
    finite parameters and stops there; the others go on (optim.py would refuse the whole
    population's step instead).
    """
    p = np.array(p, dtype=float)
    k = p.shape[0]
    m, v = _moments(optimizer, (k, p[0].size))
    t = np.full(k, getattr(optimizer, "t", 0), dtype=np.int64)
    out = np.empty((epochs, k))
    diverged = K.train_population_chunk(p, _time_major(x, k), _time_major(target, k), delay,
                                        *_hyper(optimizer), m, v, t, epochs, out)
    if epochs:
        optimizer.load_moments(m.reshape(p.shape), v.reshape(p.shape), int(t.max()))
    return p, out, diverged


def warm_up(progress=None) -> bool:
    """Compile the training kernel, or load it from numba's cache, by training a tiny unit
    for one epoch: the call a unit run's chunk makes, with the same argument types.

    progress(text) is called with :data:`COMPILING_MESSAGE` before compiling when the cache
    is empty.  Returns True if anything was compiled (not loaded from the cache).  The
    population kernels (chunk.train_population) compile on their first use: nothing in the
    window needs them, and they would double the first launch's wait.
    """
    if not compiled.available():
        return False
    if progress is not None and not compiled.is_cached():
        progress(compiled.COMPILING_MESSAGE)
    from .tasks import preset
    x, target = preset("sin-cos", length=4).sequences()
    _train_chunk(init_params(np.random.default_rng(0)), x[None], target[None],
                 make_optimizer("adam"), 0, 0, float("nan"), float("inf"), 0, (), 0, 0.0, 0, 1)
    return any(d.stats.cache_misses for d in compiled._dispatchers())


def compile_seconds() -> float:
    """Time of :func:`warm_up` in this process (for the benchmark's subprocesses)."""
    start = time.perf_counter()
    warm_up()
    return time.perf_counter() - start


def trainer_for(run):
    """run_chunk if the compiled path is on and computes exactly what run.step() would, else
    None (TrainingRun then takes the numpy path, epoch by epoch)."""
    if compiled.active() != "compiled":
        return None
    if getattr(run, "model", None) is not None:      # a model; the unit's runs have None
        return model_chunk if model_supported(run) else None
    return run_chunk if supported(run) else None
