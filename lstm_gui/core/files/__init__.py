"""Files and limits: safe reads and atomic writes, the model file formats, the checks of every
field a file holds, and the size limits shared with training."""
