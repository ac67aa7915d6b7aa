"""The training run's old place, kept for scripts: it lives in lstm_gui.core.training.run."""
import sys

from .training import run as _run

sys.modules[__name__] = _run
