"""Analyses of a trained or training model: the loss landscape and its directions, gradient
flow, ensembles of seeds, running free, comparisons."""
