"""The opt-in float32 training step of the vanilla LSTM (``RunConfig.precision="float32"``).

PyTorch computes in float32 by default; these kernels do the same for the plain LSTM (gate
slots f, i, C~, o; no peepholes, coupling or ablation), any layers, one direction or two,
sequence-to-sequence or sequence-to-one, with or without the readout: the same algorithm
as ``layer_kernels._lstm_forward`` / ``_lstm_backward`` (read their comments: the input
part as one product, element-wise loops of few arrays, the weight gradients one product
each over all steps), in float32 arrays: products by OpenBLAS's sgemm, element-wise loops
8 lanes a vector instead of 4, a float32 exp.

What stays float64: theta (the master parameters), the optimizer's moments and update
(``layer_kernels._run_update``, the same call as the float64 run), the stop rules, the
losses as summed over a batch and an epoch, and so every saved file.  Each mini-batch
unpacks theta into float32 working arrays, computes the loss and gradient in float32 and
packs the gradient back into float64.  A run in float32 therefore differs from the
float64 run by float32 rounding (about 1e-7 relative per operation), not bit for bit.

``train_run`` and ``loss_and_grad`` take exactly the arguments of their ``layer_kernels``
namesakes (float64 theta, x and target; the batch is gathered into float32), so the call
site switches module and nothing else.  This module is imported, and its kernels compiled
(or loaded from numba's cache), only when a run asks for float32: the window's warm-up
and the default path never touch it.
"""
from __future__ import annotations

import math

import numpy as np

from . import layer_kernels as lk
from ._blas import HAVE_BLAS, NO_TRANS, ROW_MAJOR, kernel_with, sgemm
from .layer_kernels import (
    ADAM,
    B_,
    DIRS,
    DIVERGED,
    GATES,
    HIDDEN,
    INPUTS,
    LAYERS,
    MMAX,
    NONE,
    R_,
    READOUT,
    SEQ2ONE,
    SMALL_K,
    SMALL_M,
    TRANS,
    W_,
)

# error_model="numpy" as layer_kernels (a division check kept loops scalar); the exp also
# fuses its polynomial's multiply-adds.
kernel = kernel_with(error_model="numpy")
exp_kernel = kernel_with(error_model="numpy", fastmath={"contract"})
# sgemm is in the same library as dgemm (numpy's OpenBLAS), so HAVE_BLAS (which keys the
# cache files) says whether it is there.
USE_SGEMM = HAVE_BLAS and sgemm is not None

F32 = np.float32
# Constants as float32: numba types a Python float as float64, and float32 * float64 is
# float64: every literal in these loops would turn them back into double (4 lanes).
ZERO, HALF, ONE, TWO = F32(0.0), F32(0.5), F32(1.0), F32(2.0)

# ---------------------------------------------------------------- exp in float32

# Cody and Waite's reduction as layer_kernels._vexp, in float32: k = round(x / ln 2),
# r = x - k ln 2 (ln 2 split in two so that k * _C1 is exact), exp(r) by Cephes' expf
# polynomial (|r| <= 0.35), 2^k from the bits of
# k + 2^23 + 127 shifted into the exponent (integer vector code).
_INV_LN2 = F32(1.44269504088896341)
_C1 = F32(0.693359375)
_C2 = F32(-2.12194440e-4)
_P0, _P1, _P2 = F32(1.9875691500e-4), F32(1.3981999507e-3), F32(8.3334519073e-3)
_P3, _P4, _P5 = F32(4.1665795894e-2), F32(1.6666665459e-1), F32(5.0000001201e-1)
_LO, _HI = F32(-87.0), F32(88.0)      # 2^k stays a normal float32 (k from -126 to 127)
_MAGIC = F32(8388735.0)               # 2^23 + 127


@exp_kernel
def _vexp(z, out, bits):
    """out[:n] = exp(z[:n]) in float32, n = len(out): within 8.4e-8 relative (1.01 ulp) of
    exp on [-87, 88] (2 million points; numpy's float32 exp 2.0e-7), clamped there (sigmoid
    and tanh are at their float32 limits); NaN stays NaN.
    bits: int32 scratch, >= n."""
    n = out.shape[0]
    kbits = bits[:n].view(np.float32)
    for q in range(n):
        x = z[q]
        x = x if x > _LO else _LO           # NaN compares false: it becomes _LO here...
        x = x if x < _HI else _HI
        kf = np.floor(x * _INV_LN2 + HALF)
        r = (x - kf * _C1) - kf * _C2
        p = ((((_P0 * r + _P1) * r + _P2) * r + _P3) * r + _P4) * r + _P5
        out[q] = (p * r) * r + r + ONE
        kbits[q] = kf + _MAGIC              # low bits 127 + k
    for q in range(n):
        bits[q] = bits[q] << 23             # the 2^23 bits shift out of 32: 2^k's bits
    for q in range(n):
        v = out[q] * kbits[q]
        out[q] = v if z[q] == z[q] else z[q]    # ...and is put back here


# ---------------------------------------------------------------- products

@kernel
def _gemm_own(ta, m, n, k, a, oa, lda, b, ob, ldb, c, oc, ldc):
    """layer_kernels._gemm_own in float32: c[oc:] (m x n, row stride ldc) += op(a) b."""
    sr = 1 if ta else lda
    sk = lda if ta else 1
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
    """layer_kernels._gemm in float32 (flat float32 arrays, offsets, row strides): sgemm
    of numpy's OpenBLAS except for k <= SMALL_K (the own loop, as there)."""
    if m == 0 or n == 0 or k == 0:
        return
    if USE_SGEMM and k > SMALL_K:
        sgemm(np.int32(ROW_MAJOR), np.int32(TRANS if ta else NO_TRANS), np.int32(NO_TRANS),
              m, n, k, ONE, a.ctypes.data + 4 * oa, lda, b.ctypes.data + 4 * ob, ldb, ONE,
              c.ctypes.data + 4 * oc, ldc)
        return
    _gemm_own(ta, m, n, k, a, oa, lda, b, ob, ldb, c, oc, ldc)


# ---------------------------------------------------------------- theta <-> working arrays

@kernel
def alloc_params(spec):
    """float32 working arrays of the plain LSTM: W (LD, GH, Mx), WT (LD, Mx, GH),
    R (LD, GH, H), RT (LD, H, GH), b (LD, GH), wy (D*H + 1)."""
    ld = spec[LAYERS] * spec[DIRS]
    h = spec[HIDDEN]
    gh = spec[GATES] * h
    mx = spec[MMAX]
    return (np.zeros((ld, gh, mx), dtype=np.float32), np.zeros((ld, mx, gh), dtype=np.float32),
            np.zeros((ld, gh, h), dtype=np.float32), np.zeros((ld, h, gh), dtype=np.float32),
            np.zeros((ld, gh), dtype=np.float32), np.zeros(spec[DIRS] * h + 1, dtype=np.float32))


@kernel
def unpack(theta, spec, off, ro, W, WT, R, RT, b, wy):
    """theta (P,) float64 into the float32 working arrays (layer_kernels.unpack's layout)."""
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
                            v = F32(theta[o + j * mk + k])
                            W[ld, g * H + j, k] = v
                            WT[ld, k, g * H + j] = v
                o = off[ld, g, R_]
                if o >= 0:
                    for j in range(H):
                        row = R[ld, g * H + j]
                        for k in range(H):
                            row[k] = F32(theta[o + j * H + k])
                    for k in range(H):
                        col = RT[ld, k]
                        for j in range(H):
                            col[g * H + j] = F32(theta[o + j * H + k])
                o = off[ld, g, B_]
                if o >= 0:
                    for j in range(H):
                        b[ld, g * H + j] = F32(theta[o + j])
    if ro[0] >= 0:
        for k in range(D * H):
            wy[k] = F32(theta[ro[0] + k])
    if ro[1] >= 0:
        wy[D * H] = F32(theta[ro[1]])


@kernel
def pack_grad(spec, off, ro, gW, gR, gb, gwy, grad):
    """The float32 working gradients into grad (P,) float64, the layout of theta."""
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
    if ro[0] >= 0:
        for k in range(D * H):
            grad[ro[0] + k] = gwy[k]
    if ro[1] >= 0:
        grad[ro[1]] = gwy[D * H]


@kernel
def alloc_batch(spec, T, B):
    """float32 caches of one batch (layer_kernels.alloc_batch's, the plain LSTM's part):
    hs (L, T, B, D*H), act (LD, T, B, GH), cs, acs (LD, T, B, H), y (T, B),
    dbuf (2, T, B, Mx), dh, dc (B, H), arg, ex (B*GH), arg2, ex2 (B*H), bits int32 (B*GH)."""
    L, D, H = spec[LAYERS], spec[DIRS], spec[HIDDEN]
    gh = spec[GATES] * H
    ld = L * D
    mx = spec[MMAX]
    f = np.float32
    return (np.zeros((L, T, B, D * H), dtype=f), np.zeros((ld, T, B, gh), dtype=f),
            np.zeros((ld, T, B, H), dtype=f), np.zeros((ld, T, B, H), dtype=f),
            np.zeros((T, B), dtype=f), np.zeros((2, T, B, mx), dtype=f),
            np.zeros((B, H), dtype=f), np.zeros((B, H), dtype=f),
            np.zeros(B * gh, dtype=f), np.zeros(B * gh, dtype=f),
            np.zeros(B * H, dtype=f), np.zeros(B * H, dtype=f),
            np.zeros(B * gh, dtype=np.int32))


# ---------------------------------------------------------------- forward, backward

@kernel
def _lstm_forward(d, mk, H, W_T, R_T, bias, xin, hout, act, cs, acs, arg, ex, arg2, ex2, bits):
    """layer_kernels._lstm_forward in float32 (the same caches and steps)."""
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
        for bb in range(B):
            a = act[t, bb]
            eb = bb * GH
            for j in range(GH):
                arg[eb + j] = -a[j]
            for u in range(H):
                arg[eb + 2 * H + u] = TWO * a[2 * H + u]
        _vexp(arg[:BG], ea, bits)
        for bb in range(B):
            eb = bb * GH
            fz = act[t, bb, 0:H]
            iz = act[t, bb, H:2 * H]
            gz = act[t, bb, 2 * H:3 * H]
            oz = act[t, bb, 3 * H:GH]
            for u in range(H):
                fz[u] = ONE / (ONE + ex[eb + u])
            for u in range(H):
                iz[u] = ONE / (ONE + ex[eb + H + u])
            for u in range(H):
                gz[u] = ONE - TWO / (ex[eb + 2 * H + u] + ONE)
            for u in range(H):
                oz[u] = ONE / (ONE + ex[eb + 3 * H + u])
            a = act[t, bb]
            c = cs[t, bb]
            a2 = arg2[bb * H:(bb + 1) * H]
            if s > 0:
                cp = cs[tp, bb]
                for u in range(H):
                    v = a[u] * cp[u] + a[H + u] * a[2 * H + u]
                    c[u] = v
                    a2[u] = TWO * v
            else:
                for u in range(H):
                    v = a[H + u] * a[2 * H + u]
                    c[u] = v
                    a2[u] = TWO * v
        _vexp(arg2[:BH], e2, bits)
        for bb in range(B):
            a = act[t, bb]
            acr = acs[t, bb]
            h = hout[t, bb]
            for u in range(H):
                ac = ONE - TWO / (ex2[bb * H + u] + ONE)
                acr[u] = ac
                h[oh + u] = a[3 * H + u] * ac


@kernel
def _lstm_backward(d, mk, H, Wl, Rl, xin, hout, act, cs, acs, dout, dxin, need_dx, gW, gR, gb,
                   dh, dc):
    """layer_kernels._lstm_backward in float32: act[t] becomes dE/dz(t) once step t is
    done; the weight gradients and dE/dxin are one product each over all steps."""
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
    dc[:, :] = ZERO
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
            for u in range(H):
                o = oz[u]
                ac = acr[u]
                dht = dhr[u]
                dcr[u] = dht * o * (ONE - ac * ac) + dcr[u]
                oz[u] = dht * ac * o * (ONE - o)
            for u in range(H):
                dct = dcr[u]
                i = iz[u]
                g = gz[u]
                iz[u] = dct * g * i * (ONE - i)
                gz[u] = dct * i * (ONE - g * g)
            if s > 0:
                cpr = cs[tp, bb]
                for u in range(H):
                    f = fz[u]
                    dct = dcr[u]
                    fz[u] = dct * cpr[u] * f * (ONE - f)
                    dcr[u] = dct * f
            else:
                for u in range(H):
                    fz[u] = ZERO
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
        tmp = np.zeros(mk * GH, dtype=np.float32)
        _gemm_own(True, mk, GH, T * B, xf, 0, xin.shape[2], actf, 0, GH, tmp, 0, GH)
        for k in range(mk):
            for j in range(GH):
                gW[j, k] += tmp[k * GH + j]
    else:
        _gemm(True, GH, mk, T * B, actf, 0, GH, xf, 0, xin.shape[2], gW.reshape(gW.size), 0,
              gW.shape[1])
    if T > 1:
        a0 = BG if d == 0 else 0
        h0 = oh if d == 0 else B * DH + oh
        _gemm(True, GH, H, (T - 1) * B, actf, a0, GH, hout.reshape(hout.size), h0, DH,
              gR.reshape(gR.size), 0, H)
    if need_dx:
        _gemm(False, T * B, mk, GH, actf, 0, GH, Wl.reshape(Wl.size), 0, Wl.shape[1],
              dxin.reshape(dxin.size), 0, dxin.shape[2])


@kernel
def forward(spec, WT, RT, b, wy, x, hs, act, cs, acs, y, arg, ex, arg2, ex2, bits):
    """Every layer and direction over x (T, B, m) float32, then the readout into y (T, B)."""
    L, D, H = spec[LAYERS], spec[DIRS], spec[HIDDEN]
    T, B = x.shape[0], x.shape[1]
    for ly in range(L):
        mk = spec[INPUTS] if ly == 0 else D * H
        xin = x if ly == 0 else hs[ly - 1]
        for d in range(D):
            ld = ly * D + d
            _lstm_forward(d, mk, H, WT[ld], RT[ld], b[ld], xin, hs[ly], act[ld], cs[ld],
                          acs[ld], arg, ex, arg2, ex2, bits)
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
def loss_and_dout(spec, wy, hs, y, target, gwy, dout):
    """layer_kernels.loss_and_dout in float32 (the loss summed in float64)."""
    L, D, H = spec[LAYERS], spec[DIRS], spec[HIDDEN]
    T, B = y.shape[0], y.shape[1]
    DH = D * H
    top = hs[L - 1]
    dout[:, :, :] = ZERO
    t0 = T - 1 if spec[SEQ2ONE] != 0 else 0
    count = (T - t0) * B
    scale = F32(2.0 / count)
    loss = 0.0
    for t in range(t0, T):
        tt = t - t0
        for bb in range(B):
            err = y[t, bb] - target[tt, bb]
            loss += float(err) * float(err)
            e = scale * err
            if spec[READOUT] != 0:
                for k in range(DH):
                    dout[t, bb, k] = e * wy[k]
                    gwy[k] += e * top[t, bb, k]
                gwy[DH] += e
            else:
                dout[t, bb, 0] = e
    return loss / count


@kernel
def backward(spec, W, R, x, hs, act, cs, acs, dbuf, gW, gR, gb, dh, dc):
    """BPTT through every layer, top down; dbuf[0] holds dE/d(top output) on entry."""
    L, D, H = spec[LAYERS], spec[DIRS], spec[HIDDEN]
    cur = 0
    for ly in range(L - 1, -1, -1):
        mk = spec[INPUTS] if ly == 0 else D * H
        xin = x if ly == 0 else hs[ly - 1]
        nxt = 1 - cur
        if ly > 0:
            dbuf[nxt, :, :, :] = ZERO
        for d in range(D):
            ld = ly * D + d
            _lstm_backward(d, mk, H, W[ld], R[ld], xin, hs[ly], act[ld], cs[ld], acs[ld],
                           dbuf[cur], dbuf[nxt], ly > 0, gW[ld], gR[ld], gb[ld], dh, dc)
        cur = nxt


@kernel
def _loss_grad_batch(spec, prm, grd, x, target, bt):
    """MSE of the float32 batch x (T, B, m), target, and its gradient into the float32
    working gradients grd (zeroed here).  prm: unpacked parameters, bt: alloc_batch's."""
    W, WT, R, RT, b, wy = prm
    gW, _gWT, gR, _gRT, gb, gwy = grd
    hs, act, cs, acs, y, dbuf, dh, dc, arg, ex, arg2, ex2, bits = bt
    forward(spec, WT, RT, b, wy, x, hs, act, cs, acs, y, arg, ex, arg2, ex2, bits)
    gW[:, :, :] = ZERO
    gR[:, :, :] = ZERO
    gb[:, :] = ZERO
    gwy[:] = ZERO
    loss = loss_and_dout(spec, wy, hs, y, target, gwy, dbuf[0])
    backward(spec, W, R, x, hs, act, cs, acs, dbuf, gW, gR, gb, dh, dc)
    return loss


@kernel
def _gather(x, target, perm, lo, xb, tb):
    """Sequences perm[lo:lo+B] of x (T, N, m), target (Tt, N) (float64) into the float32
    batch xb (T, B, m), tb (Tt, B)."""
    B = xb.shape[1]
    for bb in range(B):
        q = perm[lo + bb]
        for t in range(x.shape[0]):
            for k in range(x.shape[2]):
                xb[t, bb, k] = F32(x[t, q, k])
        for t in range(target.shape[0]):
            tb[t, bb] = F32(target[t, q])


# ---------------------------------------------------------------- entry points

@kernel
def loss_and_grad(theta, spec, off, ext, ro, x, target, grad):
    """layer_kernels.loss_and_grad in float32: the MSE of theta (P,) over x (T, B, m)
    against target ((T, B), or (1, B) sequence-to-one), its gradient into grad (P,)
    (float64 arrays in and out; ext is unused: the plain LSTM has no peepholes)."""
    prm = alloc_params(spec)
    grd = alloc_params(spec)
    W, WT, R, RT, b, wy = prm
    unpack(theta, spec, off, ro, W, WT, R, RT, b, wy)
    T, B = x.shape[0], x.shape[1]
    xb = np.empty((T, B, x.shape[2]), dtype=np.float32)
    tb = np.empty((target.shape[0], B), dtype=np.float32)
    _gather(x, target, np.arange(B), 0, xb, tb)
    bt = alloc_batch(spec, T, B)
    loss = _loss_grad_batch(spec, prm, grd, xb, tb, bt)
    gW, _gWT, gR, _gRT, gb, gwy = grd
    grad[:] = 0.0
    pack_grad(spec, off, ro, gW, gR, gb, gwy, grad)
    return loss


@kernel
def train_run(theta, spec, off, ext, ro, x, target, perms, batch, kind, lr, beta, beta1, beta2,
              eps, clip, frozen, m, v, counters, floats, budget, target_mse, plateau, out_loss,
              out_params):
    """layer_kernels.train_run with every mini-batch's loss and gradient in float32: the
    same arguments (float64 theta, data, moments), the same stop rules, history rows and
    divergence handling; the update in float64 (layer_kernels._run_update)."""
    T, N, M = x.shape[0], x.shape[1], x.shape[2]
    Tt = target.shape[0]
    P = theta.shape[0]
    prm = alloc_params(spec)
    grd = alloc_params(spec)
    W, WT, R, RT, b, wy = prm
    gW, _gWT, gR, _gRT, gb, gwy = grd
    grad = np.zeros(P)
    new = np.zeros(P)
    new_m = np.zeros(P)
    new_v = np.zeros(P)
    theta0 = np.zeros(P)
    nb = min(batch, N)
    rem = N % nb
    bt_full = alloc_batch(spec, T, nb)
    bt_rem = alloc_batch(spec, T, max(rem, 1))
    xb_full = np.zeros((T, nb, M), dtype=np.float32)
    tb_full = np.zeros((Tt, nb), dtype=np.float32)
    xb_rem = np.zeros((T, max(rem, 1), M), dtype=np.float32)
    tb_rem = np.zeros((Tt, max(rem, 1)), dtype=np.float32)
    for e in range(perms.shape[0]):
        reason = lk._stop_reason(counters[0], floats[0], counters[1], budget, target_mse,
                                 plateau)
        if reason != NONE:
            return e, reason
        theta0[:] = theta
        total = 0.0
        for lo in range(0, N, nb):
            full = lo + nb <= N
            xb = xb_full if full else xb_rem
            tb = tb_full if full else tb_rem
            _gather(x, target, perms[e], lo, xb, tb)
            unpack(theta, spec, off, ro, W, WT, R, RT, b, wy)
            loss = _loss_grad_batch(spec, prm, grd, xb, tb, bt_full if full else bt_rem)
            if not math.isfinite(loss):
                return e, DIVERGED
            grad[:] = 0.0
            pack_grad(spec, off, ro, gW, gR, gb, gwy, grad)
            if not lk._run_update(kind, theta, grad, new, lr, beta, beta1, beta2, eps, clip,
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
    return perms.shape[0], lk._stop_reason(counters[0], floats[0], counters[1], budget,
                                           target_mse, plateau)



PREDICT_BLOCK = lk.PREDICT_BLOCK


@kernel
def predict(theta, spec, off, ext, ro, x, y):
    """layer_kernels.predict in float32 (the test-set pass of a float32 run): the outputs
    y (T, B) float64 of theta over x (T, B, m) float64."""
    prm = alloc_params(spec)
    W, WT, R, RT, b, wy = prm
    unpack(theta, spec, off, ro, W, WT, R, RT, b, wy)
    if spec[DIRS] == 1:
        _lstm_predict(spec, WT, RT, b, wy, x, y)
        return
    T, B = x.shape[0], x.shape[1]
    xb = np.empty((T, B, x.shape[2]), dtype=np.float32)
    tb = np.empty((0, B), dtype=np.float32)
    _gather(x, np.empty((0, B)), np.arange(B), 0, xb, tb)
    hs, act, cs, acs, y32, _dbuf, _dh, _dc, arg, ex, arg2, ex2, bits = alloc_batch(spec, T, B)
    forward(spec, WT, RT, b, wy, xb, hs, act, cs, acs, y32, arg, ex, arg2, ex2, bits)
    for t in range(T):
        for bb in range(B):
            y[t, bb] = y32[t, bb]


@kernel
def _lstm_predict(spec, WT, RT, b, wy, x, y):
    """layer_kernels._lstm_predict in float32: a one-direction plain LSTM over x (T, B, m)
    float64 in blocks of PREDICT_BLOCK sequences, each layer's last h and C only; the
    outputs into y (T, B) float64."""
    L, H, m = spec[LAYERS], spec[HIDDEN], spec[INPUTS]
    T, B = x.shape[0], x.shape[1]
    GH = 4 * H
    nb = min(B, PREDICT_BLOCK)
    f = np.float32
    h = np.zeros((L, nb, H), dtype=f)
    c = np.zeros((L, nb, H), dtype=f)
    z = np.empty((nb, GH), dtype=f)
    zf = z.reshape(z.size)
    arg = np.empty(nb * GH, dtype=f)
    ex = np.empty(nb * GH, dtype=f)
    arg2 = np.empty(nb * H, dtype=f)
    ex2 = np.empty(nb * H, dtype=f)
    bits = np.empty(nb * GH, dtype=np.int32)
    xb = np.empty((nb, m), dtype=f)
    xbf = xb.reshape(xb.size)
    readout = spec[READOUT] != 0
    for lo in range(0, B, nb):
        bn = min(nb, B - lo)
        for t in range(T):
            for bb in range(bn):
                for k in range(m):
                    xb[bb, k] = F32(x[t, lo + bb, k])
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
                        arg[eb + 2 * H + u] = TWO * zr[2 * H + u]
                _vexp(arg[:bn * GH], ex[:bn * GH], bits)
                for bb in range(bn):
                    eb = bb * GH
                    fz = z[bb, 0:H]
                    iz = z[bb, H:2 * H]
                    gz = z[bb, 2 * H:3 * H]
                    oz = z[bb, 3 * H:GH]
                    for u in range(H):
                        fz[u] = ONE / (ONE + ex[eb + u])
                    for u in range(H):
                        iz[u] = ONE / (ONE + ex[eb + H + u])
                    for u in range(H):
                        gz[u] = ONE - TWO / (ex[eb + 2 * H + u] + ONE)
                    for u in range(H):
                        oz[u] = ONE / (ONE + ex[eb + 3 * H + u])
                    a = z[bb]
                    cr = cl[bb]
                    a2 = arg2[bb * H:(bb + 1) * H]
                    if t > 0:
                        for u in range(H):
                            v = a[u] * cr[u] + a[H + u] * a[2 * H + u]
                            cr[u] = v
                            a2[u] = TWO * v
                    else:
                        for u in range(H):
                            v = a[H + u] * a[2 * H + u]
                            cr[u] = v
                            a2[u] = TWO * v
                _vexp(arg2[:bn * H], ex2[:bn * H], bits)
                for bb in range(bn):
                    a = z[bb]
                    hr = hl[bb]
                    for u in range(H):
                        hr[u] = a[3 * H + u] * (ONE - TWO / (ex2[bb * H + u] + ONE))
            top = h[L - 1]
            for bb in range(bn):
                if readout:
                    acc = wy[H]
                    for k in range(H):
                        acc += wy[k] * top[bb, k]
                    y[t, lo + bb] = acc
                else:
                    y[t, lo + bb] = top[bb, 0]
