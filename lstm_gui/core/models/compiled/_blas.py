"""numpy's own OpenBLAS, called from the numba kernels (matrix products of the general models).

numba's ``np.dot`` needs SciPy, which lstm-gui does not depend on; numpy's wheels ship
OpenBLAS (``numpy.libs/libscipy_openblas64_*.so``, symbols ``scipy_cblas_*64_``, 64-bit
integers).  The library is loaded into the process's symbol table and ``dgemm`` is declared
as an external function, so the kernels that call it are still cached on disk (numba
resolves the symbol by name when it loads them).

``HAVE_BLAS`` is False where that library is not found (a numpy built against another
BLAS): the kernels then use their own loops (``layer_kernels._matmul_acc``).  Measured at
the sum task's shapes (B = 32, H = 64: 32 x 64 x 256 and its two backward products), one
thread, on a loaded machine (load 13 on 2 cores): dgemm 143-190 us, the kernels' own loop
434-440 us (2.3-3x).
"""
from __future__ import annotations

import ctypes
import glob
import os
import threading

import numpy as np

ROW_MAJOR, NO_TRANS = 101, 111
DGEMM = "scipy_cblas_dgemm64_"
_SET_THREADS = "scipy_openblas_set_num_threads64_"


def _library() -> str | None:
    folder = os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs")
    found = sorted(glob.glob(os.path.join(folder, "libscipy_openblas64_*.so")))
    return found[0] if found else None


def _load():
    path = _library()
    if path is None:
        return None, None
    try:
        import llvmlite.binding as llvm
        from numba import types
        handle = ctypes.CDLL(path)
        getattr(handle, DGEMM)
        llvm.load_library_permanently(path)
    except (ImportError, OSError, AttributeError):
        return None, None
    i32, i64, f64 = types.int32, types.int64, types.float64
    # void cblas_dgemm(order, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc):
    # the enums are C ints; the pointers are passed as 64-bit integers (arr.ctypes.data).
    sig = types.void(i32, i32, i32, i64, i64, i64, f64, i64, i64, i64, i64, f64, i64, i64)
    return types.ExternalFunction(DGEMM, sig), handle


dgemm, _handle = _load()
HAVE_BLAS = dgemm is not None
SGEMM = "scipy_cblas_sgemm64_"


def _load_sgemm():
    """The float32 product of the same library (the opt-in float32 kernels, lstm32), or None."""
    if _handle is None or not hasattr(_handle, SGEMM):
        return None
    from numba import types
    i32, i64, f32 = types.int32, types.int64, types.float32
    sig = types.void(i32, i32, i32, i64, i64, i64, f32, i64, i64, i64, i64, f32, i64, i64)
    return types.ExternalFunction(SGEMM, sig)


sgemm = _load_sgemm()


def _no_blas_cache():
    """numba's FunctionCache whose files are named apart ("-noblas"): kernels compiled
    without OpenBLAS.  numba keys its cache on the source, the signature and the CPU, not on
    what a kernel calls: a kernel cached with dgemm, loaded in a process that has no such
    symbol, segfaulted at its first product.  (numba's cache classes are not public API; the
    name is the one numba gives, with a suffix.)"""
    from numba.core.caching import CompileResultCacheImpl, FunctionCache

    class Impl(CompileResultCacheImpl):
        def get_filename_base(self, fullname, abiflags):
            return super().get_filename_base(fullname + "-noblas", abiflags)

    class Cache(FunctionCache):
        _impl_class = Impl
    return Cache


def kernel_with(**options):
    """A decorator: ``njit(nogil=True, cache=True, **options)``, its cache keyed on
    HAVE_BLAS: with OpenBLAS the files numba names as usual (caches made so far stay valid),
    without it files of their own (see :func:`_no_blas_cache`).  Every kernel that calls
    dgemm, or calls one that does, is made with it (layer_kernels)."""
    def make(fn):
        from numba import njit
        dispatcher = njit(nogil=True, cache=True, **options)(fn)
        if not HAVE_BLAS:
            dispatcher._cache = _no_blas_cache()(dispatcher.py_func)
        MADE.append(dispatcher)
        return dispatcher
    return make


MADE: list = []        # every kernel kernel_with made (a test checks layer_kernels' are all here)




_local = threading.local()


def one_thread() -> None:
    """Make OpenBLAS run this thread's products on this thread alone (once per thread).

    The kernels' products are small (32 x 64 x 256 at the sum task); OpenBLAS's own threads
    on this shared 2-core machine (load 15) made the H = 64 forward pass take 1.2 s instead
    of 6 ms.  ``openblas_set_num_threads_local`` is per calling thread, so numpy's BLAS
    elsewhere in the process keeps its setting; without it the whole library is set to one.
    """
    if _handle is None or getattr(_local, "done", False):
        return
    fn = getattr(_handle, "openblas_set_num_threads_local", None)
    if fn is not None:
        fn.argtypes = [ctypes.c_int]
        fn.restype = ctypes.c_int
        fn(1)
    else:
        set_threads(1)
    _local.done = True


def set_threads(count: int) -> bool:
    """Let OpenBLAS use `count` threads (the benchmark compares one thread with torch's
    one).  False if the library is not in use."""
    if _handle is None:
        return False
    fn = getattr(_handle, _SET_THREADS, None)
    if fn is None:
        return False
    fn.argtypes = [ctypes.c_int64]
    fn(int(count))
    return True
