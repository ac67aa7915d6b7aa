"""The one place that says which colour each quantity has, in every view.

Okabe & Ito's colour-blind-safe palette (https://jfly.uni-koeln.de/color/).  A gate has one
colour everywhere; a parameter takes its gate's colour.  Checked under a simulation of
deuteranopia (Machado et al. 2009, severity 1; ``lstm_gui.app.colour_vision``): the CIELAB
distance between f and i is 53 there (the former red/green pair: about 7), and the smallest
distance between two gates is 18 (i and o), so the gate plots also need a second cue (a line
style).  h and the target are 63 apart under deuteranopia.
"""
from __future__ import annotations

import numpy as np

from ..core.models import Model

# Okabe-Ito, by its own names.
VERMILLION = "#D55E00"
BLUISH_GREEN = "#009E73"
SKY_BLUE = "#56B4E9"
REDDISH_PURPLE = "#CC79A7"
ORANGE = "#E69F00"
BLUE = "#0072B2"
YELLOW = "#F0E442"
BLACK = "#000000"
GREY = "#7F7F7F"     # not Okabe-Ito's: a neutral for the input, 4:1 contrast on white

# The quantities of SPEC.md, keyed by the names the core uses (Trace fields).
F = VERMILLION          # forget gate f
I = BLUISH_GREEN        # input gate i
C_TILDE = SKY_BLUE      # candidate C~
O = REDDISH_PURPLE      # output gate o
C = ORANGE              # cell state C, the "conveyor belt"
H = BLUE                # output h
X = GREY                # input x
# Black, not Okabe-Ito's yellow: yellow on a white background has a contrast of 1.3:1, too
# faint for a thin line; black has 21:1 and stays 63 CIELAB units from h under deuteranopia.
TARGET = BLACK

POSITIVE = BLUE         # a weight > 0
NEGATIVE = VERMILLION   # a weight < 0

# GRU: the reset gate r scales h(t-1) inside the candidate (f's colour: what is kept of the
# past), the update gate z blends (i's: how much is new), the candidate n is C~'s.
R_GATE, Z_GATE, N_CANDIDATE = F, I, C_TILDE
QUANTITY = {"f": F, "i": I, "c_tilde": C_TILDE, "o": O, "c": C, "h": H, "x": X, "target": TARGET,
            "r": R_GATE, "z": Z_GATE, "n": N_CANDIDATE}

# Parameter k of SPEC's unit (the Model's order) -> its gate's trace field, for its colour.
GATE_OF_PARAM: tuple[str, ...] = tuple("c_tilde" if b.gate == "C" else str(b.gate)
                                      for b in Model().blocks() for _ in range(b.size))


def param_colour(index: int) -> str:
    """The colour of parameter `index` of a unit (SPEC order; a chain's k-th unit repeats
    it): its gate's."""
    return QUANTITY[GATE_OF_PARAM[index % len(GATE_OF_PARAM)]]


def weight_colour(value: float) -> str:
    """Blue for a positive weight, vermillion for a negative one (zero counts as positive)."""
    return NEGATIVE if value < 0 else POSITIVE

# Layers of a stack, first to last: light to dark blue (ColorBrewer "Blues"), so that the
# order reads without a legend; the line style (layer_style in plots) is the second cue.
LAYER_RAMP = ("#6BAED6", "#2171B5", "#08306B")


def layer_colour(layer: int, layers: int) -> str:
    """The colour of layer `layer` (from 0) of `layers`: light (first) to dark (last)."""
    if layers <= 1:
        return LAYER_RAMP[-1]
    stops = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in LAYER_RAMP], dtype=float)
    pos = layer / (layers - 1) * (len(stops) - 1)
    lo = int(min(pos, len(stops) - 2))
    rgb = stops[lo] + (stops[lo + 1] - stops[lo]) * (pos - lo)
    return "#" + "".join(f"{int(round(v)):02X}" for v in rgb)


# Weights: negative vermillion, zero white, positive blue (a diverging map centred on 0).
DIVERGING = (NEGATIVE, "#FFFFFF", POSITIVE)
