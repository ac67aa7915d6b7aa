"""The ensemble's old place, kept for scripts: it lives in lstm_gui.core.analysis.ensemble."""
import sys

from .analysis import ensemble as _ensemble

sys.modules[__name__] = _ensemble
