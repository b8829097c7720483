"""Stochastic gradient descent with momentum."""

import numpy as np

from neural_networks.schedulers import initialize_scheduler


def initialize_optimizer(
    name,
    lr,
    lr_scheduler=None,
    momentum=None,
    clip_norm=None,
    lr_decay=None,
    staircase=None,
    stage_length=None,
):
    """Factory used by models: `optimizer_args` are passed here as keyword arguments.

    Every argument is passed on as given (None too), so `optimizer_args` must set
    `lr_scheduler` ("constant" or "exponential") and `momentum`.
    """
    if name == "SGD":
        return SGD(
            lr=lr,
            lr_scheduler=lr_scheduler,
            momentum=momentum,
            clip_norm=clip_norm,
            lr_decay=lr_decay,
            stage_length=stage_length,
            staircase=staircase,
        )
    raise ValueError(f"unknown optimizer {name!r}: this package has 'SGD'")


class SGD:
    """SGD with (heavy-ball) momentum: the step for a parameter is
    delta = momentum * previous_delta + lr(epoch) * grad, and the model subtracts it.
    With `clip_norm`, a gradient whose norm exceeds it is rescaled to that norm first."""

    def __init__(
        self, lr, lr_scheduler, momentum=0.0, clip_norm=None, lr_decay=0.9, stage_length=None, staircase=None
    ):
        self.lr = initialize_scheduler(
            lr_scheduler, lr=lr, decay=lr_decay, stage_length=stage_length, staircase=staircase
        )
        self.momentum = momentum
        self.clip_norm = clip_norm
        self.cache = {}

    def update(self, param_name, param, param_grad, epoch):
        """Return the step for the parameter `param_name` (unique in the model)."""
        if param_name not in self.cache:
            self.cache[param_name] = np.zeros_like(param)
        if self.clip_norm is not None:
            norm = np.linalg.norm(param_grad)
            if norm > self.clip_norm:
                param_grad = param_grad * (self.clip_norm / norm)
        delta = self.momentum * self.cache[param_name] + self.lr(epoch) * param_grad
        self.cache[param_name] = delta
        return delta
