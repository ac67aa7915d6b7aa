"""The compiled kernel's old place, kept for scripts (``compiled.use("numpy")``): it lives in
lstm_gui.core.models.compiled."""
import sys

from .models import compiled as _compiled

sys.modules[__name__] = _compiled
