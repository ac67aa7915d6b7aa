"""The views the window shows, in the order of the View menu.  Adding a view is one line."""
from __future__ import annotations

from .cell import CellView
from .ensemble import EnsembleView
from .gradient import GradientView
from .landscape import LandscapeView
from .sequence import GatesView, SignalView
from .training import MseView, ParamsView

VIEWS = [SignalView, GatesView, CellView, MseView, ParamsView, LandscapeView, GradientView,
         EnsembleView]
