"""The models: their description (:class:`Model`), equations and numpy references.

``Model()`` is SPEC's 12-parameter unit; see model.py for the flat parameter layout and
docs/models.md for the families.
"""
from .model import CELLS, FAMILIES, Block, Family, Model

__all__ = ["CELLS", "FAMILIES", "Block", "Family", "Model"]
