"""Learning-rate schedules: callables mapping the epoch number to a learning rate."""


def initialize_scheduler(name, lr, decay=None, stage_length=None, staircase=None):
    """Factory: "constant" or "exponential"."""
    if name == "constant":
        return ConstantLR(lr=lr)
    if name == "exponential":
        return ExponentialLR(lr=lr, decay=decay, stage_length=stage_length, staircase=staircase)
    raise ValueError(f"unknown learning rate scheduler {name!r}: choose 'constant' or 'exponential'")


class ConstantLR:
    """The same learning rate every epoch."""

    def __init__(self, lr):
        self.lr = lr

    def __call__(self, epoch):
        return self.lr


class ExponentialLR:
    """lr * decay ** (epoch / stage_length). (`staircase` is accepted and has no effect.)"""

    def __init__(self, lr, decay, stage_length, staircase=None):
        self.lr = lr
        self.decay = decay
        self.stage_length = stage_length
        self.staircase = staircase

    def __call__(self, epoch):
        return self.lr * self.decay ** (epoch / self.stage_length)
