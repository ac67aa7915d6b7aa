"""Training: runs, tasks, datasets, noise, optimizers, history, evaluation."""
