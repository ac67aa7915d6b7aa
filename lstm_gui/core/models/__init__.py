"""The model and its kernels: the description of a model, its equations (one readable numpy
reference per family) and the compiled kernels that are tested against it."""
