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

import importlib
import importlib.util
import os

KERNELS = ("numpy", "compiled")
ENV_VAR = "LSTM_GUI_KERNEL"
COMPILING_MESSAGE = "compiling the training kernel (first launch only)…"

_forced: str | None = None
_available: bool | None = None


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
    """
    name = _forced or os.environ.get(ENV_VAR, "").strip().lower() or None
    if name is None:
        return "compiled" if available() else "numpy"
    if name not in KERNELS:
        raise ValueError(f"{ENV_VAR} must be one of {', '.join(KERNELS)}, got {name!r}")
    if name == "compiled" and not available():
        raise RuntimeError(f"{ENV_VAR}=compiled needs numba: pip install 'lstm-gui[fast]'")
    return name


def kernels():
    """The module of numba kernels (imports numba; compiling happens on first call)."""
    from . import _kernels
    return _kernels


def _dispatchers():
    """The kernel TrainingRun calls (numba compiles what it calls along with it)."""
    return (kernels().train_chunk,)


def is_cached() -> bool | None:
    """True if numba's cache holds an index for every training kernel, False if one is
    missing, None if that cannot be told (numba's cache layout is not public API)."""
    try:
        return all(os.path.exists(d._cache._cache_file._index_path) for d in _dispatchers())
    except AttributeError:
        return None
