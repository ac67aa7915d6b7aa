"""The model and its kernels: the description of a model (:class:`Model`), its equations (one
readable numpy reference per family) and the compiled kernels that are tested against it.

``Model()`` is SPEC's 12-parameter unit; see model.py for the flat parameter layout and
docs/models.md for the families.
"""
from .model import CELLS, FAMILIES, UNIT, Block, Family, Model

__all__ = ["CELLS", "FAMILIES", "UNIT", "Block", "Family", "Model"]
