"""numba kernels for the general models: layers of H units, stacked, bidirectional, with a readout.

One model is described to the kernels by three small integer arrays made by ``fast_model``
from the model description (so no parameter name or count is written here):

- ``spec`` int64 (NSPEC,): the cell and its flags, layers L, directions D, hidden H, inputs m,
  gate slots G, readout, sequence-to-one (indices below);
- ``off`` int64 (L*D, 4, 3): for each layer/direction and gate slot, the offsets in theta of the
  gate's W (H x m_k, row-major), R (H x H) and b (H), -1 where absent;
- ``ext`` int64 (L*D, 4): offsets of the peepholes p_i, p_f, p_o (H each) and GRU's b_hn (H);
  ``ro`` int64 (2,): offsets of the readout w_y (D*H) and b_y (1).

Gate slots: LSTM family f, i, C~, o (a removed gate keeps its slot, with zero weights, and its
activation is a constant); GRU r, z, n.  Every step works on the whole mini-batch, time-major:
x (T, B, m), the loss the MSE over all outputs (sequence-to-sequence: T x B outputs, target
(T, B); sequence-to-one: the readout of the last step, B outputs, target (1, B)).

Inside, theta is unpacked into gate-major working arrays (``Work``): W (LD, GH, Mx) and its
transpose, R (LD, GH, H) and its transpose, so that every inner loop runs over a contiguous
axis without a reduction: the compiler turns those into vector code (a dot product, a
reduction, would stay scalar without fastmath, which would also break the NaN checks).

Every function is ``@njit(nogil=True, cache=True)`` when numba imports; without numba they are
plain Python (slow, correct: fast_model then prefers the numpy reference).
"""
from __future__ import annotations

import math

import numpy as np

try:
    import numba  # noqa: F401
    HAVE_NUMBA = True
except ImportError:        # numba is optional: the same loops run as plain Python
    HAVE_NUMBA = False

if HAVE_NUMBA:
    # njit(nogil=True, cache=True) with its cache keyed on whether OpenBLAS was found (a
    # kernel cached with dgemm and loaded without it segfaulted).
    from ._blas import HAVE_BLAS, NO_TRANS, ROW_MAJOR, dgemm, kernel_with
    # error_model="numpy": a float division by zero gives inf or NaN (which the kernels'
    # finiteness checks catch) instead of numba's default Python check, a branch in every
    # division that kept each loop with a division scalar (no vdivpd: measured, the gates'
    # sigmoids ran one element at a time).
    kernel = kernel_with(error_model="numpy")
    # The vector exp also lets LLVM fuse its polynomial's multiply-adds (FMA): 2.3 against
    # 3.4 ns an element (B*GH = 8192, load 7), still within 2.3e-16 of math.exp.
    exp_kernel = kernel_with(error_model="numpy", fastmath={"contract"})
else:
    def kernel(fn):
        return fn
    exp_kernel = kernel
    HAVE_BLAS = False
    dgemm = ROW_MAJOR = NO_TRANS = None
TRANS = 112          # CblasTrans

# spec's entries
CELL, LAYERS, DIRS, HIDDEN, INPUTS, GATES, PEEP, CIFG, NIG, NFG, NOG, NIAF, NOAF, READOUT, \
    SEQ2ONE, MMAX = range(16)
NSPEC = 16
# cells
LSTM, GRU = 0, 1
# off's last axis; ext's columns
W_, R_, B_ = 0, 1, 2
P_I, P_F, P_O, B_HN = 0, 1, 2, 3
# optimizers (the unit kernels' codes)
SGD, MOMENTUM, ADAM = 0, 1, 2
# stop reasons (the unit kernels' codes: compiled_run maps them to run.py's names)
NONE, BUDGET, TARGET, PLATEAU, DIVERGED = 0, 1, 2, 3, 4


# ---------------------------------------------------------------- exp, matrix products

# exp(x) = 2^k exp(r), k = round(x / ln 2), r = x - k ln 2 in two parts (Cody and Waite): the
# unit kernels' _vexp (_kernels.py), written so that every loop is vector code.  There,
# math.floor returns an int64 and kf * ln2 converts it back: AVX2 has no vector conversion
# between doubles and 64-bit integers, so its first loop ran scalar (7.7 ns an element
# measured at B*GH = 8192, load 3.8; this form, without FMA, 3.5 ns at the same load and bit
# for bit the unit kernels' values).  Here k stays a double (np.floor) and 2^k's bits come
# from the double 2^52 + 1023 + k, whose low bits hold the biased exponent: integer vector
# code (a subtraction and a shift).
_INV_LN2 = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_MAGIC = 4503599627371519.0      # 2^52 + 1023
_MAGIC_BITS = 0x4330000000000000  # the bits of 2^52


if HAVE_NUMBA:
    @exp_kernel
    def _vexp(z, out, bits):
        """out[:n] = exp(z[:n]), n = len(out), within 2.3e-16 relative of math.exp on
        [-708, 709] (clamped there; NaN stays NaN).  bits: int64 scratch, >= n."""
        n = out.shape[0]
        kbits = bits[:n].view(np.float64)
        for q in range(n):
            x = z[q]
            x = x if x > -708.0 else -708.0     # NaN compares false: it becomes -708 here...
            x = x if x < 709.0 else 709.0
            kf = np.floor(x * _INV_LN2 + 0.5)
            r = (x - kf * _LN2_HI) - kf * _LN2_LO
            # Taylor to r^13, |r| <= 0.347: the truncation is below 4e-18 relative.
            out[q] = 1.0 + r * (1.0 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (
                1 / 720 + r * (1 / 5040 + r * (1 / 40320 + r * (1 / 362880 + r * (
                    1 / 3628800 + r * (1 / 39916800 + r * (1 / 479001600 + r * (
                        1 / 6227020800)))))))))))))
            kbits[q] = kf + _MAGIC
        for q in range(n):
            bits[q] = (bits[q] - _MAGIC_BITS) << 52      # 2^k as a float's bits
        for q in range(n):
            v = out[q] * kbits[q]
            out[q] = v if z[q] == z[q] else z[q]        # ...and is put back here
else:
    def _vexp(z, out, bits):
        for k in range(out.shape[0]):
            out[k] = math.exp(min(max(z[k], -708.0), 709.0)) if z[k] == z[k] else z[k]


SMALL_K = 2          # _gemm's own loop up to this k (measured there)
SMALL_M = 4          # the input weights' gradient as x^T dz in the own loop up to m inputs


@kernel
def _gemm_own(ta, m, n, k, a, oa, lda, b, ob, ldb, c, oc, ldc):
    """c[oc:] (m x n, row stride ldc) += op(a) b: the kernels' own loop (where numpy's OpenBLAS
    is absent).  a, b, c flat float64 arrays; op(a) (m x k) is a[oa:] with row stride lda,
    or its transpose when ta (a then k x m); b[ob:] k x n with row stride ldb.  Four rows of
    c at a time, so each row of b is loaded once for four; the innermost loop runs along b's
    and c's rows (contiguous, no reduction): numba's LLVM turns it into vector code."""
    sr = 1 if ta else lda          # a's step from one row of op(a) to the next
    sk = lda if ta else 1          # ... and along k
    r0 = 0
    while r0 + 4 <= m:
        c0 = c[oc + r0 * ldc:oc + r0 * ldc + n]
        c1 = c[oc + (r0 + 1) * ldc:oc + (r0 + 1) * ldc + n]
        c2 = c[oc + (r0 + 2) * ldc:oc + (r0 + 2) * ldc + n]
        c3 = c[oc + (r0 + 3) * ldc:oc + (r0 + 3) * ldc + n]
        for q in range(k):
            pa = oa + r0 * sr + q * sk
            x0, x1, x2, x3 = a[pa], a[pa + sr], a[pa + 2 * sr], a[pa + 3 * sr]
            row = b[ob + q * ldb:ob + q * ldb + n]
            for j in range(n):
                v = row[j]
                c0[j] += x0 * v
                c1[j] += x1 * v
                c2[j] += x2 * v
                c3[j] += x3 * v
        r0 += 4
    for r in range(r0, m):
        cr = c[oc + r * ldc:oc + r * ldc + n]
        for q in range(k):
            x = a[oa + r * sr + q * sk]
            row = b[ob + q * ldb:ob + q * ldb + n]
            for j in range(n):
                cr[j] += x * row[j]


@kernel
def _gemm(ta, m, n, k, a, oa, lda, b, ob, ldb, c, oc, ldc):
    """c += op(a) b as _gemm_own describes (flat arrays, offsets, row strides): one dgemm of
    numpy's OpenBLAS when it is there, except for k <= SMALL_K (an outer product: the input
    part of a layer with one or two inputs).

    Measured (one thread, load 3-7, m x n x k): at the tutorial's H = 16 shapes dgemm took
    0.6-0.8 us for 5 x 64 x 16 and 5 x 16 x 64 and 15 us for 64 x 16 x 95, the own loop
    1.1, 1.6 and 40 us (it won only at 5 x 16 x 64 in 2-D row views, 0.50 against 0.56 us,
    idle); at the sum task's 32 x 256 x 64, 32 x 64 x 256, 256 x 64 x 288 dgemm 38, 44,
    500 us, the own loop 107, 84, 2140.  Where k = 1 or 2 the own loop wins (320 x 256 x 1:
    29 against 38 us; x 2: 42 against 45); from k = 4 dgemm (50 against 86 us)."""
    if m == 0 or n == 0 or k == 0:
        return
    if HAVE_BLAS and k > SMALL_K:
        dgemm(np.int32(ROW_MAJOR), np.int32(TRANS if ta else NO_TRANS), np.int32(NO_TRANS),
              m, n, k, 1.0, a.ctypes.data + 8 * oa, lda, b.ctypes.data + 8 * ob, ldb, 1.0,
              c.ctypes.data + 8 * oc, ldc)
        return
    _gemm_own(ta, m, n, k, a, oa, lda, b, ob, ldb, c, oc, ldc)


# ---------------------------------------------------------------- theta <-> working arrays

@kernel
def alloc_params(spec):
    """Working arrays for one model's parameters (and, the same shapes, its gradient):
    W (LD, GH, Mx), WT (LD, Mx, GH), R (LD, GH, H), RT (LD, H, GH), b (LD, GH), bhn (LD, H),
    peep (LD, 3, H), wy (D*H + 1: the readout's weights, then its bias)."""
    ld = spec[LAYERS] * spec[DIRS]
    h = spec[HIDDEN]
    gh = spec[GATES] * h
    mx = spec[MMAX]
    return (np.zeros((ld, gh, mx)), np.zeros((ld, mx, gh)), np.zeros((ld, gh, h)),
            np.zeros((ld, h, gh)), np.zeros((ld, gh)), np.zeros((ld, h)), np.zeros((ld, 3, h)),
            np.zeros(spec[DIRS] * h + 1))


@kernel
def unpack(theta, spec, off, ext, ro, W, WT, R, RT, b, bhn, peep, wy):
    """theta (P,) into the working arrays (absent entries stay zero)."""
    L, D, H, G = spec[LAYERS], spec[DIRS], spec[HIDDEN], spec[GATES]
    for ly in range(L):
        mk = spec[INPUTS] if ly == 0 else D * H
        for d in range(D):
            ld = ly * D + d
            for g in range(G):
                o = off[ld, g, W_]
                if o >= 0:
                    for j in range(H):
                        for k in range(mk):
                            v = theta[o + j * mk + k]
                            W[ld, g * H + j, k] = v
                            WT[ld, k, g * H + j] = v
                o = off[ld, g, R_]
                if o >= 0:
                    # R row by row, then its transpose with strided loads and contiguous
                    # stores (one strided store per element cost 60 us a batch at H = 64)
                    for j in range(H):
                        row = R[ld, g * H + j]
                        for k in range(H):
                            row[k] = theta[o + j * H + k]
                    for k in range(H):
                        col = RT[ld, k]
                        for j in range(H):
                            col[g * H + j] = theta[o + j * H + k]
                o = off[ld, g, B_]
                if o >= 0:
                    for j in range(H):
                        b[ld, g * H + j] = theta[o + j]
            for q in range(3):
                o = ext[ld, q]
                if o >= 0:
                    for j in range(H):
                        peep[ld, q, j] = theta[o + j]
            o = ext[ld, B_HN]
            if o >= 0:
                for j in range(H):
                    bhn[ld, j] = theta[o + j]
    if ro[0] >= 0:
        for k in range(D * H):
            wy[k] = theta[ro[0] + k]
    if ro[1] >= 0:
        wy[D * H] = theta[ro[1]]


@kernel
def pack_grad(spec, off, ext, ro, gW, gR, gb, gbhn, gpeep, gwy, grad):
    """The working gradient arrays into grad (P,), the layout of theta."""
    L, D, H, G = spec[LAYERS], spec[DIRS], spec[HIDDEN], spec[GATES]
    for ly in range(L):
        mk = spec[INPUTS] if ly == 0 else D * H
        for d in range(D):
            ld = ly * D + d
            for g in range(G):
                o = off[ld, g, W_]
                if o >= 0:
                    for j in range(H):
                        for k in range(mk):
                            grad[o + j * mk + k] = gW[ld, g * H + j, k]
                o = off[ld, g, R_]
                if o >= 0:
                    for j in range(H):
                        for k in range(H):
                            grad[o + j * H + k] = gR[ld, g * H + j, k]
                o = off[ld, g, B_]
                if o >= 0:
                    for j in range(H):
                        grad[o + j] = gb[ld, g * H + j]
            for q in range(3):
                o = ext[ld, q]
                if o >= 0:
                    for j in range(H):
                        grad[o + j] = gpeep[ld, q, j]
            o = ext[ld, B_HN]
            if o >= 0:
                for j in range(H):
                    grad[o + j] = gbhn[ld, j]
    if ro[0] >= 0:
        for k in range(D * H):
            grad[ro[0] + k] = gwy[k]
    if ro[1] >= 0:
        grad[ro[1]] = gwy[D * H]


# ---------------------------------------------------------------- the caches of one batch

@kernel
def alloc_batch(spec, T, B):
    """Caches of one forward pass over a batch of B sequences of T steps:
    hs (L, T, B, D*H) every layer's output; act (LD, T, B, GH) the gates' activations;
    cs, acs (LD, T, B, H): C and act(C) (GRU: unused, and W_hn h + b_hn); y (T, B) outputs;
    dbuf (2, T, B, Mx) dE/d(layer input) going down; scratch z, zh, dzx, dzh (B, GH),
    dh, dc (B, H), dzxT, dzhT (GH, B); arg, ex (B*GH), arg2, ex2 (2*B*H), bits (B*GH):
    _layer_forward's exp scratch."""
    L, D, H = spec[LAYERS], spec[DIRS], spec[HIDDEN]
    gh = spec[GATES] * H
    ld = L * D
    mx = spec[MMAX]
    return (np.zeros((L, T, B, D * H)), np.zeros((ld, T, B, gh)), np.zeros((ld, T, B, H)),
            np.zeros((ld, T, B, H)), np.zeros((T, B)), np.zeros((2, T, B, mx)),
            np.zeros((B, gh)), np.zeros((B, gh)), np.zeros((B, gh)), np.zeros((B, gh)),
            np.zeros((B, H)), np.zeros((B, H)), np.zeros((gh, B)), np.zeros((gh, B)),
            np.zeros(B * gh), np.zeros(B * gh), np.zeros(2 * B * H), np.zeros(2 * B * H),
            np.zeros(B * gh, dtype=np.int64))


@kernel
def _layer_forward(spec, d, mk, W_T, R_T, bias, bhn, peep, xin, hout, act, cs, acs, z, zh, arg,
                   ex, arg2, ex2, bits):
    """One direction d of one layer over xin (T, B, mk): fills hout[:, :, d*H:(d+1)*H] and
    the caches act (T, B, GH), cs, acs (T, B, H).  z, zh (B, GH), arg, ex (B*GH),
    arg2, ex2 (2*B*H), bits int64 (B*GH): scratch."""
    T, B = xin.shape[0], xin.shape[1]
    H = spec[HIDDEN]
    GH = spec[GATES] * H
    gru = spec[CELL] == GRU
    peep_on = spec[PEEP] != 0
    cifg, nig, nfg, nog = spec[CIFG] != 0, spec[NIG] != 0, spec[NFG] != 0, spec[NOG] != 0
    niaf, noaf = spec[NIAF] != 0, spec[NOAF] != 0
    oh = d * H
    scale = np.empty(GH)
    for j in range(GH):
        slot = j // H
        if gru:
            scale[j] = 0.0 if slot == 2 else -1.0     # n's exp comes after r is known
        else:
            scale[j] = 2.0 if slot == 2 else -1.0
    for s in range(T):
        t = s if d == 0 else T - 1 - s
        tp = t - 1 if d == 0 else t + 1
        # z = b + W x: the axpy form, the gates' axis innermost and contiguous.
        for bb in range(B):
            zr = z[bb]
            for j in range(GH):
                zr[j] = bias[j]
            for k in range(mk):
                xk = xin[t, bb, k]
                wr = W_T[k]
                for j in range(GH):
                    zr[j] += wr[j] * xk
        # the recurrent part (GRU: apart, r multiplies W_hn h + b_hn)
        rec = zh if gru else z
        if gru:
            zh[:, :] = 0.0
        if s > 0:
            _matmul_acc(hout[tp], oh, R_T, 0, rec, H, GH)
        if gru:
            for bb in range(B):
                for j in range(2 * H):
                    z[bb, j] += zh[bb, j]
        elif peep_on and s > 0:
            for bb in range(B):
                for u in range(H):
                    z[bb, u] += peep[1, u] * cs[tp, bb, u]
                    z[bb, H + u] += peep[0, u] * cs[tp, bb, u]
        # exp of every gate's argument at once (-z for a sigmoid, 2z for tanh), in the
        # vector exp (_vexp above: 3.5 ns an element against 7.7 for the unit kernels' at load
        # 3.8; math.exp, a scalar library call, 4.2 ns idle).
        for bb in range(B):
            for j in range(GH):
                arg[bb * GH + j] = scale[j] * z[bb, j]
        _vexp(arg, ex, bits)
        BH = B * H
        for bb in range(B):
            base = bb * GH
            for u in range(H):
                if gru:
                    r = 1.0 / (1.0 + ex[base + u])
                    hn = zh[bb, 2 * H + u] + bhn[u]
                    act[t, bb, u] = r
                    acs[t, bb, u] = hn
                    arg2[bb * H + u] = 2.0 * (z[bb, 2 * H + u] + r * hn)
                else:
                    cp = cs[tp, bb, u] if s > 0 else 0.0
                    i = 1.0 if nig else 1.0 / (1.0 + ex[base + H + u])
                    if cifg:
                        f = 1.0 - i
                    elif nfg:
                        f = 1.0
                    else:
                        f = 1.0 / (1.0 + ex[base + u])
                    g = z[bb, 2 * H + u] if niaf else 1.0 - 2.0 / (ex[base + 2 * H + u] + 1.0)
                    c = f * cp + i * g
                    zo = z[bb, 3 * H + u]
                    if peep_on:
                        zo += peep[2, u] * c
                    act[t, bb, u] = f
                    act[t, bb, H + u] = i
                    act[t, bb, 2 * H + u] = g
                    cs[t, bb, u] = c
                    arg2[bb * H + u] = 2.0 * c
                    arg2[BH + bb * H + u] = -zo
        _vexp(arg2, ex2, bits)
        for bb in range(B):
            for u in range(H):
                if gru:
                    n = 1.0 - 2.0 / (ex2[bb * H + u] + 1.0)
                    zz = 1.0 / (1.0 + ex[bb * GH + H + u])
                    hp = hout[tp, bb, oh + u] if s > 0 else 0.0
                    act[t, bb, H + u] = zz
                    act[t, bb, 2 * H + u] = n
                    hout[t, bb, oh + u] = (1.0 - zz) * n + zz * hp
                else:
                    c = cs[t, bb, u]
                    ac = c if noaf else 1.0 - 2.0 / (ex2[bb * H + u] + 1.0)
                    o = 1.0 if nog else 1.0 / (1.0 + ex2[BH + bb * H + u])
                    act[t, bb, 3 * H + u] = o
                    acs[t, bb, u] = ac
                    hout[t, bb, oh + u] = o * ac


@kernel
def _plain_lstm(spec):
    """True for the vanilla LSTM (no peepholes, coupling or ablation): _lstm_forward and
    _lstm_backward compute it without the family's flags in the inner loops."""
    return (spec[CELL] == LSTM and spec[PEEP] == 0 and spec[CIFG] == 0 and spec[NIG] == 0
            and spec[NFG] == 0 and spec[NOG] == 0 and spec[NIAF] == 0 and spec[NOAF] == 0)


@kernel
def _lstm_forward(d, mk, H, W_T, R_T, bias, xin, hout, act, cs, acs, arg, ex, arg2, ex2, bits):
    """_layer_forward for the vanilla LSTM (gate slots f, i, C~, o): the same caches.

    The input part b + W x of every step is one product before the recurrence (it does not
    depend on h; with up to SMALL_K inputs each step computes its own, in cache), written
    into act, where each step adds R h(t-1) and then replaces the arguments by the
    activations.  The element-wise loops have no family flags and few
    arrays each (LLVM gives up vectorising a loop that would need more than 8 run-time
    overlap checks): each is vector code (checked in the assembly: vdivpd, vmulpd)."""
    T, B = xin.shape[0], xin.shape[1]
    GH = 4 * H
    DH = hout.shape[2]
    oh = d * H
    BG = B * GH
    BH = B * H
    actf = act.reshape(act.size)
    hf = hout.reshape(hout.size)
    small = mk <= SMALL_K
    if not small:
        for t in range(T):
            for bb in range(B):
                a = act[t, bb]
                for j in range(GH):
                    a[j] = bias[j]
        _gemm(False, T * B, GH, mk, xin.reshape(xin.size), 0, xin.shape[2],
              W_T.reshape(W_T.size), 0, GH, actf, 0, GH)
    RTf = R_T.reshape(R_T.size)
    ea, e2 = ex[:BG], ex2[:BH]
    for s in range(T):
        t = s if d == 0 else T - 1 - s
        tp = t if s == 0 else (t - 1 if d == 0 else t + 1)
        if small:
            # one or two inputs: b + W x of this step here, while its rows are in cache (the
            # same sums as _gemm's own loop; two passes over all steps' gates before, 655 kB
            # at the sum task, more than this core's L2)
            for bb in range(B):
                a = act[t, bb]
                for j in range(GH):
                    a[j] = bias[j]
                for k in range(mk):
                    xv = xin[t, bb, k]
                    wk = W_T[k]
                    for j in range(GH):
                        a[j] += xv * wk[j]
        if s > 0:
            _gemm(False, B, GH, H, hf, tp * B * DH + oh, DH, RTf, 0, GH, actf, t * BG, GH)
        # exp of every gate's argument at once: -z for the sigmoids f, i, o, 2z for tanh
        for bb in range(B):
            a = act[t, bb]
            eb = bb * GH
            for j in range(GH):
                arg[eb + j] = -a[j]
            for u in range(H):
                arg[eb + 2 * H + u] = 2.0 * a[2 * H + u]
        _vexp(arg[:BG], ea, bits)
        for bb in range(B):
            eb = bb * GH
            fz = act[t, bb, 0:H]
            iz = act[t, bb, H:2 * H]
            gz = act[t, bb, 2 * H:3 * H]
            oz = act[t, bb, 3 * H:GH]
            for u in range(H):
                fz[u] = 1.0 / (1.0 + ex[eb + u])
            for u in range(H):
                iz[u] = 1.0 / (1.0 + ex[eb + H + u])
            for u in range(H):
                gz[u] = 1.0 - 2.0 / (ex[eb + 2 * H + u] + 1.0)
            for u in range(H):
                oz[u] = 1.0 / (1.0 + ex[eb + 3 * H + u])
            a = act[t, bb]
            c = cs[t, bb]
            a2 = arg2[bb * H:(bb + 1) * H]
            if s > 0:
                cp = cs[tp, bb]
                for u in range(H):
                    v = a[u] * cp[u] + a[H + u] * a[2 * H + u]
                    c[u] = v
                    a2[u] = 2.0 * v
            else:
                for u in range(H):
                    v = a[H + u] * a[2 * H + u]
                    c[u] = v
                    a2[u] = 2.0 * v
        _vexp(arg2[:BH], e2, bits)
        for bb in range(B):
            a = act[t, bb]
            acr = acs[t, bb]
            h = hout[t, bb]
            for u in range(H):
                ac = 1.0 - 2.0 / (ex2[bb * H + u] + 1.0)
                acr[u] = ac
                h[oh + u] = a[3 * H + u] * ac


@kernel
def _lstm_backward(d, mk, H, Wl, Rl, xin, hout, act, cs, acs, dout, dxin, need_dx, gW, gR, gb,
                   dh, dc):
    """_layer_backward for the vanilla LSTM.  Overwrites act[t] with dE/dz(t) once step t
    is done (its activations are not needed again), so that the weight gradients become
    one product each over all T steps after the recurrence (k = T*B instead of B per step),
    as dE/dxin (the bias gradient is summed per step, while dz(t) is in cache).  dh holds
    dE/dh of the step about to be done: dE/d(output) from above plus R^T dz of the step
    after it."""
    T, B = xin.shape[0], xin.shape[1]
    GH = 4 * H
    DH = hout.shape[2]
    oh = d * H
    BG = B * GH
    actf = act.reshape(act.size)
    Rf = Rl.reshape(Rl.size)
    dhf = dh.reshape(dh.size)
    t0 = T - 1 if d == 0 else 0
    for bb in range(B):
        for u in range(H):
            dh[bb, u] = dout[t0, bb, oh + u]
    dc[:, :] = 0.0
    for s in range(T - 1, -1, -1):
        t = s if d == 0 else T - 1 - s
        tp = t if s == 0 else (t - 1 if d == 0 else t + 1)
        for bb in range(B):
            oz = act[t, bb, 3 * H:GH]
            iz = act[t, bb, H:2 * H]
            gz = act[t, bb, 2 * H:3 * H]
            fz = act[t, bb, 0:H]
            acr = acs[t, bb]
            dhr = dh[bb]
            dcr = dc[bb]
            # loops of at most four arrays each (see _lstm_forward): dc holds dE/dC(t) ...
            for u in range(H):
                o = oz[u]
                ac = acr[u]
                dht = dhr[u]
                dcr[u] = dht * o * (1.0 - ac * ac) + dcr[u]
                oz[u] = dht * ac * o * (1.0 - o)
            for u in range(H):
                dct = dcr[u]
                i = iz[u]
                g = gz[u]
                iz[u] = dct * g * i * (1.0 - i)
                gz[u] = dct * i * (1.0 - g * g)
            # ... and then dE/dC(t-1) through the forget gate
            if s > 0:
                cpr = cs[tp, bb]
                for u in range(H):
                    f = fz[u]
                    dct = dcr[u]
                    fz[u] = dct * cpr[u] * f * (1.0 - f)
                    dcr[u] = dct * f
            else:
                for u in range(H):
                    fz[u] = 0.0
            # the bias gradient while dz(t) is in cache
            a = act[t, bb]
            for j in range(GH):
                gb[j] += a[j]
        if s > 0:
            for bb in range(B):
                dhr = dh[bb]
                for u in range(H):
                    dhr[u] = dout[tp, bb, oh + u]
            _gemm(False, B, H, GH, actf, t * BG, GH, Rf, 0, H, dhf, 0, H)
    xf = xin.reshape(xin.size)
    if mk <= SMALL_M:
        # dW^T = x^T dz (mk x GH): rows of GH along which the own loop runs; dW = dz^T x
        # itself has n = mk = 1 there, for which dgemm took 71 us at the sum task (256 x 1 x
        # 320) and the transposed form in the own loop 19 us (up to m = 4: 45 against 57).
        tmp = np.zeros(mk * GH)
        _gemm_own(True, mk, GH, T * B, xf, 0, xin.shape[2], actf, 0, GH, tmp, 0, GH)
        for k in range(mk):
            for j in range(GH):
                gW[j, k] += tmp[k * GH + j]
    else:
        _gemm(True, GH, mk, T * B, actf, 0, GH, xf, 0, xin.shape[2], gW.reshape(gW.size), 0,
              gW.shape[1])
    if T > 1:
        # step t's recurrent input is h(t-1) (forward) or h(t+1) (backward direction)
        a0 = BG if d == 0 else 0
        h0 = oh if d == 0 else B * DH + oh
        _gemm(True, GH, H, (T - 1) * B, actf, a0, GH, hout.reshape(hout.size), h0, DH,
              gR.reshape(gR.size), 0, H)
    if need_dx:
        _gemm(False, T * B, mk, GH, actf, 0, GH, Wl.reshape(Wl.size), 0, Wl.shape[1],
              dxin.reshape(dxin.size), 0, dxin.shape[2])


@kernel
def _matmul_acc(a, oa, bt, ob, out, kdim, n):
    """out[r, :n] += sum_k a[r, oa + k] * bt[k, ob:ob + n] for every row r of out.

    Four rows at a time, so each row of bt is loaded once for four; the innermost loop runs
    along bt's and out's rows (contiguous, no reduction): the compiler makes it vector code.
    Measured (B = 32, 64 x 256): 3.2 GMAC/s on a loaded machine where OpenBLAS's dgemm gave
    4.5; a 4 x 8 register tile written out and a dot-product form with fastmath were 4-5x
    slower (numba's LLVM did not vectorize them).  With numpy's OpenBLAS (``_blas``) this
    is one dgemm instead (2.3-3x faster at the sum task's shapes).  Every operand's rows
    are contiguous (C order)."""
    B = out.shape[0]
    if HAVE_BLAS:
        # A matrix of one row may carry any row stride (numpy's relaxed strides: 8 bytes for
        # a (1, N) view, seen with a single training sequence); BLAS refuses a leading
        # dimension below the row's length and then computes nothing, so it is at least that.
        dgemm(np.int32(ROW_MAJOR), np.int32(NO_TRANS), np.int32(NO_TRANS), B, n, kdim, 1.0,
              a.ctypes.data + 8 * oa, max(a.strides[0] // 8, oa + kdim),
              bt.ctypes.data + 8 * ob, max(bt.strides[0] // 8, ob + n), 1.0,
              out.ctypes.data, max(out.strides[0] // 8, n))
        return
    b0 = 0
    while b0 + 4 <= B:
        o0, o1, o2, o3 = out[b0], out[b0 + 1], out[b0 + 2], out[b0 + 3]
        for k in range(kdim):
            a0, a1, a2, a3 = a[b0, oa + k], a[b0 + 1, oa + k], a[b0 + 2, oa + k], a[b0 + 3, oa + k]
            row = bt[k, ob:ob + n]
            for j in range(n):
                r = row[j]
                o0[j] += a0 * r
                o1[j] += a1 * r
                o2[j] += a2 * r
                o3[j] += a3 * r
        b0 += 4
    for bb in range(b0, B):
        orow = out[bb]
        for k in range(kdim):
            ak = a[bb, oa + k]
            row = bt[k, ob:ob + n]
            for j in range(n):
                orow[j] += ak * row[j]


@kernel
def forward(spec, W, WT, R, RT, b, bhn, peep, wy, x, hs, act, cs, acs, y, z, zh, arg, ex, arg2,
            ex2, bits):
    """Every layer and direction over x (T, B, m), then the readout into y (T, B) (every step;
    without a readout y is h of the single unit)."""
    L, D, H = spec[LAYERS], spec[DIRS], spec[HIDDEN]
    T, B = x.shape[0], x.shape[1]
    plain = _plain_lstm(spec)
    for ly in range(L):
        mk = spec[INPUTS] if ly == 0 else D * H
        xin = x if ly == 0 else hs[ly - 1]
        for d in range(D):
            ld = ly * D + d
            if plain:
                _lstm_forward(d, mk, H, WT[ld], RT[ld], b[ld], xin, hs[ly], act[ld], cs[ld],
                              acs[ld], arg, ex, arg2, ex2, bits)
            else:
                _layer_forward(spec, d, mk, WT[ld], RT[ld], b[ld], bhn[ld], peep[ld], xin,
                               hs[ly], act[ld], cs[ld], acs[ld], z, zh, arg, ex, arg2, ex2, bits)
    top = hs[L - 1]
    DH = D * H
    for t in range(T):
        for bb in range(B):
            if spec[READOUT] != 0:
                acc = wy[DH]
                for k in range(DH):
                    acc += wy[k] * top[t, bb, k]
                y[t, bb] = acc
            else:
                y[t, bb] = top[t, bb, 0]


@kernel
def _layer_backward(spec, d, mk, Wl, Rl, peep, xin, hout, act, cs, acs, dout, dxin, need_dx,
                    gW, gR, gb, gbhn, gpeep, dh, dc, dzx, dzh, dzxT, dzhT):
    """Exact BPTT of one direction d of one layer.  dout (T, B, D*H): dE/d(this layer's
    output) from above (its columns d*H..).  Adds the parameter gradients into gW (GH, Mx),
    gR (GH, H), gb (GH), gbhn (H), gpeep (3, H), and dE/dxin into dxin (T, B, Mx) if need_dx.
    dh, dc (B, H), dzx, dzh (B, GH) scratch: dE/d(pre-activation) on the input side and on
    the recurrent side (they differ for GRU's n: r multiplies the recurrent part); dzxT,
    dzhT (GH, B) their transposes."""
    T, B = xin.shape[0], xin.shape[1]
    H = spec[HIDDEN]
    GH = spec[GATES] * H
    gru = spec[CELL] == GRU
    cifg, nig, nfg, nog = spec[CIFG] != 0, spec[NIG] != 0, spec[NFG] != 0, spec[NOG] != 0
    niaf, noaf = spec[NIAF] != 0, spec[NOAF] != 0
    oh = d * H
    dh[:, :] = 0.0
    dc[:, :] = 0.0
    for s in range(T - 1, -1, -1):
        t = s if d == 0 else T - 1 - s
        tp = t - 1 if d == 0 else t + 1
        for bb in range(B):
            for u in range(H):
                dht = dout[t, bb, oh + u] + dh[bb, u]
                if gru:
                    r = act[t, bb, u]
                    zz = act[t, bb, H + u]
                    n = act[t, bb, 2 * H + u]
                    hn = acs[t, bb, u]
                    hp = hout[tp, bb, oh + u] if s > 0 else 0.0
                    dzn = dht * (1.0 - zz) * (1.0 - n * n)
                    dzz = dht * (hp - n) * zz * (1.0 - zz)
                    dzr = dzn * hn * r * (1.0 - r)
                    dhn = dzn * r
                    dzx[bb, u] = dzr
                    dzx[bb, H + u] = dzz
                    dzx[bb, 2 * H + u] = dzn
                    dzh[bb, u] = dzr
                    dzh[bb, H + u] = dzz
                    dzh[bb, 2 * H + u] = dhn
                    gbhn[u] += dhn
                    dh[bb, u] = dht * zz        # the direct path z * h(t-1); R's part below
                else:
                    f = act[t, bb, u]
                    i = act[t, bb, H + u]
                    g = act[t, bb, 2 * H + u]
                    o = act[t, bb, 3 * H + u]
                    c = cs[t, bb, u]
                    ac = acs[t, bb, u]
                    cp = cs[tp, bb, u] if s > 0 else 0.0
                    dzo = 0.0 if nog else dht * ac * o * (1.0 - o)
                    dct = dht * o * (1.0 if noaf else 1.0 - ac * ac) + dzo * peep[2, u] + dc[bb, u]
                    di = dct * g
                    dg = dct * i
                    df = dct * cp
                    if cifg:
                        di -= df
                        dzf = 0.0
                    elif nfg:
                        dzf = 0.0
                    else:
                        dzf = df * f * (1.0 - f)
                    dzi = 0.0 if nig else di * i * (1.0 - i)
                    dzg = dg if niaf else dg * (1.0 - g * g)
                    dc[bb, u] = dct * f + dzf * peep[1, u] + dzi * peep[0, u]
                    gpeep[0, u] += dzi * cp
                    gpeep[1, u] += dzf * cp
                    gpeep[2, u] += dzo * c
                    dzx[bb, u] = dzf
                    dzx[bb, H + u] = dzi
                    dzx[bb, 2 * H + u] = dzg
                    dzx[bb, 3 * H + u] = dzo
                    dh[bb, u] = 0.0
        dzr_ = dzh if gru else dzx
        # dz transposed (GH, B): the weight gradients as products with the gates' axis as
        # the rows of the output (see _matmul_acc; an outer-product loop was 4x slower).
        for bb in range(B):
            for j in range(GH):
                gb[j] += dzx[bb, j]
                dzxT[j, bb] = dzx[bb, j]
                dzhT[j, bb] = dzr_[bb, j]
        _matmul_acc(dzxT, 0, xin[t], 0, gW, B, mk)
        if need_dx:
            _matmul_acc(dzx, 0, Wl, 0, dxin[t], GH, mk)
        if s > 0:
            _matmul_acc(dzhT, 0, hout[tp], oh, gR, B, H)
            _matmul_acc(dzr_, 0, Rl, 0, dh, GH, H)


@kernel
def loss_and_dout(spec, wy, hs, y, target, gwy, dout):
    """MSE over all outputs of y (T, B) against target (T, B), or (1, B) for
    sequence-to-one (the last step); writes dE/d(top layer's output) into dout (T, B, D*H)
    and adds the readout's gradient into gwy."""
    L, D, H = spec[LAYERS], spec[DIRS], spec[HIDDEN]
    T, B = y.shape[0], y.shape[1]
    DH = D * H
    top = hs[L - 1]
    dout[:, :, :] = 0.0
    t0 = T - 1 if spec[SEQ2ONE] != 0 else 0
    count = (T - t0) * B
    loss = 0.0
    for t in range(t0, T):
        tt = t - t0
        for bb in range(B):
            err = y[t, bb] - target[tt, bb]
            loss += err * err
            e = 2.0 / count * err
            if spec[READOUT] != 0:
                for k in range(DH):
                    dout[t, bb, k] = e * wy[k]
                    gwy[k] += e * top[t, bb, k]
                gwy[DH] += e
            else:
                dout[t, bb, 0] = e
    return loss / count


@kernel
def backward(spec, W, R, peep, x, hs, act, cs, acs, dbuf, gW, gR, gb, gbhn, gpeep, dh, dc, dzx,
             dzh, dzxT, dzhT):
    """BPTT through every layer, top down; dbuf[0] holds dE/d(top output) on entry.  The
    vanilla LSTM's backward overwrites act with dE/dz (act is spent after it)."""
    L, D, H = spec[LAYERS], spec[DIRS], spec[HIDDEN]
    plain = _plain_lstm(spec)
    cur = 0
    for ly in range(L - 1, -1, -1):
        mk = spec[INPUTS] if ly == 0 else D * H
        xin = x if ly == 0 else hs[ly - 1]
        nxt = 1 - cur
        if ly > 0:
            dbuf[nxt, :, :, :] = 0.0
        for d in range(D):
            ld = ly * D + d
            if plain:
                _lstm_backward(d, mk, H, W[ld], R[ld], xin, hs[ly], act[ld], cs[ld], acs[ld],
                               dbuf[cur], dbuf[nxt], ly > 0, gW[ld], gR[ld], gb[ld], dh, dc)
            else:
                _layer_backward(spec, d, mk, W[ld], R[ld], peep[ld], xin, hs[ly], act[ld],
                                cs[ld], acs[ld], dbuf[cur], dbuf[nxt], ly > 0, gW[ld], gR[ld],
                                gb[ld], gbhn[ld], gpeep[ld], dh, dc, dzx, dzh, dzxT, dzhT)
        cur = nxt


@kernel
def _zero_grads(gW, gR, gb, gbhn, gpeep, gwy):
    gW[:, :, :] = 0.0
    gR[:, :, :] = 0.0
    gb[:, :] = 0.0
    gbhn[:, :] = 0.0
    gpeep[:, :, :] = 0.0
    gwy[:] = 0.0


@kernel
def _loss_grad_batch(spec, prm, grd, x, target, bt):
    """MSE of the batch x (T, B, m), target, and its gradient into the working gradient
    arrays grd (zeroed here).  prm: unpacked parameters, bt: alloc_batch's caches."""
    W, WT, R, RT, b, bhn, peep, wy = prm
    gW, _gWT, gR, _gRT, gb, gbhn, gpeep, gwy = grd
    hs, act, cs, acs, y, dbuf, z, zh, dzx, dzh, dh, dc, dzxT, dzhT, arg, ex, arg2, ex2, bits = bt
    forward(spec, W, WT, R, RT, b, bhn, peep, wy, x, hs, act, cs, acs, y, z, zh, arg, ex, arg2,
            ex2, bits)
    _zero_grads(gW, gR, gb, gbhn, gpeep, gwy)
    # dbuf[0]'s last axis is Mx >= D*H: the top layer's dE/dh lives in its first D*H columns.
    loss = loss_and_dout(spec, wy, hs, y, target, gwy, dbuf[0])
    backward(spec, W, R, peep, x, hs, act, cs, acs, dbuf, gW, gR, gb, gbhn, gpeep, dh, dc, dzx,
             dzh, dzxT, dzhT)
    return loss


@kernel
def loss_and_grad(theta, spec, off, ext, ro, x, target, grad):
    """MSE of one model theta (P,) over the batch x (T, B, m) against target ((T, B), or
    (1, B) sequence-to-one), and its exact gradient into grad (P,)."""
    prm = alloc_params(spec)
    grd = alloc_params(spec)
    unpack(theta, spec, off, ext, ro, *prm)
    bt = alloc_batch(spec, x.shape[0], x.shape[1])
    loss = _loss_grad_batch(spec, prm, grd, x, target, bt)
    gW, _gWT, gR, _gRT, gb, gbhn, gpeep, gwy = grd
    grad[:] = 0.0
    pack_grad(spec, off, ext, ro, gW, gR, gb, gbhn, gpeep, gwy, grad)
    return loss


PREDICT_BLOCK = 32    # sequences at a time in _lstm_predict


@kernel
def _lstm_predict(spec, WT, RT, b, wy, x, y):
    """The outputs y (T, B) of a one-direction vanilla LSTM (any layers) over x (T, B, m),
    keeping only each layer's last h and C: the test-set pass.  Blocks of PREDICT_BLOCK
    sequences, every layer one step at a time, so that its arrays are (block x 4H) and stay
    in cache.  predict's whole-forward caches for the sum task's 200 test sequences were
    7 MB of fresh pages at every call: 22 ms against 6 ms for the same forward in arrays
    allocated once (measured, load 6), 10 such passes in the preset's run."""
    L, H, m = spec[LAYERS], spec[HIDDEN], spec[INPUTS]
    T, B = x.shape[0], x.shape[1]
    GH = 4 * H
    nb = min(B, PREDICT_BLOCK)
    h = np.zeros((L, nb, H))
    c = np.zeros((L, nb, H))
    z = np.empty((nb, GH))
    zf = z.reshape(z.size)
    arg = np.empty(nb * GH)
    ex = np.empty(nb * GH)
    arg2 = np.empty(nb * H)
    ex2 = np.empty(nb * H)
    bits = np.empty(nb * GH, dtype=np.int64)
    xb = np.empty((nb, m))
    xbf = xb.reshape(xb.size)
    readout = spec[READOUT] != 0
    for lo in range(0, B, nb):
        bn = min(nb, B - lo)
        for t in range(T):
            for bb in range(bn):
                for k in range(m):
                    xb[bb, k] = x[t, lo + bb, k]
            for ly in range(L):
                bias = b[ly]
                for bb in range(bn):
                    zr = z[bb]
                    for j in range(GH):
                        zr[j] = bias[j]
                if ly == 0:
                    _gemm(False, bn, GH, m, xbf, 0, m, WT[0].reshape(WT[0].size), 0, GH, zf, 0,
                          GH)
                else:
                    below = h[ly - 1]
                    _gemm(False, bn, GH, H, below.reshape(below.size), 0, H,
                          WT[ly].reshape(WT[ly].size), 0, GH, zf, 0, GH)
                hl = h[ly]
                cl = c[ly]
                if t > 0:
                    _gemm(False, bn, GH, H, hl.reshape(hl.size), 0, H,
                          RT[ly].reshape(RT[ly].size), 0, GH, zf, 0, GH)
                for bb in range(bn):
                    zr = z[bb]
                    eb = bb * GH
                    for j in range(GH):
                        arg[eb + j] = -zr[j]
                    for u in range(H):
                        arg[eb + 2 * H + u] = 2.0 * zr[2 * H + u]
                _vexp(arg[:bn * GH], ex[:bn * GH], bits)
                for bb in range(bn):
                    eb = bb * GH
                    fz = z[bb, 0:H]
                    iz = z[bb, H:2 * H]
                    gz = z[bb, 2 * H:3 * H]
                    oz = z[bb, 3 * H:GH]
                    for u in range(H):
                        fz[u] = 1.0 / (1.0 + ex[eb + u])
                    for u in range(H):
                        iz[u] = 1.0 / (1.0 + ex[eb + H + u])
                    for u in range(H):
                        gz[u] = 1.0 - 2.0 / (ex[eb + 2 * H + u] + 1.0)
                    for u in range(H):
                        oz[u] = 1.0 / (1.0 + ex[eb + 3 * H + u])
                    a = z[bb]
                    cr = cl[bb]
                    a2 = arg2[bb * H:(bb + 1) * H]
                    if t > 0:
                        for u in range(H):
                            v = a[u] * cr[u] + a[H + u] * a[2 * H + u]
                            cr[u] = v
                            a2[u] = 2.0 * v
                    else:
                        for u in range(H):
                            v = a[H + u] * a[2 * H + u]
                            cr[u] = v
                            a2[u] = 2.0 * v
                _vexp(arg2[:bn * H], ex2[:bn * H], bits)
                for bb in range(bn):
                    a = z[bb]
                    hr = hl[bb]
                    for u in range(H):
                        hr[u] = a[3 * H + u] * (1.0 - 2.0 / (ex2[bb * H + u] + 1.0))
            top = h[L - 1]
            for bb in range(bn):
                if readout:
                    acc = wy[H]
                    for k in range(H):
                        acc += wy[k] * top[bb, k]
                    y[t, lo + bb] = acc
                else:
                    y[t, lo + bb] = top[bb, 0]


@kernel
def predict(theta, spec, off, ext, ro, x, y):
    """The outputs y (T, B) of theta over x (T, B, m): the readout (or h) at every step."""
    prm = alloc_params(spec)
    W, WT, R, RT, b, bhn, peep, wy = prm
    unpack(theta, spec, off, ext, ro, *prm)
    if spec[DIRS] == 1 and _plain_lstm(spec):
        _lstm_predict(spec, WT, RT, b, wy, x, y)
        return
    # Only what the forward pass needs (alloc_batch's backward buffers doubled the time of
    # a test-set pass of 200 sequences: fresh pages for every call).
    L, D, H = spec[LAYERS], spec[DIRS], spec[HIDDEN]
    T, B = x.shape[0], x.shape[1]
    gh = spec[GATES] * H
    hs = np.empty((L, T, B, D * H))
    act = np.empty((L * D, T, B, gh))
    cs = np.empty((L * D, T, B, H))
    acs = np.empty((L * D, T, B, H))
    z = np.empty((B, gh))
    zh = np.empty((B, gh))
    arg = np.empty(B * gh)
    ex = np.empty(B * gh)
    arg2 = np.zeros(2 * B * H)
    ex2 = np.empty(2 * B * H)
    bits = np.empty(B * gh, dtype=np.int64)
    forward(spec, W, WT, R, RT, b, bhn, peep, wy, x, hs, act, cs, acs, y, z, zh, arg, ex, arg2,
            ex2, bits)



@kernel
def trace_forward(theta, spec, off, ext, ro, x):
    """The forward pass of theta over x (T, B, m) with every per-step array kept:
    returns hs (L, T, B, D*H) each layer's output, act (LD, T, B, GH) the gates'
    activations (LSTM family f, i, C~, o; GRU r, z, n), cs (LD, T, B, H) the cell state
    (LSTM family) and y (T, B) the outputs, each direction at the sequence's own time steps.
    A snapshot's trace (an H = 16, 2-layer GRU over 100 steps: 49 ms in the numpy
    reference's Python, holding the GIL from the window)."""
    prm = alloc_params(spec)
    W, WT, R, RT, b, bhn, peep, wy = prm
    unpack(theta, spec, off, ext, ro, *prm)
    bt = alloc_batch(spec, x.shape[0], x.shape[1])
    hs, act, cs, acs, y, _d, z, zh, _a, _b, _c, _e, _f, _g, arg, ex, arg2, ex2, bits = bt
    forward(spec, W, WT, R, RT, b, bhn, peep, wy, x, hs, act, cs, acs, y, z, zh, arg, ex, arg2,
            ex2, bits)
    return hs, act, cs, y

# ---------------------------------------------------------------- training

@kernel
def _update(kind, theta, grad, lr, beta1, beta2, eps, m, v, step):
    """SGD or Adam (PyTorch's, no weight decay) on theta (P,) in place; step is Adam's count
    before this update.  Returns False (and leaves theta, m, v alone) if a new parameter
    would not be finite."""
    P = theta.shape[0]
    # Finiteness as a count (x - x is NaN for inf and NaN) in a loop without stores, then
    # the update in loops of few arrays: vector code (an early return inside the loop and
    # seven arrays in one loop kept it scalar).
    if kind == SGD:
        bad = 0
        for k in range(P):
            x = theta[k] - lr * grad[k]
            bad += 0 if x - x == 0.0 else 1
        if bad:
            return False
        for k in range(P):
            theta[k] -= lr * grad[k]
        return True
    # math.pow, as CPython's float ** int (optim.Adam): numba's ** by an integer multiplies
    # by squaring, 1 ulp away, and the window's compiled chunks must equal the epochs taken
    # one by one in optim.Adam bit for bit.
    c1 = 1.0 - math.pow(beta1, float(step + 1))
    c2 = 1.0 - math.pow(beta2, float(step + 1))
    bad = 0
    for k in range(P):
        g = grad[k]
        mk = beta1 * m[k] + (1.0 - beta1) * g
        vk = beta2 * v[k] + (1.0 - beta2) * (g * g)
        x = theta[k] - lr * (mk / c1) / (math.sqrt(vk / c2) + eps)
        bad += 0 if x - x == 0.0 else 1
    if bad:
        return False
    for k in range(P):
        m[k] = beta1 * m[k] + (1.0 - beta1) * grad[k]
    for k in range(P):
        g = grad[k]
        v[k] = beta2 * v[k] + (1.0 - beta2) * (g * g)
    for k in range(P):
        theta[k] -= lr * (m[k] / c1) / (math.sqrt(v[k] / c2) + eps)
    return True


@kernel
def _gather(x, target, perm, lo, xb, tb):
    """Sequences perm[lo:lo+B] of x (T, N, m), target (Tt, N) into xb (T, B, m), tb (Tt, B)."""
    B = xb.shape[1]
    for bb in range(B):
        q = perm[lo + bb]
        for t in range(x.shape[0]):
            for k in range(x.shape[2]):
                xb[t, bb, k] = x[t, q, k]
        for t in range(target.shape[0]):
            tb[t, bb] = target[t, q]


@kernel
def train_epochs(theta, spec, off, ext, ro, x, target, perms, batch, kind, lr, beta1, beta2, eps,
                 m, v, counters, out_loss):
    """perms.shape[0] epochs of mini-batch training of theta (P,), in place.

    x (T, N, m), target (T, N) or (1, N) sequence-to-one; perms int64 (E, N): the order of
    the sequences in each epoch (drawn by the caller, so runs are reproducible and
    resumable); a mini-batch is `batch` consecutive sequences of that order (the last one
    smaller if batch does not divide N), one update each: forward, exact BPTT, SGD/Adam.
    m, v (P,) Adam's moments and counters int64 (1,) its step count, updated in place.
    out_loss (E,): each epoch's mean loss over its mini-batches, each taken before its
    update and weighted by its size (the epoch's training MSE as PyTorch code sums it).
    Returns the number of epochs done: a non-finite loss or update stops early, keeping the
    last finite parameters and moments.
    """
    T, N, M = x.shape[0], x.shape[1], x.shape[2]
    Tt = target.shape[0]
    P = theta.shape[0]
    prm = alloc_params(spec)
    grd = alloc_params(spec)
    grad = np.zeros(P)
    nb = min(batch, N)
    rem = N % nb
    bt_full = alloc_batch(spec, T, nb)
    bt_rem = alloc_batch(spec, T, max(rem, 1))
    xb_full = np.zeros((T, nb, M))
    tb_full = np.zeros((Tt, nb))
    xb_rem = np.zeros((T, max(rem, 1), M))
    tb_rem = np.zeros((Tt, max(rem, 1)))
    for e in range(perms.shape[0]):
        total = 0.0
        for lo in range(0, N, nb):
            full = lo + nb <= N
            xb = xb_full if full else xb_rem
            tb = tb_full if full else tb_rem
            _gather(x, target, perms[e], lo, xb, tb)
            unpack(theta, spec, off, ext, ro, *prm)
            loss = _loss_grad_batch(spec, prm, grd, xb, tb, bt_full if full else bt_rem)
            if not math.isfinite(loss):
                return e
            gW, _gWT, gR, _gRT, gb, gbhn, gpeep, gwy = grd
            pack_grad(spec, off, ext, ro, gW, gR, gb, gbhn, gpeep, gwy, grad)
            if not _update(kind, theta, grad, lr, beta1, beta2, eps, m, v, counters[0]):
                return e
            if kind == ADAM:
                counters[0] += 1
            total += loss * xb.shape[1]
        out_loss[e] = total / N
    return perms.shape[0]


@kernel
def train_population(thetas, spec, off, ext, ro, xs, targets, perms, batch, kind, lr, beta1,
                     beta2, eps, m, v, counters, out_loss, done):
    """K independent models thetas (K, P), each trained as train_epochs, in one call.

    xs (Kx, T, N, m), targets (Kx, Tt, N), perms (Kp, E, N): Kx, Kp = 1 (every model on the
    same data, the same order) or K (its own).  m, v (K, P), counters (K, 1), out_loss (K, E)
    and done (K,) (epochs each model did) as train_epochs's, per model.
    """
    K = thetas.shape[0]
    for km in range(K):
        kx = km if xs.shape[0] > 1 else 0
        kp = km if perms.shape[0] > 1 else 0
        done[km] = train_epochs(thetas[km], spec, off, ext, ro, xs[kx], targets[kx], perms[kp],
                                batch, kind, lr, beta1, beta2, eps, m[km], v[km], counters[km],
                                out_loss[km])


# ---------------------------------------------------------------- a run's chunk of epochs

@kernel
def _stop_reason(epoch, mse, best_epoch, budget, target_mse, plateau):
    """run.TrainingRun.should_stop for a run that has not diverged."""
    if budget > 0 and epoch >= budget:
        return BUDGET
    if target_mse > 0.0 and mse <= target_mse:
        return TARGET
    if plateau > 0 and epoch - best_epoch >= plateau:
        return PLATEAU
    return NONE


@kernel
def _run_update(kind, theta, grad, new, lr, beta, beta1, beta2, eps, clip, frozen, m, v,
                new_m, new_v, step):
    """optim.py's step after run.py's freezing, for one model: frozen entries of grad
    zeroed, the gradient scaled to norm <= clip (clip > 0), the update of SGD, momentum
    (v <- beta v + g) or Adam into new, then theta, m, v committed except frozen entries of
    theta.  Returns False, with theta, m and v untouched, if the update is not finite."""
    P = theta.shape[0]
    for k in range(P):
        if frozen[k]:
            grad[k] = 0.0
    if clip > 0.0:
        sq = 0.0
        for k in range(P):
            sq += grad[k] * grad[k]
        scale = min(1.0, clip / max(math.sqrt(sq), 1e-300))
        for k in range(P):
            grad[k] = grad[k] * scale
    # Loops of at most four arrays, the finiteness a count (x - x is NaN for inf and NaN):
    # vector code.  Seven arrays in one loop and a branch per element kept it scalar: 75 us
    # a batch at the sum task's 17 k parameters (thread time, load 7).
    if kind == SGD:
        for k in range(P):
            new[k] = theta[k] - lr * grad[k]
    elif kind == MOMENTUM:
        for k in range(P):
            new_m[k] = beta * m[k] + grad[k]
        for k in range(P):
            new[k] = theta[k] - lr * new_m[k]
    else:
        c1 = 1.0 - beta1 ** (step + 1)
        c2 = 1.0 - beta2 ** (step + 1)
        for k in range(P):
            new_m[k] = beta1 * m[k] + (1.0 - beta1) * grad[k]
        for k in range(P):
            g = grad[k]
            new_v[k] = beta2 * v[k] + (1.0 - beta2) * (g * g)
        for k in range(P):
            new[k] = theta[k] - lr * (new_m[k] / c1) / (math.sqrt(new_v[k] / c2) + eps)
    bad = 0
    for k in range(P):
        x = new[k]
        bad += 0 if x - x == 0.0 else 1
    if bad:
        return False
    for k in range(P):
        theta[k] = theta[k] if frozen[k] else new[k]
    if kind != SGD:
        m[:] = new_m
    if kind == ADAM:
        v[:] = new_v
    return True


@kernel
def train_run(theta, spec, off, ext, ro, x, target, perms, batch, kind, lr, beta, beta1, beta2,
              eps, clip, frozen, m, v, counters, floats, budget, target_mse, plateau, out_loss,
              out_params):
    """Up to perms.shape[0] epochs of TrainingRun's epochs of a model (run._model_step and
    the stop rules of run._train), in one call.  Returns (epochs done, stop reason code).

    theta (P,) in place; x (T, N, m), target (T, N) or (1, N); perms (E, N) each epoch's
    order (the run's shuffle generator's draws), cut into mini-batches of `batch`; kind,
    lr, beta (momentum), beta1, beta2, eps, clip (0: none), frozen bool (P,): the
    optimizer; m, v (P,) its moments (momentum's velocity in m); counters int64 (3,):
    epoch, best epoch, Adam's step count; floats (2,): mse, best mse; budget, target_mse,
    plateau: the stop rules (0: none).  Row j of out_loss (E,) is the j-th epoch's MSE (its
    batches' losses before their updates, weighted by size); out_params (E, P) its
    parameters after it, or (0, P) to keep none.  A non-finite loss stops with DIVERGED
    keeping the parameters of the batches before it; a non-finite update stops with
    DIVERGED and the epoch's first parameters (as run.py: NonFiniteStep leaves params).
    """
    T, N, M = x.shape[0], x.shape[1], x.shape[2]
    Tt = target.shape[0]
    P = theta.shape[0]
    prm = alloc_params(spec)
    grd = alloc_params(spec)
    grad = np.zeros(P)
    new = np.zeros(P)
    new_m = np.zeros(P)
    new_v = np.zeros(P)
    theta0 = np.zeros(P)
    nb = min(batch, N)
    rem = N % nb
    bt_full = alloc_batch(spec, T, nb)
    bt_rem = alloc_batch(spec, T, max(rem, 1))
    xb_full = np.zeros((T, nb, M))
    tb_full = np.zeros((Tt, nb))
    xb_rem = np.zeros((T, max(rem, 1), M))
    tb_rem = np.zeros((Tt, max(rem, 1)))
    for e in range(perms.shape[0]):
        reason = _stop_reason(counters[0], floats[0], counters[1], budget, target_mse, plateau)
        if reason != NONE:
            return e, reason
        theta0[:] = theta
        total = 0.0
        for lo in range(0, N, nb):
            full = lo + nb <= N
            xb = xb_full if full else xb_rem
            tb = tb_full if full else tb_rem
            _gather(x, target, perms[e], lo, xb, tb)
            unpack(theta, spec, off, ext, ro, *prm)
            loss = _loss_grad_batch(spec, prm, grd, xb, tb, bt_full if full else bt_rem)
            if not math.isfinite(loss):
                return e, DIVERGED
            gW, _gWT, gR, _gRT, gb, gbhn, gpeep, gwy = grd
            grad[:] = 0.0
            pack_grad(spec, off, ext, ro, gW, gR, gb, gbhn, gpeep, gwy, grad)
            if not _run_update(kind, theta, grad, new, lr, beta, beta1, beta2, eps, clip,
                               frozen, m, v, new_m, new_v, counters[2]):
                theta[:] = theta0
                return e, DIVERGED
            if kind == ADAM:
                counters[2] += 1
            total += loss * xb.shape[1]
        mse = total / N
        counters[0] += 1
        floats[0] = mse
        out_loss[e] = mse
        if out_params.shape[0] > 0:
            out_params[e] = theta
        if mse < floats[1] * (1.0 - 1e-4):
            floats[1] = mse
            counters[1] = counters[0]
    return perms.shape[0], _stop_reason(counters[0], floats[0], counters[1], budget,
                                        target_mse, plateau)
