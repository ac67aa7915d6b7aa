"""The Python side of the compiled kernel: a TrainingRun's epochs in chunks, and a population's.

Each chunk is one call into ``_kernels.train_chunk``, which runs the epochs, the stop criteria
and the NaN guard and writes the history rows into arrays; this module hands the kernel the
run's state and takes it back, and appends the rows to the History in bulk.
"""
from __future__ import annotations

import copy
import time

import numpy as np

from ..models import Model, compiled
from ..models.compiled import _kernels as K
from ..models.compiled.calls import _time_major, model_loss_and_grad, population_loss_and_grad  # noqa: F401 (re-exported)
from . import run as _run
from .optim import SGD, Adam, Momentum, Optimizer

_OPTIMIZERS = {SGD: K.SGD, Momentum: K.MOMENTUM, Adam: K.ADAM}
_REASONS = {K.NONE: None, K.BUDGET: _run.BUDGET, K.TARGET: _run.TARGET,
            K.PLATEAU: _run.PLATEAU, K.DIVERGED: _run.DIVERGED}

# should_continue() is asked between chunks only, so a chunk lasts about this long: a pause
# or a changed setting then waits at most this, and a call costs ~20 us, under 0.1 % of it.
CHUNK_SECONDS = 0.02
_seconds_per_step = [50e-9]   # one unit, one time step, forward and backward; measured below


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


def _commit_moments(opt: Optimizer, m: np.ndarray, v: np.ndarray, t: int, shape) -> None:
    if isinstance(opt, Momentum):
        opt.velocity = m.reshape(shape)
    elif isinstance(opt, Adam):
        opt.m, opt.v, opt.t = m.reshape(shape), v.reshape(shape), t


def _sequences(run, count: int):
    """The (x, target) of each of the next `count` epochs, (count, n) each.  Noise redrawn
    every epoch is drawn here, epoch by epoch, with the run's own Generator: the same
    stream, draw for draw, as run.step() takes."""
    if not (run.config.noise.resample and run.config.noise.active):
        return run.x[None], run.target[None]
    xs = np.empty((count, len(run.x)))
    ts = np.empty((count, len(run.target)))
    for j in range(count):
        if run.epoch + j > 0:
            run._draw_noise(check=False)
        xs[j], ts[j] = run.x, run.target
    return xs, ts


def _chunk(run, size: int) -> str | None:
    """Up to `size` epochs in one kernel call; returns the kernel's stop reason."""
    cfg = run.config
    opt = run.optimizer
    units = run.params.shape[0]
    resample = cfg.noise.resample and cfg.noise.active
    rng_state = copy.deepcopy(run._noise_rng.bit_generator.state) if resample else None
    x0, t0 = run.x, run.target
    xs, ts = _sequences(run, size)
    p = np.array(run.params, dtype=float)
    size_all = Model(layers=units).size
    m, v = _moments(opt, size_all)
    counters = np.array([run.epoch, run._best_epoch, getattr(opt, "t", 0)], dtype=np.int64)
    floats = np.array([run.mse, run.best_mse])
    frozen = np.zeros(size_all, dtype=np.bool_)
    frozen[list(cfg.frozen)] = True
    out_mse = np.empty(size)
    out_params = np.empty((size, size_all))
    done, code = K.train_chunk(p, xs, ts, cfg.delay, *_hyper(opt), m, v, counters, floats,
                               frozen, cfg.epochs, cfg.target_mse, cfg.plateau, out_mse,
                               out_params)
    if resample:
        # The epochs begun took a draw each (a diverging one too, as in run.step()); give
        # back the draws of epochs never begun, so the Generator stands where step() leaves it.
        used = done + (code == K.DIVERGED)
        if used < size:
            run._noise_rng.bit_generator.state = rng_state
            run.x, run.target = x0, t0
            _sequences(run, used)
    if done:
        first = run.epoch + 1
        run.params = p
        run.epoch, run._best_epoch = int(counters[0]), int(counters[1])
        run.mse, run.best_mse = float(floats[0]), float(floats[1])
        _commit_moments(opt, m, v, int(counters[2]), run.params.shape)
        run.history.extend(np.arange(first, first + done), out_mse[:done], out_params[:done])
        if run.evaluation is not None:
            run.evaluation.record_rows(first, out_params[:done])
        run.revision = next(_run._REVISIONS)
    return _REASONS[code]


def train(run, epochs: int, should_continue=lambda: True) -> str | None:
    """TrainingRun._train on the compiled kernel: the same epochs, stop criteria and return
    value; should_continue() is asked before each chunk instead of each epoch."""
    done = 0
    while True:
        reason = run.should_stop()
        if reason:
            run.stop_reason = reason
            return reason
        if done >= epochs or not should_continue():
            return None
        steps = run.params.shape[0] * len(run.x)
        size = min(epochs - done, max(1, int(CHUNK_SECONDS / (_seconds_per_step[0] * steps))))
        start = time.perf_counter()
        before = run.epoch
        reason = _chunk(run, size)
        took = run.epoch - before
        done += took
        if took:
            # Every chunk updates the estimate, so one slowed by a busy machine (a chunk of
            # one epoch next) is followed by a fast one that sets it right.
            per = (time.perf_counter() - start) / (took * steps)
            _seconds_per_step[0] = 0.5 * _seconds_per_step[0] + 0.5 * per
        if reason == _run.DIVERGED:
            run.stop_reason = reason
            return reason


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


def _fast_model(run):
    """The run's FastModel (its layout), made once per model."""
    from ..models.compiled.fast_model import FastModel
    fm = getattr(run.trainer, "_fast_model", None)
    if fm is None or fm.model is not run.model:
        fm = FastModel(run.model)
        run.trainer._fast_model = fm
    return fm


def _model_chunk(run, size: int) -> str | None:
    """Up to `size` epochs of a model in one call of layer_kernels.train_run; returns the
    kernel's stop reason.  The shuffle generator is left where run.step() would leave it."""
    from ..models.compiled import layer_kernels as lk
    from ..models.compiled.fast_model import one_thread
    cfg, opt, trainer = run.config, run.optimizer, run.trainer
    fm = _fast_model(run)
    one_thread()            # OpenBLAS on this thread only (see _blas.one_thread)
    x, tk = trainer.kernel_data()
    rng_state = copy.deepcopy(trainer.shuffle_rng.bit_generator.state)
    perms = trainer.orders(size)
    theta = np.array(run.params, dtype=float)
    size_all = theta.shape[0]
    m, v = _moments(opt, size_all)
    counters = np.array([run.epoch, run._best_epoch, getattr(opt, "t", 0)], dtype=np.int64)
    floats = np.array([run.mse, run.best_mse])
    frozen = np.zeros(size_all, dtype=np.bool_)
    frozen[list(cfg.frozen)] = True
    keep = run.history.row_shape != (0,)
    out_loss = np.empty(size)
    out_params = np.empty((size if keep else 0, size_all))
    kind, lr, clip, beta, beta1, beta2, eps = _hyper(opt)
    with np.errstate(all="ignore"):
        done, code = lk.train_run(theta, *fm.layout.args(trainer.seq_to_one), x, tk, perms,
                                  trainer.batch, kind, lr, beta, beta1, beta2, eps, clip,
                                  frozen, m, v, counters, floats, cfg.epochs, cfg.target_mse,
                                  cfg.plateau, out_loss, out_params)
    used = done + (code == K.DIVERGED)
    if used < size:
        # Give back the orders of epochs never begun (a diverging epoch drew its own).
        trainer.shuffle_rng.bit_generator.state = rng_state
        trainer.orders(used)
    if done or code == K.DIVERGED:
        run.params = theta
        _commit_moments(opt, m, v, int(counters[2]), run.params.shape)
    if done:
        first = run.epoch + 1
        run.epoch, run._best_epoch = int(counters[0]), int(counters[1])
        run.mse, run.best_mse = float(floats[0]), float(floats[1])
        run.history.extend(np.arange(first, first + done), out_loss[:done],
                           out_params[:done] if keep else np.empty((done, 0)))
        if run.evaluation is not None and run.evaluation.due(run.epoch):
            run.evaluation.record(run.epoch, run.params)
        run.revision = next(_run._REVISIONS)
    return _REASONS[code]


def train_model(run, epochs: int, should_continue=lambda: True) -> str | None:
    """TrainingRun._train for a model on the fused kernel: the same epochs, mini-batch
    orders, stop criteria, history and evaluation records as run.step() epoch by epoch;
    should_continue() is asked between chunks of about CHUNK_SECONDS (at least one epoch),
    and a chunk ends at every epoch the evaluation records."""
    done = 0
    per_epoch = getattr(run.trainer, "_seconds_per_epoch", None)
    while True:
        reason = run.should_stop()
        if reason:
            run.stop_reason = reason
            return reason
        if done >= epochs or not should_continue():
            return None
        size = epochs - done
        if per_epoch is None:
            size = 1
        else:
            size = min(size, max(1, int(CHUNK_SECONDS / per_epoch)))
        if run.evaluation is not None:
            every = run.evaluation.every
            size = min(size, every - run.epoch % every)
        start = time.perf_counter()
        before = run.epoch
        reason = _model_chunk(run, size)
        took = run.epoch - before
        done += took
        if took:
            per = (time.perf_counter() - start) / took
            per_epoch = per if per_epoch is None else 0.5 * per_epoch + 0.5 * per
            run.trainer._seconds_per_epoch = per_epoch
        if reason == _run.DIVERGED:
            run.stop_reason = reason
            return reason


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
    size = Model(layers=p.shape[1]).size
    m, v = _moments(optimizer, (k, size))
    t = np.full(k, getattr(optimizer, "t", 0), dtype=np.int64)
    out = np.empty((epochs, k))
    diverged = K.train_population_chunk(p, _time_major(x, k), _time_major(target, k), delay,
                                        *_hyper(optimizer), m, v, t, epochs, out)
    if epochs:
        _commit_moments(optimizer, m, v, int(t.max()), p.shape)
    return p, out, diverged


def warm_up(progress=None) -> bool:
    """Compile the training kernel, or load it from numba's cache, by training a tiny run.

    progress(text) is called with :data:`COMPILING_MESSAGE` before compiling when the cache
    is empty.  Returns True if anything was compiled (not loaded from the cache).  The
    population kernels (chunk.train_population) compile on their first use: nothing in the
    window needs them, and they would double the first launch's wait.
    """
    if not compiled.available():
        return False
    if progress is not None and not compiled.is_cached():
        progress(compiled.COMPILING_MESSAGE)
    from .run import RunConfig, TrainingRun
    from .tasks import preset
    run = TrainingRun(RunConfig(task=preset("sin-cos", length=4), epochs=0))
    train(run, 1)
    return any(d.stats.cache_misses for d in compiled._dispatchers())


def compile_seconds() -> float:
    """Time of :func:`warm_up` in this process (for the benchmark's subprocesses)."""
    start = time.perf_counter()
    warm_up()
    return time.perf_counter() - start


def trainer_for(run):
    """chunk.train if the compiled path is on and computes exactly what run.step() would,
    else None (TrainingRun then takes the numpy path, epoch by epoch)."""
    if compiled.active() != "compiled":
        return None
    if run.model is not None:
        return train_model if model_supported(run) else None
    return train if supported(run) else None
