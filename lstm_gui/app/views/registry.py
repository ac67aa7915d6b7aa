"""The views the window shows, in the order of the View menu.  Adding a view is one line."""
from __future__ import annotations

from .gradient import GradientView
from .landscape import LandscapeView
from .sequence import GatesView, SignalView
from .training import MseView, ParamsView

VIEWS = [SignalView, GatesView, MseView, ParamsView]
VIEWS.append(LandscapeView)
VIEWS.append(GradientView)
