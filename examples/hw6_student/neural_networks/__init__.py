"""A small numpy neural-network package (CS189 HW6): layers, losses, models, training."""
