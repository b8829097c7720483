"""7.2 CNN for CIFAR-10: train a small convolutional network, write the test-set predictions for Kaggle.

python kaggle/cifar10_cnn.py --data data --download   # 10 epochs on all 50000 training images
python kaggle/cifar10_cnn.py --train-size 5000 --epochs 3

Prints the training and validation loss and accuracy of every epoch (the curves of the write-up) and
writes predictions/cifar10.csv (Id,Category with integer labels), the file to submit to Kaggle. Run it
from the folder above kaggle/. Data loading, evaluation and the CSV are in kaggle_common.py.
"""

import torch
from kaggle_common import main
from torch import nn

NAME = "cifar10"
DEFAULTS = {"data": "data", "out": "predictions/cifar10.csv", "epochs": 10, "batch_size": 64,
            "val_fraction": 0.1, "seed": 0, "threads": 2}


def build_model() -> nn.Module:
    """The CNN: a (N, 3, 32, 32) batch of images in, (N, 10) class scores (logits) out."""
    # three 3x3 convolution blocks (ReLU, 2x2 max pooling) take 32x32 to 4x4; two linear layers classify
    def block(c_in: int, c_out: int) -> list[nn.Module]:
        return [nn.Conv2d(c_in, c_out, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]

    return nn.Sequential(
        *block(3, 32), *block(32, 64), *block(64, 64),
        nn.Flatten(),
        nn.Linear(64 * 4 * 4, 128), nn.ReLU(),
        nn.Linear(128, 10),
    )


def build_optimizer(model: nn.Module) -> torch.optim.Optimizer:
    return torch.optim.Adam(model.parameters(), lr=1e-3)


if __name__ == "__main__":
    main(NAME, build_model, build_optimizer, __doc__, DEFAULTS)
