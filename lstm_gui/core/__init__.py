"""The numpy core of lstm-gui. Nothing under this package imports Qt."""
from .models.unit import N_PARAMS, PARAM_NAMES, Trace, forward, mse, mse_and_grad

__all__ = ["PARAM_NAMES", "N_PARAMS", "Trace", "forward", "mse", "mse_and_grad"]
