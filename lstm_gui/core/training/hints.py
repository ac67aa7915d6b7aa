"""Hints for a learner: when a run cannot succeed, or is stalling, say why in one line.

Each rule reads only a snapshot, so the window, the command line and the tests share them.
"""
from __future__ import annotations

import numpy as np

STALL_EPOCHS = 1000      # look back this far for progress
STALL_GAIN = 0.05        # less than 5 % lower MSE over the look-back is a stall


def hints(snap) -> list[str]:
    """One line per problem seen in the snapshot, most important first."""
    out = []
    cfg = snap.config
    if not np.any(snap.x):
        out.append("The input is all zeros: the unit sees nothing that predicts the target, so the "
                   "best it can learn is a fixed output (here, the random target cannot be learned).")
    epochs, mse = snap.history.epochs, snap.history.mse
    if len(epochs) > 1 and epochs[-1] >= STALL_EPOCHS:
        earlier = mse[np.searchsorted(epochs, epochs[-1] - STALL_EPOCHS)]
        recent = float(np.median(mse[-max(1, len(mse) // 50):]))
        stalled = np.isfinite(earlier) and recent > (1 - STALL_GAIN) * earlier
        if stalled and cfg.optimizer == "sgd" and cfg.lr <= 0.01:
            out.append(f"Plain gradient descent at lr {cfg.lr:g} barely moves: the MSE fell less than "
                       f"{STALL_GAIN:.0%} in the last {STALL_EPOCHS:,} epochs. Try Adam, or a larger "
                       "learning rate.")
        elif stalled and recent > 0.01:
            out.append(f"The MSE has stalled near {recent:.3g}: try another seed (New seed), a "
                       "different learning rate, or more units.")
    # A chain of 1-D units (its trace has h); a model of H units has its own views of the layers.
    if cfg.units > 1 and snap.epoch >= 200 and hasattr(snap.trace, "h"):
        h, target = snap.trace.h, snap.target
        if np.std(h) < 0.02 * max(np.std(target), 1e-12):
            out.append(f"The chain of {cfg.units} units has collapsed to a flat output: the error "
                       "reaching the first units vanishes. Try fewer units, Adam, or another seed.")
    return out
