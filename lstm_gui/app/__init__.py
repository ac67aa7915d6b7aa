"""The Qt window of lstm-gui.  Importing this package imports Qt; the core does not."""
from .window import MainWindow

__all__ = ["MainWindow"]
