"""The numpy core of lstm-gui. Nothing under this package imports Qt."""
# PARAM_NAMES and N_PARAMS are defined by the model description (models/model.py) and only
# re-exported here, where scripts have always imported them.
from .models.model import N_PARAMS, PARAM_NAMES
from .models.unit import Trace, forward, mse, mse_and_grad

__all__ = ["PARAM_NAMES", "N_PARAMS", "Trace", "forward", "mse", "mse_and_grad"]
