"""numba's cache keys on whether numpy's OpenBLAS was found (issue 26): a kernel cached while it
was found calls its dgemm; loaded in a process without it (numpy built against another BLAS, or
the library missing), the call went to a symbol that does not exist and the process segfaulted."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

# A tiny kernel made as layer_kernels makes its own (its decorator, its dgemm), so that the
# test compiles in a second instead of the minutes layer_kernels takes cold.
TINY = textwrap.dedent("""
    import numpy as np
    from lstm_gui.core.models.compiled.layer_kernels import HAVE_BLAS, NO_TRANS, ROW_MAJOR, dgemm, kernel

    @kernel
    def product(a, b, out):
        m, k = a.shape
        n = b.shape[1]
        if HAVE_BLAS:
            dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, m, n, k, 1.0, a.ctypes.data, k, b.ctypes.data, n,
                  0.0, out.ctypes.data, n)
        else:
            for i in range(m):
                for j in range(n):
                    s = 0.0
                    for q in range(k):
                        s += a[i, q] * b[q, j]
                    out[i, j] = s
""")

RUN = textwrap.dedent("""
    import glob, sys
    if sys.argv[1] == "hidden":     # numpy's OpenBLAS not found, as with another numpy build
        real = glob.glob
        glob.glob = lambda pattern, *a, **k: [] if "openblas" in pattern else real(pattern, *a, **k)
    from lstm_gui.core.models.compiled import _blas
    glob.glob = __import__("glob").glob
    import numpy as np
    import tiny
    a = np.arange(6.0).reshape(2, 3)
    b = np.arange(12.0).reshape(3, 4)
    out = np.zeros((2, 4))
    tiny.product(a, b, out)
    print(_blas.HAVE_BLAS, float(np.abs(out - a @ b).max()), tiny.product.stats.cache_hits.total())
""")


def _run(tmp_path, state):
    env = dict(os.environ, PYTHONPATH=f"{tmp_path}{os.pathsep}{ROOT}",
               NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    return subprocess.run([sys.executable, "-c", RUN, state], env=env, capture_output=True,
                          text=True, timeout=300, check=False)


def test_a_kernel_cached_with_openblas_is_not_loaded_without_it(tmp_path):
    (tmp_path / "tiny.py").write_text(TINY)
    found = _run(tmp_path, "found")
    assert found.returncode == 0, found.stderr[-2000:]
    assert found.stdout.split()[:2] == ["True", "0.0"]
    hidden = _run(tmp_path, "hidden")
    assert hidden.returncode == 0, f"exit {hidden.returncode}: {hidden.stderr[-2000:]}"
    have, error, hits = hidden.stdout.split()
    assert (have, float(error), int(hits)) == ("False", 0.0, 0)   # compiled anew, not loaded
    # And loads its own from then on.
    assert _run(tmp_path, "hidden").stdout.split() == ["False", "0.0", "1"]


def test_the_model_kernels_are_made_by_that_decorator():
    from numba.core.registry import CPUDispatcher

    from lstm_gui.core.models.compiled import _blas, layer_kernels
    kernels = [v for v in vars(layer_kernels).values() if isinstance(v, CPUDispatcher)]
    assert len(kernels) > 10
    assert all(any(k is made for made in _blas.MADE) for k in kernels)
