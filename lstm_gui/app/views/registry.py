"""The views the window shows, in the order of the View menu.  Adding a view is one line."""
from __future__ import annotations

from .cell import CellView
from .ensemble import EnsembleView
from .gradient import GradientView
from .heatmap import GateHeatmapView
from .landscape import LandscapeView
from .lesson import LessonView
from .sequence import GatesView, SignalView
from .training import MseView, ParamsView
from .weights import WeightsView

VIEWS = [SignalView, GatesView, CellView, MseView, ParamsView, GateHeatmapView, WeightsView,
         LandscapeView, GradientView, EnsembleView, LessonView]
