"""Analyses of a model: landscape, directions, gradient flow, what the views show of its layers."""
