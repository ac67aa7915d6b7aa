"""Compile (or load from numba's cache) every kernel the window's runs call, before they call it.

``compiled_run.warm_up`` compiles the unit's kernel.  A model's first run then compiled
layer_kernels' fused kernel (``train_run``), its forward pass and its trace in the training
thread, under the run's lock, for tens of seconds to minutes (340 s seen at load 13), and the
window showed nothing meanwhile.  Here a tiny model is trained, evaluated and traced once: the
very calls a model's run makes, with the same argument types (the kernels read a model's
layout from arrays, so one compile serves every model, family and size).

While a cold cache compiles, every other thread takes the numpy path
(:func:`compiled.compiling_here`): numba compiles under one process-wide lock, and a thread
calling a kernel not yet compiled would wait for the whole compile.
"""
from __future__ import annotations

import contextlib

from ..models import compiled
from . import compiled_run


def warm_up_all(progress=None) -> bool:
    """Compile or load the unit's kernel, then the general models'.

    progress(text) is called with :data:`compiled.COMPILING_MESSAGE` first when the cache
    lacks any of them.  Returns True if anything was compiled (not loaded from the cache).
    """
    if not compiled.available():
        return False
    cached = compiled.is_cached(models=True)
    if progress is not None and not cached:
        progress(compiled.COMPILING_MESSAGE)
    # Loading a cached kernel takes about a second: other threads need not switch path for it.
    gate = contextlib.nullcontext() if cached else compiled.compiling_here()
    with gate:
        compiled_run.warm_up()
        _run_a_tiny_model()
        _trace_a_long_unit()
    return any(d.stats.cache_misses for d in compiled._dispatchers(models=True))


def _trace_a_long_unit() -> None:
    """The kernel a unit's snapshot takes on a long sequence (unit.COMPILED_FROM), called
    with the same argument types on a short one."""
    import numpy as np

    from ..models import UNIT, unit
    unit._compiled_layer_forward(np.zeros(UNIT.size), np.zeros(4))


def _run_a_tiny_model() -> None:
    """Two epochs of a layer of 2 units (training chunks, the test MSE), a snapshot (its trace)
    and one gradient (the landscape's Hessian and the gradient view)."""
    from ..models.compiled.fast_model import FastModel
    from .run import RunConfig, TrainingRun
    from .tasks import preset
    run = TrainingRun(RunConfig(hidden=2, task=preset("sin-cos", length=8), epochs=2))
    run.train(2)
    run.snapshot_job().compute()
    assert run.model is not None
    FastModel(run.model).loss_and_grad(run.params, run.x, run.target)
