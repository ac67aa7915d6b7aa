"""The limits every file and command is checked against before anything is allocated.

Stated here once; the README's *Limits* section quotes them.
"""
from __future__ import annotations

MAX_UNITS = 16
MAX_LENGTH = 1_000_000           # points in a sequence (a preset's n, a CSV task's rows)
# Training's peak memory, measured with tracemalloc over one epoch: 124-286 bytes per unit and
# point (1 unit x 10^5 points: 29 MB; 4 x 10^5: 50 MB; 1 x 10^6: 259 MB).  300 is the bound used.
BYTES_PER_UNIT_POINT = 300
MAX_TRAIN_BYTES = 1 << 30        # refuse a run whose sequences would need more than 1 GiB
MAX_HISTORY_ROWS = 20_000        # History's two stores of 10 000 rows each
MAX_EVENTS = 10_000
MAX_EVENT_TEXT = 200             # characters
MAX_PARAM = 1e6                  # |parameter|: sigmoid and tanh saturate long before this
MAX_EPOCH = 2**62
MAX_SEED = 2**63                 # seeds lie in [0, 2**63)
MAX_CSV_BYTES = 64 * 2**20       # a CSV task file
MAX_CSV_FIELD = 128 * 1024       # characters in one CSV field


def training_bytes(units: int, length: int) -> int:
    """Estimated peak memory of training `units` units on sequences of `length` points."""
    return units * length * BYTES_PER_UNIT_POINT


def check_training_size(units: int, length: int) -> None:
    """ValueError (one line) if a run of this size exceeds the limits above."""
    if length > MAX_LENGTH:
        raise ValueError(f"a sequence length of {length:,} exceeds the limit of {MAX_LENGTH:,} points")
    if units > MAX_UNITS:
        raise ValueError(f"{units} units exceed the limit of {MAX_UNITS}")
    need = training_bytes(units, length)
    if need > MAX_TRAIN_BYTES:
        raise ValueError(f"{units} units x {length:,} points would need about {need / 2**30:.1f} GiB "
                         f"to train; the limit is {MAX_TRAIN_BYTES / 2**30:.0f} GiB "
                         f"(units x length at most {MAX_TRAIN_BYTES // BYTES_PER_UNIT_POINT:,})")


# A model of H units per layer on batches of sequences (models/).  The numpy reference keeps
# per step and sequence of a batch, per layer and direction, its six state arrays and as many
# temporaries of H numbers; training also holds the data time-major (x, target) and one
# forward pass over the whole training or test set for their MSE.  16 float64 per unit is the
# bound used (6 kept + the backward pass's temporaries).
FLOATS_PER_UNIT_STEP = 16
MAX_PARAMETERS = 200_000         # numbers in a model's parameter vector (files hold 4 copies)


def model_training_bytes(hidden: int, layers: int, dirs: int, steps: int, batch: int,
                         sequences: int, inputs: int) -> int:
    """Estimated peak memory of training a model of `layers` x `dirs` x `hidden` units on
    `sequences` sequences of `steps` steps with `inputs` numbers a step, in batches of
    `batch` (evaluation runs over all sequences at once)."""
    states = 8 * FLOATS_PER_UNIT_STEP * hidden * layers * dirs * steps * max(batch, sequences)
    data = 8 * 3 * sequences * steps * (inputs + 1)
    return states + data


def check_model_size(hidden: int, layers: int, dirs: int, steps: int, batch: int,
                     sequences: int, inputs: int, size: int) -> None:
    """ValueError (one line) if training this model would exceed the limits, checked before
    anything is allocated."""
    if steps > MAX_LENGTH:
        raise ValueError(f"a sequence length of {steps:,} exceeds the limit of {MAX_LENGTH:,} points")
    if layers > MAX_UNITS:
        raise ValueError(f"{layers} layers exceed the limit of {MAX_UNITS}")
    if size > MAX_PARAMETERS:
        raise ValueError(f"this model has {size:,} parameters; the limit is {MAX_PARAMETERS:,}")
    need = model_training_bytes(hidden, layers, dirs, steps, batch, sequences, inputs)
    if need > MAX_TRAIN_BYTES:
        raise ValueError(f"H = {hidden} x {layers} layer(s) x {dirs} direction(s) over {sequences:,} "
                         f"sequences of {steps:,} steps would need about {need / 2**30:.1f} GiB to "
                         f"train; the limit is {MAX_TRAIN_BYTES / 2**30:.0f} GiB")


# safetensors files (PyTorch weights): a 2-layer bidirectional LSTM of 256 units in float64 is
# about 25 MB; a header lists names, shapes and offsets, a few hundred bytes a tensor.
MAX_SAFETENSORS_BYTES = 64 * 2**20
MAX_SAFETENSORS_HEADER = 1 * 2**20
