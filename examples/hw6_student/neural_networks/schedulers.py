"""Learning-rate schedules: callables mapping the epoch number to a learning rate."""


class Constant:
    """The same learning rate every epoch."""

    def __init__(self, lr: float = 0.01) -> None:
        self.lr = lr

    def __call__(self, epoch: int) -> float:
        return self.lr


class Exponential:
    """lr * decay ** (epoch / stage_length); `staircase` floors the exponent."""

    def __init__(self, lr: float = 0.01, decay: float = 0.1, stage_length: int = 100, staircase: bool = False) -> None:
        self.lr = lr
        self.decay = decay
        self.stage_length = stage_length
        self.staircase = staircase

    def __call__(self, epoch: int) -> float:
        stage = epoch / self.stage_length
        if self.staircase:
            stage = epoch // self.stage_length
        return self.lr * self.decay**stage


def initialize_scheduler(
    name: str, lr: float, decay: float | None = None, stage_length: int | None = None, staircase: bool | None = None
):
    """Factory: "constant" or "exponential"; options left None keep their defaults."""
    if name == "constant":
        return Constant(lr=lr)
    if name == "exponential":
        options = {"decay": decay, "stage_length": stage_length, "staircase": staircase}
        return Exponential(lr=lr, **{k: v for k, v in options.items() if v is not None})
    raise ValueError(f"unknown learning-rate scheduler {name!r}; choose 'constant' or 'exponential'")
