"""numba kernels: the exact epoch of one model (a chain of units) and of a population.

The same computation as ``_single`` / ``_population`` and ``optim``, written as plain loops
over floats that numba compiles.  Every kernel is ``nogil=True``: while a chunk of epochs runs,
the window's thread holds the GIL and draws.  ``cache=True`` keeps the machine code on disk,
so only the first launch compiles.

Layouts: one model's parameters are ``p`` (U, 12) in the SPEC order
(W_fh, W_fx, b_f, W_ih, W_ix, b_i, W_Ch, W_Cx, b_C, W_oh, W_ox, b_o); its sequences
``(U, n)``, one row per unit.  A population is ``p`` (K, U, 12), computed in blocks of
BLOCK models: the models are the innermost loop, in vector code (4 models a vector), so
the independent recurrences of many models overlap in the CPU instead of each waiting on
its own exp/tanh latency (see "the population kernel" below).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, types
from numba.extending import intrinsic

# Stop reasons, as codes (run.py's names: see REASONS in compiled/__init__.py).
NONE, BUDGET, TARGET, PLATEAU, DIVERGED = 0, 1, 2, 3, 4
# Optimizers, as codes.
SGD, MOMENTUM, ADAM = 0, 1, 2

# Every kernel: without the GIL while it runs, machine code kept in numba's disk cache.
kernel = njit(nogil=True, cache=True)


@kernel
def _sigmoid(z):
    # exp(-z) overflows to inf for z < -709: 1 / inf = 0, the right limit.
    return 1.0 / (1.0 + math.exp(-z))


@kernel
def _tanh(z):
    # tanh from exp: exp costs 4.2 ns here, math.tanh 14 ns and expm1 9.7 ns (measured,
    # independent calls), and there are two tanh per step.  The absolute error stays below
    # 2.3e-16 (the relative error grows near 0, where tanh(z) ~ z, harmlessly: every use
    # adds it to terms of order 1).  exp overflows to inf for z > 354: 1 - 2/inf = 1.
    return 1.0 - 2.0 / (math.exp(2.0 * z) + 1.0)


# ---------------------------------------------------------------- one model (a chain)

@kernel
def layer_forward(p, x_in, f, i, c_tilde, c, o, tc, h):
    """One unit, p (12,), over x_in (n,): fills f, i, c_tilde, c, o, tanh(c), h (n,)."""
    W_fh, W_fx, b_f, W_ih, W_ix, b_i, W_Ch, W_Cx, b_C, W_oh, W_ox, b_o = (
        p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11])
    h_t = 0.0
    c_t = 0.0
    for t in range(x_in.shape[0]):
        x_t = x_in[t]
        f_t = _sigmoid(W_fh * h_t + W_fx * x_t + b_f)
        i_t = _sigmoid(W_ih * h_t + W_ix * x_t + b_i)
        g_t = _tanh(W_Ch * h_t + W_Cx * x_t + b_C)
        o_t = _sigmoid(W_oh * h_t + W_ox * x_t + b_o)
        c_t = f_t * c_t + i_t * g_t
        tc_t = _tanh(c_t)
        h_t = o_t * tc_t
        f[t], i[t], c_tilde[t], o[t], c[t], tc[t], h[t] = f_t, i_t, g_t, o_t, c_t, tc_t, h_t


@kernel
def layer_backward(p, x_in, f, i, c_tilde, c, o, tc, h, e, grad, dx_in):
    """Exact gradient of one unit by backpropagation through time.

    e (n,) is dE/dh(t) from outside the unit.  Adds dE/dp into grad (12,) and writes
    dE/dx_in (n,) into dx_in.
    """
    W_fh, W_fx, W_ih, W_ix, W_Ch, W_Cx, W_oh, W_ox = (
        p[0], p[1], p[3], p[4], p[6], p[7], p[9], p[10])
    dh_next = 0.0     # dE/dh(t) through step t+1's gates
    dc_next = 0.0     # dE/dC(t) through C(t+1)
    for t in range(x_in.shape[0] - 1, -1, -1):
        dh = e[t] + dh_next
        dc = dh * o[t] * (1.0 - tc[t] * tc[t]) + dc_next
        # dE/dz of each gate's pre-activation z.
        dz_o = dh * tc[t] * o[t] * (1.0 - o[t])
        c_prev = c[t - 1] if t > 0 else 0.0
        h_prev = h[t - 1] if t > 0 else 0.0
        dz_f = dc * c_prev * f[t] * (1.0 - f[t])
        dz_i = dc * c_tilde[t] * i[t] * (1.0 - i[t])
        dz_g = dc * i[t] * (1.0 - c_tilde[t] * c_tilde[t])
        x_t = x_in[t]
        grad[0] += dz_f * h_prev
        grad[1] += dz_f * x_t
        grad[2] += dz_f
        grad[3] += dz_i * h_prev
        grad[4] += dz_i * x_t
        grad[5] += dz_i
        grad[6] += dz_g * h_prev
        grad[7] += dz_g * x_t
        grad[8] += dz_g
        grad[9] += dz_o * h_prev
        grad[10] += dz_o * x_t
        grad[11] += dz_o
        dx_in[t] = W_fx * dz_f + W_ix * dz_i + W_Cx * dz_g + W_ox * dz_o
        dh_next = W_fh * dz_f + W_ih * dz_i + W_Ch * dz_g + W_oh * dz_o
        dc_next = dc * f[t]


@kernel
def _delay_into(dst, src, delay):
    """dst = src shifted down by `delay` steps, zeros in front (lstmlib's timing)."""
    n = src.shape[0]
    for t in range(delay):
        dst[t] = 0.0
    for t in range(delay, n):
        dst[t] = src[t - delay]


@kernel
def model_loss_and_grad(p, x, target, delay, work, grad):
    """MSE of a chain p (U, 12) over x, target (n,), and its exact gradient into grad (U, 12).

    work (10, U, n) is scratch: x_in, f, i, c_tilde, c, o, tanh(c), h, dE/dh, dE/dx_in.
    """
    units = p.shape[0]
    n = x.shape[0]
    x_in, f, i, g, c, o, tc, h, e = (work[0], work[1], work[2], work[3], work[4], work[5],
                                     work[6], work[7], work[8])
    _delay_into(x_in[0], x, delay)
    for u in range(units):
        layer_forward(p[u], x_in[u], f[u], i[u], g[u], c[u], o[u], tc[u], h[u])
        if u + 1 < units:
            _delay_into(x_in[u + 1], h[u], delay)
    mse = 0.0
    out = h[units - 1]
    e_last = e[units - 1]
    for t in range(n):
        err = out[t] - target[t]
        mse += err * err
        e_last[t] = 2.0 / n * err
    grad[:] = 0.0
    dx_in = work[9, 0]
    for u in range(units - 1, -1, -1):
        layer_backward(p[u], x_in[u], f[u], i[u], g[u], c[u], o[u], tc[u], h[u], e[u],
                       grad[u], dx_in)
        if u > 0:
            # The unit before reads dE/dx_in as its dE/dh, undoing the delay.
            e_prev = e[u - 1]
            for t in range(n - delay):
                e_prev[t] = dx_in[t + delay]
            for t in range(n - delay, n):
                e_prev[t] = 0.0
    return mse / n


# ---------------------------------------------------------------- the optimizers

@kernel
def clip_and_freeze(grad, clip, frozen):
    """Zero the frozen entries of grad (flat, (P,)), then scale it to norm <= clip (if > 0),
    as optim.Optimizer._clipped does for one model."""
    for k in range(grad.shape[0]):
        if frozen[k]:
            grad[k] = 0.0
    if clip > 0.0:
        sq = 0.0
        for k in range(grad.shape[0]):
            sq += grad[k] * grad[k]
        scale = min(1.0, clip / max(math.sqrt(sq), 1e-300))
        for k in range(grad.shape[0]):
            grad[k] = grad[k] * scale


@kernel
def optimizer_step(kind, p, grad, new, lr, beta, beta1, beta2, eps, m, v, t, new_m, new_v):
    """The update of optim.py into new (flat (P,)), moments into new_m, new_v; nothing else
    is touched, so a non-finite result can be dropped.  t is Adam's step count before this
    step.  Returns True if every new parameter is finite.

    A moment that optim.py starts as None is zeros here: beta * 0 + g is exactly g.
    """
    finite = True
    if kind == SGD:
        for k in range(p.shape[0]):
            new[k] = p[k] - lr * grad[k]
    elif kind == MOMENTUM:
        for k in range(p.shape[0]):
            new_m[k] = beta * m[k] + grad[k]
            new[k] = p[k] - lr * new_m[k]
    else:
        c1 = 1.0 - beta1 ** (t + 1)
        c2 = 1.0 - beta2 ** (t + 1)
        for k in range(p.shape[0]):
            g = grad[k]
            new_m[k] = beta1 * m[k] + (1.0 - beta1) * g
            new_v[k] = beta2 * v[k] + (1.0 - beta2) * (g * g)
            new[k] = p[k] - lr * (new_m[k] / c1) / (math.sqrt(new_v[k] / c2) + eps)
    for k in range(p.shape[0]):
        if not math.isfinite(new[k]):
            finite = False
    return finite


@kernel
def stop_reason(epoch, mse, best_epoch, budget, target_mse, plateau):
    """run.TrainingRun.should_stop, for a run that has not diverged."""
    if budget > 0 and epoch >= budget:
        return BUDGET
    if target_mse > 0.0 and mse <= target_mse:
        return TARGET
    if plateau > 0 and epoch - best_epoch >= plateau:
        return PLATEAU
    return NONE


# ---------------------------------------------------------------- a chunk of epochs

@kernel
def train_chunk(p, xs, targets, delay, kind, lr, clip, beta, beta1, beta2, eps, m, v,
                counters, floats, frozen, budget, target_mse, plateau, out_mse, out_params):
    """Up to out_mse.shape[0] epochs of TrainingRun.step for one model, stopping as
    TrainingRun._train does.  Returns (epochs done, stop reason code).

    p (U, 12) is updated in place; xs, targets (R, n): the sequences of each epoch (R = 1
    when they never change).  m, v (U*12,): the optimizer's moments, updated in place.
    counters int64 (3,): epoch, best epoch, Adam's step count; floats (2,): mse, best mse;
    both updated in place.  frozen bool (U*12,).  Row j of out_mse (E,) and out_params
    (E, U*12) is the history row of the j-th epoch done: the loss before the update and the
    parameters after it.  A non-finite loss or update stops with DIVERGED and keeps the last
    finite parameters and moments.
    """
    units = p.shape[0]
    n = xs.shape[1]
    size = units * 12
    flat = p.reshape(size)
    work = np.empty((10, units, n))
    grad = np.empty((units, 12))
    g = grad.reshape(size)
    new = np.empty(size)
    new_m = np.empty(size)
    new_v = np.empty(size)
    for j in range(out_mse.shape[0]):
        reason = stop_reason(counters[0], floats[0], counters[1], budget, target_mse, plateau)
        if reason != NONE:
            return j, reason
        r = j if xs.shape[0] > 1 else 0
        mse = model_loss_and_grad(p, xs[r], targets[r], delay, work, grad)
        if not math.isfinite(mse):
            return j, DIVERGED
        clip_and_freeze(g, clip, frozen)
        if not optimizer_step(kind, flat, g, new, lr, beta, beta1, beta2, eps, m, v,
                              counters[2], new_m, new_v):
            return j, DIVERGED
        for k in range(size):
            # Zeroing the gradient is not enough: momentum and Adam move a parameter on.
            if not frozen[k]:
                flat[k] = new[k]
        if kind != SGD:
            m[:] = new_m
        if kind == ADAM:
            v[:] = new_v
            counters[2] += 1
        counters[0] += 1
        floats[0] = mse
        out_mse[j] = mse
        out_params[j] = flat
        if mse < floats[1] * (1.0 - 1e-4):
            floats[1] = mse
            counters[1] = counters[0]
    return out_mse.shape[0], stop_reason(counters[0], floats[0], counters[1], budget,
                                         target_mse, plateau)


# ---------------------------------------------------------------- a population

# exp(x) = 2^k exp(r), k = round(x / ln 2), r = x - k ln 2 in two parts (Cody and Waite).
_INV_LN2 = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10


@kernel
def _vexp(z, out, bits):
    """out[:n] = exp(z[:n]), n = len(out), in loops the compiler vectorises (math.exp is a
    scalar library call).  Measured: 1.3 ns an element against 4.2 for math.exp, within
    2.3e-16 relative of it on [-708, 709].  Arguments are clamped to [-708, 709] (where
    sigmoid and tanh have rounded to their limits long before); NaN stays NaN.
    bits: int64 scratch, at least n long.
    """
    n = out.shape[0]
    for k in range(n):
        x = z[k]
        x = x if x > -708.0 else -708.0     # NaN compares false: it becomes -708 here...
        x = x if x < 709.0 else 709.0
        kf = math.floor(x * _INV_LN2 + 0.5)
        r = (x - kf * _LN2_HI) - kf * _LN2_LO
        # Taylor to r^13, |r| <= 0.347: the truncation is below 4e-18 relative.
        out[k] = 1.0 + r * (1.0 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (
            1 / 720 + r * (1 / 5040 + r * (1 / 40320 + r * (1 / 362880 + r * (1 / 3628800 + r * (
                1 / 39916800 + r * (1 / 479001600 + r * (1 / 6227020800)))))))))))))
        bits[k] = (np.int64(kf) + 1023) << 52       # 2^k as a float's bits
    scale = bits[:n].view(np.float64)
    for k in range(n):
        v = out[k] * scale[k]
        out[k] = v if z[k] == z[k] else z[k]        # ...and is put back here

# ---------------------------------------------------------------- the population kernel
#
# K independent models, vectorised across the models: every loop below runs over the BLOCK
# models of a block, innermost, and LLVM turns it into AVX2 code (4 models a vector).  Three
# things make that happen, each measured (tests/core/models/test_compiled.py checks the
# results, not the machine code):
#
# - error_model="numpy": with numba's default ("python"), every division checks for zero to
#   raise ZeroDivisionError, and that branch alone kept every loop with a division scalar;
# - one work array per block (T), indexed with compile-time offsets (BLOCK is a constant):
#   the vectoriser then knows the distance between every pair of accesses.  With one array
#   per quantity it needed a run-time alias check per pair and gave up ("too many memory
#   checks"), and with running sums read and written in several arrays it could not prove
#   the order safe;
# - exp inline (`_exp1`), as vector code: its 2^k is built from the bits of the rounding
#   constant (an LLVM bitcast, `_f2i`/`_i2f`), where `np.int64(k)` compiled to four scalar
#   conversions per vector.
#
# fastmath={"contract"} lets a * b + c be one FMA (rounded once): the population's results
# differ from its models computed one by one (train_chunk, which keeps separate roundings)
# by a few ulp, within the tests' 1e-14.


@intrinsic
def _f2i(typingctx, x):
    """The bits of a float64 as an int64 (no conversion)."""
    if x != types.float64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.int64))
    return types.int64(types.float64), codegen


@intrinsic
def _i2f(typingctx, x):
    """An int64's bits as a float64 (no conversion)."""
    if x != types.int64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))
    return types.float64(types.int64), codegen


# The population's loops: vector code (see above).
pkernel = njit(nogil=True, cache=True, fastmath={"contract"}, error_model="numpy")

_SHIFT = 6755399441055744.0             # 1.5 * 2^52: adding it rounds to an integer...
_SHIFT_BITS = 0x4338000000000000        # ...held in the low bits of these


@njit(inline="always", fastmath={"contract"}, error_model="numpy")
def _exp1(z):
    """exp(z) as _vexp computes it, for one element inside a vectorised loop: clamped to
    [-708, 709] (sigmoid and tanh are at their limits long before), NaN stays NaN (the
    clamps let it through and every step after keeps it).  Within 4.5e-16 of math.exp."""
    x = -708.0 if z < -708.0 else z
    x = 709.0 if x > 709.0 else x
    y = x * _INV_LN2 + _SHIFT            # round(x / ln 2) + _SHIFT, exactly
    kf = y - _SHIFT
    r = (x - kf * _LN2_HI) - kf * _LN2_LO
    # Taylor to r^13 (|r| <= 0.347) by Estrin's scheme: the same terms, a third of Horner's
    # latency, which the recurrence waits on.
    r2 = r * r
    r4 = r2 * r2
    r8 = r4 * r4
    q = (((1.0 + r) + (1 / 2 + r * (1 / 6)) * r2)
         + ((1 / 24 + r * (1 / 120)) + (1 / 720 + r * (1 / 5040)) * r2) * r4) + (
        ((1 / 40320 + r * (1 / 362880)) + (1 / 3628800 + r * (1 / 39916800)) * r2)
        + (1 / 479001600 + r * (1 / 6227020800)) * r4) * r8
    return q * _i2f((_f2i(y) - _SHIFT_BITS + 1023) << 52)     # q * 2^k


@pkernel
def exp_each(z, out):
    """out = _exp1(z), element by element (for tests: the exp the population computes)."""
    for k in range(out.shape[0]):
        out[k] = _exp1(z[k])


# Models per block.  A compile-time constant: the loops over a block have a fixed length.
# Measured (n = 100, one unit, per model-epoch, thread CPU time under load 4-6): forward
# pass 16 models 1.8-1.9 us, 32 models 1.8-2.3 us, 8 models 6.0 us (2 vectors a step cannot
# hide the step's latency).
BLOCK = 16
# Fewer models than this take _small_loss_and_grad: the work array holds 16 lanes whatever
# K, and from 32 models on it is no larger than the earlier kernel's arrays were.
VECTOR_MIN = 2 * BLOCK
# Rows of one time step in the work array T (each BLOCK long, the block's models): the
# forward pass's input, gates, cell, tanh(cell), output; the backward pass's dE/dh from
# outside, dE/dz of the four gates, dE/dx_in, and dE/dh, dE/dC flowing back into the step.
(_X, _F, _I, _G, _O, _C, _TC, _H, _E, _ZF, _ZI, _ZG, _ZO, _DX, _DH, _DC) = range(16)
NQ = 16
STEP = NQ * BLOCK


@pkernel
def _forward(Tu, Wu, n):
    """One unit's forward pass for a block: steps r = 1..n of Tu ((n+1) * STEP; step 0 holds
    h = C = 0) from the inputs in rows _X; Wu (12 * BLOCK,) the parameters gate-major."""
    for r in range(1, n + 1):
        # One view over steps r-1 and r: every access below is at a fixed offset from it.
        V = Tu[(r - 1) * STEP:(r + 1) * STEP]
        for km in range(BLOCK):
            x_t = V[STEP + _X * BLOCK + km]
            hp = V[_H * BLOCK + km]
            # exp's arguments: -z for the sigmoid gates, 2z for tanh (see _sigmoid, _tanh).
            f_t = 1.0 / (1.0 + _exp1(-(Wu[km] * hp + Wu[BLOCK + km] * x_t
                                       + Wu[2 * BLOCK + km])))
            i_t = 1.0 / (1.0 + _exp1(-(Wu[3 * BLOCK + km] * hp + Wu[4 * BLOCK + km] * x_t
                                       + Wu[5 * BLOCK + km])))
            g_t = 1.0 - 2.0 / (_exp1(2.0 * (Wu[6 * BLOCK + km] * hp + Wu[7 * BLOCK + km] * x_t
                                            + Wu[8 * BLOCK + km])) + 1.0)
            o_t = 1.0 / (1.0 + _exp1(-(Wu[9 * BLOCK + km] * hp + Wu[10 * BLOCK + km] * x_t
                                       + Wu[11 * BLOCK + km])))
            V[STEP + _F * BLOCK + km] = f_t
            V[STEP + _I * BLOCK + km] = i_t
            V[STEP + _G * BLOCK + km] = g_t
            V[STEP + _O * BLOCK + km] = o_t
            V[STEP + _C * BLOCK + km] = f_t * V[_C * BLOCK + km] + i_t * g_t
        # tanh(C) in a loop of its own: its exp waits on the four above, and in one loop
        # that wait was not hidden by the next models' gates (the loop body, ~300
        # instructions, outgrows the reorder window).  Split: 20-35 % less time.
        for km in range(BLOCK):
            tcc = 1.0 - 2.0 / (_exp1(2.0 * V[STEP + _C * BLOCK + km]) + 1.0)
            V[STEP + _TC * BLOCK + km] = tcc
            V[STEP + _H * BLOCK + km] = V[STEP + _O * BLOCK + km] * tcc


@pkernel
def _backward(Tu, Wu, Gu, n):
    """One unit's exact BPTT for a block, from dE/dh in rows _E: adds dE/dp into Gu
    (12 * BLOCK,), gate-major, and writes dE/dx_in into rows _DX.  Rows _DH, _DC of step n
    must be zero."""
    for r in range(n, 0, -1):
        V = Tu[(r - 1) * STEP:(r + 1) * STEP]
        # Two loops a step: with the twelve running sums in the first, the vectoriser
        # could not prove the order of its memory accesses safe.
        for km in range(BLOCK):
            o_t = V[STEP + _O * BLOCK + km]
            tc_t = V[STEP + _TC * BLOCK + km]
            f_t = V[STEP + _F * BLOCK + km]
            i_t = V[STEP + _I * BLOCK + km]
            g_t = V[STEP + _G * BLOCK + km]
            dh = V[STEP + _E * BLOCK + km] + V[STEP + _DH * BLOCK + km]
            dc = dh * o_t * (1.0 - tc_t * tc_t) + V[STEP + _DC * BLOCK + km]
            dz_o = dh * tc_t * o_t * (1.0 - o_t)
            dz_f = dc * V[_C * BLOCK + km] * f_t * (1.0 - f_t)
            dz_i = dc * g_t * i_t * (1.0 - i_t)
            dz_g = dc * i_t * (1.0 - g_t * g_t)
            V[STEP + _ZF * BLOCK + km] = dz_f
            V[STEP + _ZI * BLOCK + km] = dz_i
            V[STEP + _ZG * BLOCK + km] = dz_g
            V[STEP + _ZO * BLOCK + km] = dz_o
            V[STEP + _DX * BLOCK + km] = (Wu[BLOCK + km] * dz_f + Wu[4 * BLOCK + km] * dz_i
                                          + Wu[7 * BLOCK + km] * dz_g + Wu[10 * BLOCK + km] * dz_o)
            V[_DH * BLOCK + km] = (Wu[km] * dz_f + Wu[3 * BLOCK + km] * dz_i
                                   + Wu[6 * BLOCK + km] * dz_g + Wu[9 * BLOCK + km] * dz_o)
            V[_DC * BLOCK + km] = dc * f_t
        for km in range(BLOCK):
            h_prev = V[_H * BLOCK + km]
            x_t = V[STEP + _X * BLOCK + km]
            dz_f = V[STEP + _ZF * BLOCK + km]
            dz_i = V[STEP + _ZI * BLOCK + km]
            dz_g = V[STEP + _ZG * BLOCK + km]
            dz_o = V[STEP + _ZO * BLOCK + km]
            Gu[km] += dz_f * h_prev
            Gu[BLOCK + km] += dz_f * x_t
            Gu[2 * BLOCK + km] += dz_f
            Gu[3 * BLOCK + km] += dz_i * h_prev
            Gu[4 * BLOCK + km] += dz_i * x_t
            Gu[5 * BLOCK + km] += dz_i
            Gu[6 * BLOCK + km] += dz_g * h_prev
            Gu[7 * BLOCK + km] += dz_g * x_t
            Gu[8 * BLOCK + km] += dz_g
            Gu[9 * BLOCK + km] += dz_o * h_prev
            Gu[10 * BLOCK + km] += dz_o * x_t
            Gu[11 * BLOCK + km] += dz_o


@kernel
def population_work(units, n):
    """The work arrays of the population kernel, reused by every block and epoch:
    T (units * (n+1) * STEP,), W and Gr (units * 12 * BLOCK,)."""
    return (np.empty(units * (n + 1) * STEP), np.empty(units * 12 * BLOCK),
            np.empty(units * 12 * BLOCK))


@pkernel
def _block_loss_and_grad(p, xb, tb, lo, delay, mse, grad, T, W, Gr):
    """population_loss_and_grad for the models lo, lo+1, ... of p (B, U, 12), B <= BLOCK:
    columns lo.. of xb, tb (n, K).  Lanes B.. of the block compute zeros' model on zero
    input, and nothing of them is read."""
    k_models, units, _ = p.shape
    n = xb.shape[0]
    ustep = (n + 1) * STEP
    for j in range(units * 12 * BLOCK):
        W[j] = 0.0
        Gr[j] = 0.0
    for km in range(k_models):
        for u in range(units):
            for q in range(12):
                W[(u * 12 + q) * BLOCK + km] = p[km, u, q]
    for u in range(units):
        Tu = T[u * ustep:(u + 1) * ustep]
        for j in range(STEP):
            Tu[j] = 0.0                 # step 0: h = C = 0 before the first step
            Tu[n * STEP + j] = 0.0      # nothing flows back into the last step
        for t in range(n):
            row = (t + 1) * STEP + _X * BLOCK
            if t < delay:
                for km in range(BLOCK):
                    Tu[row + km] = 0.0
            elif u == 0:
                xr = xb[t - delay, lo:lo + k_models]
                for km in range(k_models):
                    Tu[row + km] = xr[km]
                for km in range(k_models, BLOCK):
                    Tu[row + km] = 0.0
            else:
                src = (u - 1) * ustep + (t + 1 - delay) * STEP + _H * BLOCK
                for km in range(BLOCK):
                    Tu[row + km] = T[src + km]
        _forward(Tu, W[u * 12 * BLOCK:(u + 1) * 12 * BLOCK], n)

    last = T[(units - 1) * ustep:units * ustep]
    for km in range(k_models):
        mse[km] = 0.0
    for t in range(n):
        row = (t + 1) * STEP
        tr = tb[t, lo:lo + k_models]
        for km in range(k_models):
            err = last[row + _H * BLOCK + km] - tr[km]
            mse[km] += err * err
            last[row + _E * BLOCK + km] = 2.0 / n * err
        for km in range(k_models, BLOCK):
            last[row + _E * BLOCK + km] = 0.0
    for km in range(k_models):
        mse[km] /= n

    for u in range(units - 1, -1, -1):
        Tu = T[u * ustep:(u + 1) * ustep]
        _backward(Tu, W[u * 12 * BLOCK:(u + 1) * 12 * BLOCK],
                  Gr[u * 12 * BLOCK:(u + 1) * 12 * BLOCK], n)
        if u > 0:
            # The unit before reads dE/dx_in as its dE/dh, undoing the delay.
            Tp = T[(u - 1) * ustep:u * ustep]
            for t in range(n):
                dst = (t + 1) * STEP + _E * BLOCK
                if t + delay < n:
                    src = (t + 1 + delay) * STEP + _DX * BLOCK
                    for km in range(BLOCK):
                        Tp[dst + km] = Tu[src + km]
                else:
                    for km in range(BLOCK):
                        Tp[dst + km] = 0.0
    for km in range(k_models):
        for u in range(units):
            for q in range(12):
                grad[km, u, q] = Gr[(u * 12 + q) * BLOCK + km]


@kernel
def _small_loss_and_grad(p, xb, tb, delay, mse, grad):
    """population_loss_and_grad for fewer than VECTOR_MIN models, p (K, U, 12), the models
    innermost but in scalar code apart from _vexp (the kernel before the vector blocks).
    Its arrays hold K models, where a vector block's work array holds BLOCK lanes whatever
    K: 2 KiB per unit and point, for one model of 10^6 points 2 GiB against 64 MB here."""
    lo = 0
    k_models, units, _ = p.shape
    n = xb.shape[0]
    # (U, n, K) each: the models innermost, so the K independent steps overlap.
    x_in = np.empty((units, n, k_models))
    f = np.empty((units, n, k_models))
    i = np.empty((units, n, k_models))
    g = np.empty((units, n, k_models))
    c = np.empty((units, n, k_models))
    o = np.empty((units, n, k_models))
    tc = np.empty((units, n, k_models))
    h = np.empty((units, n, k_models))
    # Parameters gate-major per unit, (U, 12, K): read along K in the inner loops.
    w = np.empty((units, 12, k_models))
    for km in range(k_models):
        for u in range(units):
            for q in range(12):
                w[u, q, km] = p[km, u, q]
    h_t = np.empty(k_models)
    c_t = np.empty(k_models)
    arg = np.empty(4 * k_models)
    ex = np.empty(4 * k_models)
    arg_c = np.empty(k_models)
    ex_c = np.empty(k_models)
    bits = np.empty(4 * k_models, dtype=np.int64)
    for u in range(units):
        for t in range(n):
            for km in range(k_models):
                if t < delay:
                    x_in[u, t, km] = 0.0
                elif u == 0:
                    x_in[u, t, km] = xb[t - delay, lo + km]
                else:
                    x_in[u, t, km] = h[u - 1, t - delay, km]
        wu = w[u]
        h_t[:] = 0.0
        c_t[:] = 0.0
        for t in range(n):
            # Each loop over the models is simple enough for the compiler to vectorise, and
            # exp runs as _vexp's vector code: a step is a few vector instructions per lane
            # instead of five scalar exp calls per model.
            for km in range(k_models):
                x_t = x_in[u, t, km]
                hp = h_t[km]
                # exp's arguments: -z for the sigmoid gates, 2z for tanh (see _sigmoid, _tanh).
                arg[km] = -(wu[0, km] * hp + wu[1, km] * x_t + wu[2, km])
                arg[k_models + km] = -(wu[3, km] * hp + wu[4, km] * x_t + wu[5, km])
                arg[2 * k_models + km] = 2.0 * (wu[6, km] * hp + wu[7, km] * x_t + wu[8, km])
                arg[3 * k_models + km] = -(wu[9, km] * hp + wu[10, km] * x_t + wu[11, km])
            _vexp(arg, ex, bits)
            for km in range(k_models):
                f_t = 1.0 / (1.0 + ex[km])
                i_t = 1.0 / (1.0 + ex[k_models + km])
                g_t = 1.0 - 2.0 / (ex[2 * k_models + km] + 1.0)
                o_t = 1.0 / (1.0 + ex[3 * k_models + km])
                cc = f_t * c_t[km] + i_t * g_t
                f[u, t, km], i[u, t, km], g[u, t, km], o[u, t, km] = f_t, i_t, g_t, o_t
                c[u, t, km] = cc
                c_t[km] = cc
                arg_c[km] = 2.0 * cc
            _vexp(arg_c, ex_c, bits)
            for km in range(k_models):
                tcc = 1.0 - 2.0 / (ex_c[km] + 1.0)
                hh = o[u, t, km] * tcc
                tc[u, t, km], h[u, t, km] = tcc, hh
                h_t[km] = hh

    e = np.empty((n, k_models))
    mse[:] = 0.0
    last = h[units - 1]
    for t in range(n):
        for km in range(k_models):
            err = last[t, km] - tb[t, lo + km]
            mse[km] += err * err
            e[t, km] = 2.0 / n * err
    for km in range(k_models):
        mse[km] /= n

    gw = np.zeros((units, 12, k_models))
    dx_in = np.empty((n, k_models))
    dh_next = np.empty(k_models)
    dc_next = np.empty(k_models)
    for u in range(units - 1, -1, -1):
        wu = w[u]
        gu = gw[u]
        dh_next[:] = 0.0
        dc_next[:] = 0.0
        for t in range(n - 1, -1, -1):
            for km in range(k_models):
                o_t, tc_t, f_t, i_t, g_t = o[u, t, km], tc[u, t, km], f[u, t, km], i[u, t, km], g[u, t, km]
                dh = e[t, km] + dh_next[km]
                dc = dh * o_t * (1.0 - tc_t * tc_t) + dc_next[km]
                dz_o = dh * tc_t * o_t * (1.0 - o_t)
                c_prev = c[u, t - 1, km] if t > 0 else 0.0
                h_prev = h[u, t - 1, km] if t > 0 else 0.0
                dz_f = dc * c_prev * f_t * (1.0 - f_t)
                dz_i = dc * g_t * i_t * (1.0 - i_t)
                dz_g = dc * i_t * (1.0 - g_t * g_t)
                x_t = x_in[u, t, km]
                gu[0, km] += dz_f * h_prev
                gu[1, km] += dz_f * x_t
                gu[2, km] += dz_f
                gu[3, km] += dz_i * h_prev
                gu[4, km] += dz_i * x_t
                gu[5, km] += dz_i
                gu[6, km] += dz_g * h_prev
                gu[7, km] += dz_g * x_t
                gu[8, km] += dz_g
                gu[9, km] += dz_o * h_prev
                gu[10, km] += dz_o * x_t
                gu[11, km] += dz_o
                dx_in[t, km] = wu[1, km] * dz_f + wu[4, km] * dz_i + wu[7, km] * dz_g + wu[10, km] * dz_o
                dh_next[km] = wu[0, km] * dz_f + wu[3, km] * dz_i + wu[6, km] * dz_g + wu[9, km] * dz_o
                dc_next[km] = dc * f_t
        if u > 0:
            for t in range(n):
                for km in range(k_models):
                    e[t, km] = dx_in[t + delay, km] if t + delay < n else 0.0
    for km in range(k_models):
        for u in range(units):
            for q in range(12):
                grad[km, u, q] = gw[u, q, km]


@kernel
def population_into(p, xb, tb, delay, mse, grad, T, W, Gr):
    """population_loss_and_grad with the work arrays given (population_work)."""
    k_all = p.shape[0]
    for lo in range(0, k_all, BLOCK):
        hi = min(lo + BLOCK, k_all)
        _block_loss_and_grad(p[lo:hi], xb, tb, lo, delay, mse[lo:hi], grad[lo:hi], T, W, Gr)


@kernel
def population_loss_and_grad(p, xb, tb, delay, mse, grad):
    """MSE (K,) and exact gradient (K, U, 12) of K chains p (K, U, 12) over time-major
    xb, tb (n, K), into mse and grad.  Fewer than VECTOR_MIN: _small_loss_and_grad."""
    if p.shape[0] < VECTOR_MIN:
        _small_loss_and_grad(p, xb, tb, delay, mse, grad)
        return
    T, W, Gr = population_work(p.shape[1], xb.shape[0])
    population_into(p, xb, tb, delay, mse, grad, T, W, Gr)


@kernel
def train_population_chunk(p, xb, tb, delay, kind, lr, clip, beta, beta1, beta2, eps, m, v,
                           t, epochs, out_mse):
    """`epochs` epochs of K independent models p (K, U, 12), updated in place, each with the
    optimizer `kind` (clipping per model, as optim.py).  m, v (K, U*12) are the moments,
    t (K,) int64 Adam's step counts.  out_mse (epochs, K): each epoch's loss before the
    update.  A model whose loss or update is not finite keeps its last finite parameters
    and moments and is no longer updated; returns the (K,) bool mask of those models.
    """
    k_models, units, _ = p.shape
    size = units * 12
    flat = p.reshape(k_models, size)
    grad = np.empty((k_models, units, 12))
    gflat = grad.reshape(k_models, size)
    mse = np.empty(k_models)
    new = np.empty(size)
    new_m = np.empty(size)
    new_v = np.empty(size)
    none_frozen = np.zeros(size, dtype=np.bool_)
    diverged = np.zeros(k_models, dtype=np.bool_)
    small = k_models < VECTOR_MIN        # see _small_loss_and_grad
    T, W, Gr = population_work(units if not small else 0, xb.shape[0])
    for j in range(epochs):
        if small:
            _small_loss_and_grad(p, xb, tb, delay, mse, grad)
        else:
            population_into(p, xb, tb, delay, mse, grad, T, W, Gr)
        for km in range(k_models):
            out_mse[j, km] = mse[km]
            if diverged[km]:
                continue
            if not math.isfinite(mse[km]):
                diverged[km] = True
                continue
            clip_and_freeze(gflat[km], clip, none_frozen)
            if not _member_step(kind, flat[km], gflat[km], new, lr, beta, beta1, beta2, eps,
                                m[km], v[km], t[km], new_m, new_v):
                diverged[km] = True
                continue
            flat[km] = new
            if kind != SGD:
                m[km] = new_m
            if kind == ADAM:
                v[km] = new_v
                t[km] += 1
    return diverged


@njit(nogil=True, cache=True, error_model="numpy")
def _member_step(kind, p, grad, new, lr, beta, beta1, beta2, eps, m, v, t, new_m, new_v):
    """optimizer_step, the same operations in the same order, compiled without the
    zero-division check (error_model="numpy"), so that its loops over a member's parameters
    are vector code: Adam's square roots and divisions were a tenth of an ensemble's
    model-epoch.  (A copy, not optimizer_step itself: train_chunk, the single run, keeps
    its own.)"""
    finite = True
    if kind == SGD:
        for k in range(p.shape[0]):
            new[k] = p[k] - lr * grad[k]
    elif kind == MOMENTUM:
        for k in range(p.shape[0]):
            new_m[k] = beta * m[k] + grad[k]
            new[k] = p[k] - lr * new_m[k]
    else:
        c1 = 1.0 - beta1 ** (t + 1)
        c2 = 1.0 - beta2 ** (t + 1)
        for k in range(p.shape[0]):
            g = grad[k]
            new_m[k] = beta1 * m[k] + (1.0 - beta1) * g
            new_v[k] = beta2 * v[k] + (1.0 - beta2) * (g * g)
            new[k] = p[k] - lr * (new_m[k] / c1) / (math.sqrt(new_v[k] / c2) + eps)
    for k in range(p.shape[0]):
        if not math.isfinite(new[k]):
            finite = False
    return finite


# Member states of train_members.
ACTIVE, STOPPED, HELD_DIVERGED = 0, 1, 2


@kernel
def train_members(p, xb, tb, delay, kind, lr, clip, beta, beta1, beta2, eps, m, v, t, frozen,
                  target_mse, state, stopped_at, epoch, out_mse):
    """Up to out_mse.shape[0] epochs of an ensemble (analysis.EnsembleRun.step) in one call.

    p (K, U, 12) updated in place; xb, tb (n, K) time-major; m, v (K, U*12) and t (K,) each
    member's moments and Adam step count; frozen bool (U*12,); state int64 (K,): ACTIVE,
    STOPPED (reached target_mse > 0 at the epoch written in stopped_at (K,)) or
    HELD_DIVERGED; epoch: the ensemble's epoch before this call.  Row j of out_mse (E, K):
    each member's loss before that epoch's update, NaN for a member that has diverged.

    Per member exactly as its single run (train_chunk): its loss and gradient, clipping,
    frozen entries, the update; a member whose loss or update is not finite keeps its last
    finite parameters and moments; a member whose loss reaches target_mse has made that
    epoch's update and then stops: its parameters and moments no longer change, nor its
    loss once computed at them.  Such members and diverged ones are no longer computed
    (a single run that stops costs nothing more either): the others are packed into the
    population kernel's first blocks.  Returns the epochs done: fewer than E when no member is left training.
    """
    k_models, units, _ = p.shape
    size = units * 12
    flat = p.reshape(k_models, size)
    grad = np.empty((k_models, units, 12))
    gflat = grad.reshape(k_models, size)
    mse = np.empty(k_models)
    new = np.empty(size)
    new_m = np.empty(size)
    new_v = np.empty(size)
    n = xb.shape[0]
    small = k_models < VECTOR_MIN        # see _small_loss_and_grad: every member, every epoch
    T, W, Gr = population_work(units if not small else 0, n)
    # settled[km]: mse[km] holds the member's loss for good (stopped, and computed at its
    # final parameters), or it diverged.  Only the members not settled are computed, packed
    # into the first blocks in `order` (a vector lane computes the same whatever its place),
    # so that members stopping one by one free their lanes as a single run that stops does.
    settled = np.zeros(k_models, dtype=np.bool_)
    for km in range(k_models):
        settled[km] = state[km] == HELD_DIVERGED
    order = np.empty(k_models, dtype=np.int64)
    pg = np.empty((k_models, units, 12))
    xg = np.empty((n, k_models))
    tg = np.empty((n, k_models))
    mse_g = np.empty(k_models)
    grad_g = np.empty((k_models, units, 12))
    busy = -1          # members to compute, order[:busy]; -1: order to be made
    for j in range(out_mse.shape[0]):
        left = 0
        for km in range(k_models):
            if state[km] == ACTIVE:
                left += 1
        if left == 0:
            return j
        if small:
            _small_loss_and_grad(p, xb, tb, delay, mse, grad)
            busy = 0
        elif busy < 0:
            busy = 0
            for km in range(k_models):
                if not settled[km]:
                    order[busy] = km
                    busy += 1
            for step in range(n):
                for jj in range(busy):
                    xg[step, jj] = xb[step, order[jj]]
                    tg[step, jj] = tb[step, order[jj]]
        for jj in range(busy):
            pg[jj] = p[order[jj]]
        for lo in range(0, busy, BLOCK):
            hi = min(lo + BLOCK, busy)
            _block_loss_and_grad(pg[lo:hi], xg, tg, lo, delay, mse_g[lo:hi], grad_g[lo:hi],
                                 T, W, Gr)
        for jj in range(busy):
            mse[order[jj]] = mse_g[jj]
            grad[order[jj]] = grad_g[jj]
        for km in range(k_models):
            if state[km] == HELD_DIVERGED:
                out_mse[j, km] = np.nan
                continue
            out_mse[j, km] = mse[km]
            if state[km] == STOPPED:
                if not settled[km]:
                    settled[km] = True
                    busy = -1
                continue
            if not math.isfinite(mse[km]):
                state[km] = HELD_DIVERGED
                settled[km] = True
                busy = -1
                out_mse[j, km] = np.nan
                continue
            clip_and_freeze(gflat[km], clip, frozen)
            if not _member_step(kind, flat[km], gflat[km], new, lr, beta, beta1, beta2, eps,
                                m[km], v[km], t[km], new_m, new_v):
                state[km] = HELD_DIVERGED
                settled[km] = True
                busy = -1
                out_mse[j, km] = np.nan
                continue
            for q in range(size):
                if not frozen[q]:
                    flat[km, q] = new[q]
            if kind != SGD:
                m[km] = new_m
            if kind == ADAM:
                v[km] = new_v
                t[km] += 1
            if target_mse > 0.0 and mse[km] <= target_mse:
                state[km] = STOPPED
                stopped_at[km] = epoch + j + 1
    return out_mse.shape[0]
