"""7.1 MLP for Fashion-MNIST: train a multi-layer perceptron, write the test-set predictions for Kaggle.

python kaggle/fashion_mnist_mlp.py --data data --download   # 10 epochs on all 60000 training images
python kaggle/fashion_mnist_mlp.py --train-size 6000 --epochs 3

Prints the training and validation loss and accuracy of every epoch (the curves of the write-up) and
writes predictions/fashion_mnist.csv (Id,Category with integer labels). Run it from the folder above
kaggle/. Data loading, evaluation and the CSV are in kaggle_common.py.
"""

import torch
from kaggle_common import main
from torch import nn

NAME = "fashion_mnist"
DEFAULTS = {"data": "data", "out": "predictions/fashion_mnist.csv", "epochs": 10, "batch_size": 128,
            "val_fraction": 0.1, "seed": 0, "threads": 2}


def build_model() -> nn.Module:
    """The MLP: a (N, 1, 28, 28) batch of images in, (N, 10) class scores (logits) out."""
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(28 * 28, 256), nn.ReLU(),
        nn.Linear(256, 128), nn.ReLU(),
        nn.Linear(128, 10),
    )


def build_optimizer(model: nn.Module) -> torch.optim.Optimizer:
    return torch.optim.Adam(model.parameters(), lr=1e-3)


if __name__ == "__main__":
    main(NAME, build_model, build_optimizer, __doc__, DEFAULTS)
