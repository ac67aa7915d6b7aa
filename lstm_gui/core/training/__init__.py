"""Training runs: the run (the one source of truth), tasks and datasets, noise, optimizers,
the recorded history and the evaluation on held-out data."""
