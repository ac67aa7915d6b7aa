"""The compiled training kernel (numba), optional: which path trains, and loading it.

Two paths compute the same epochs: ``numpy`` (``core/_single.py``, ``_population.py``,
``optim.py``: the readable reference, and the fallback without numba) and ``compiled``
(``_kernels.py``).  The compiled path is used when numba imports, unless the environment
variable ``LSTM_GUI_KERNEL=numpy|compiled`` or :func:`use` says otherwise.

numba compiles on first use; ``cache=True`` keeps the machine code on disk, so only the
first launch after an install pays (1.6-1.8 s measured, 0.14 s from the cache).
:func:`warm_up` does that up front and says whether it really compiled.
"""
from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import threading

KERNELS = ("numpy", "compiled")
ENV_VAR = "LSTM_GUI_KERNEL"
COMPILING_MESSAGE = "compiling the training kernel (first launch only)…"

_forced: str | None = None
_available: bool | None = None
# The thread compiling the kernels on a first launch (see :func:`compiling_here`), or None.
_compiler: int | None = None
_compiler_lock = threading.Lock()


def available() -> bool:
    """True if numba imports (checked once).  An installed numba that fails to import (it
    lags numpy's releases, and says so with an ImportError) counts as missing."""
    global _available
    if _available is None:
        try:
            _available = importlib.util.find_spec("numba") is not None and bool(
                importlib.import_module("numba"))
        except ImportError:
            _available = False
    return _available


def use(name: str | None) -> None:
    """Force a path for this process: 'numpy' or 'compiled'; None goes back to the
    environment variable, or to the compiled path when numba is installed."""
    if name is not None and name not in KERNELS:
        raise ValueError(f"unknown kernel {name!r}; choose one of {', '.join(KERNELS)}")
    global _forced
    _forced = name


def active() -> str:
    """The path training takes now: 'numpy' or 'compiled'.

    Raises ValueError for an unknown LSTM_GUI_KERNEL, RuntimeError if the compiled path is
    demanded and numba is missing (a silent fallback would hide it from a test).

    While another thread compiles the kernels (:func:`compiling_here`), this thread takes the
    numpy path: numba compiles under one process-wide lock, so a thread calling a kernel not
    yet compiled waited for the whole compile (the window's thread too, for minutes).
    """
    name = _forced or os.environ.get(ENV_VAR, "").strip().lower() or None
    if name is None:
        name = "compiled" if available() else "numpy"
    if name not in KERNELS:
        raise ValueError(f"{ENV_VAR} must be one of {', '.join(KERNELS)}, got {name!r}")
    if name == "compiled" and not available():
        raise RuntimeError(f"{ENV_VAR}=compiled needs numba: pip install 'lstm-gui[fast]'")
    compiler = _compiler
    if name == "compiled" and compiler is not None and compiler != threading.get_ident():
        return "numpy"
    return name


@contextlib.contextmanager
def compiling_here():
    """While the block runs, this thread compiles the kernels and every other thread takes
    the numpy path (:func:`active`).  For a first launch's warm-up only: the block ends when
    the kernels are compiled, whatever else waits."""
    global _compiler
    with _compiler_lock:
        mine = _compiler is None      # a second warm-up (another window) waits in numba's lock
        if mine:
            _compiler = threading.get_ident()
    try:
        yield
    finally:
        if mine:
            _compiler = None


def compiling() -> bool:
    """True while a thread compiles the kernels (:func:`compiling_here`)."""
    return _compiler is not None


def kernels():
    """The module of numba kernels (imports numba; compiling happens on first call)."""
    from . import _kernels
    return _kernels


def _dispatchers(models: bool = False):
    """The kernel TrainingRun calls (numba compiles what it calls along with it); with
    `models`, also the general models' kernels a model's run, its snapshot and the analyses
    call (training chunks, forward pass, trace, gradient)."""
    unit = (kernels().train_chunk,)
    if not models:
        return unit
    from . import layer_kernels as lk
    return unit + (lk.train_run, lk.predict, lk.trace_forward, lk.loss_and_grad)


def is_cached(models: bool = False) -> bool | None:
    """True if numba's cache holds an index for every training kernel (with `models`, the
    general models' too), False if one is missing, None if that cannot be told (numba's cache
    layout is not public API)."""
    try:
        return all(os.path.exists(d._cache._cache_file._index_path) for d in _dispatchers(models))
    except AttributeError:
        return None
