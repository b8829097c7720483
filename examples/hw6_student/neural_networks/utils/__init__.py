"""Helpers the provided modules import: data structures, convolution utilities, gradient checks,
data processing. Provided code: nothing here is yours to write."""

from .data_processing import integers_to_one_hot
from .data_structures import AttrDict

__all__ = ["AttrDict", "integers_to_one_hot"]
