"""Stochastic gradient descent with momentum."""

from collections.abc import Callable

import numpy as np

from .schedulers import initialize_scheduler


class SGD:
    """SGD with (heavy-ball) momentum.

    For each parameter the step is delta = momentum * previous_delta + lr(epoch) * grad,
    and the caller subtracts it: param -= delta. With `clip_norm`, gradients whose norm
    exceeds it are rescaled to that norm first.
    """

    def __init__(
        self, lr_scheduler: Callable[[int], float], momentum: float = 0.0, clip_norm: float | None = None
    ) -> None:
        self.lr_scheduler = lr_scheduler
        self.momentum = momentum
        self.clip_norm = clip_norm
        self.cache: dict[str, np.ndarray] = {}

    def update(self, param_name: str, param: np.ndarray, param_grad: np.ndarray, epoch: int) -> np.ndarray:
        """Return the step for the parameter `param_name` (unique in the model)."""
        if self.clip_norm is not None:
            norm = np.linalg.norm(param_grad)
            if norm > self.clip_norm:
                param_grad = param_grad * (self.clip_norm / norm)
        previous = self.cache.get(param_name, np.zeros_like(param))
        delta = self.momentum * previous + self.lr_scheduler(epoch) * param_grad
        self.cache[param_name] = delta
        return delta


def initialize_optimizer(
    name: str = "SGD",
    lr: float = 0.01,
    lr_scheduler: str = "constant",
    momentum: float = 0.0,
    clip_norm: float | None = None,
    lr_decay: float | None = None,
    stage_length: int | None = None,
    staircase: bool | None = None,
) -> SGD:
    """Factory used by models: `optimizer_args` are passed here as keyword arguments."""
    if name != "SGD":
        raise ValueError(f"unknown optimizer {name!r}; only 'SGD' is available")
    scheduler = initialize_scheduler(
        lr_scheduler, lr=lr, decay=lr_decay, stage_length=stage_length, staircase=staircase
    )
    return SGD(lr_scheduler=scheduler, momentum=momentum, clip_norm=clip_norm)
