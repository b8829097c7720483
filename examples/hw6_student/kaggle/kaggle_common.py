"""What both Kaggle scripts share (provided): reproducible set-up, data, evaluation and the predictions CSV.

Data: ``torchvision.datasets.FashionMNIST`` / ``CIFAR10`` under ``--data`` (``--download`` fetches
them, as in the Colab notebook). Where torchvision cannot read the files there (the course's offline
autograder keeps a synthetic stand-in of CIFAR-10 whose files cannot match torchvision's checksums),
the data is read through ``autograder.datasets.load`` instead, which needs the autograder package.

Predictions go to a Kaggle-style CSV: the header ``Id,Category``, then one row per test image with its
index and the predicted class as an integer (a file with decimal labels such as ``3.0`` scores zero).
"""

import argparse
import csv
import random
from pathlib import Path

import numpy as np
import torch
from torch import nn

DATASETS = {"fashion_mnist": "FashionMNIST", "cifar10": "CIFAR10"}
# per-channel mean and standard deviation of the real training sets (pixel values scaled to [0, 1])
NORMALIZE = {"fashion_mnist": ((0.2860,), (0.3530,)),
             "cifar10": ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))}


def reproducible(seed: int, threads: int) -> None:
    """Same seed, same thread count, same machine: the same model and the same predictions, bit for bit."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)


def load_split(name: str, root: str, *, train: bool, download: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images (N, 28, 28) or (N, 32, 32, 3) and int64 labels of one split."""
    try:
        import torchvision

        ds = getattr(torchvision.datasets, DATASETS[name])(root, train=train, download=download)
        images = ds.data if isinstance(ds.data, np.ndarray) else ds.data.numpy()
        return np.asarray(images, dtype=np.uint8), np.asarray(ds.targets, dtype=np.int64)
    except (ImportError, RuntimeError):  # no torchvision, or not the real files: the autograder's copy (or stand-in)
        from autograder.datasets import load

        data = load(name, "train" if train else "test", root)
        return data.images, data.labels


def to_tensor(name: str, images: np.ndarray) -> torch.Tensor:
    """float32 NCHW tensor, normalized per channel."""
    x = torch.from_numpy(np.asarray(images, dtype=np.float32) / 255.0)
    x = x.unsqueeze(1) if x.ndim == 3 else x.permute(0, 3, 1, 2)
    mean, std = (torch.tensor(v, dtype=torch.float32).view(1, -1, 1, 1) for v in NORMALIZE[name])
    return ((x - mean) / std).contiguous()


def split_train(images: np.ndarray, labels: np.ndarray, *, train_size: int | None, val_fraction: float,
                seed: int) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """A random (seeded) subset of ``train_size`` examples, split into training and validation."""
    order = np.random.default_rng(seed).permutation(len(labels))
    if train_size is not None:
        order = order[:train_size]
    n_val = int(round(val_fraction * len(order)))
    val, train = np.sort(order[:n_val]), np.sort(order[n_val:])
    return (images[train], labels[train]), (images[val], labels[val])


def fit(model: nn.Module, optimizer: torch.optim.Optimizer, train: tuple[torch.Tensor, torch.Tensor],
        val: tuple[torch.Tensor, torch.Tensor], *, epochs: int, batch_size: int, seed: int,
        verbose: bool = True) -> list[dict[str, float]]:
    """Minibatch training with cross-entropy; returns one record per epoch (losses and accuracies on the
    training and validation sets) for the training curves."""
    x, y = train
    order_rng = torch.Generator().manual_seed(seed)
    history = []
    for epoch in range(1, epochs + 1):
        model.train()
        loss_sum, correct = 0.0, 0
        for batch in torch.randperm(len(x), generator=order_rng).split(batch_size):
            logits = model(x[batch])
            loss = nn.functional.cross_entropy(logits, y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(batch)
            correct += (logits.argmax(dim=1) == y[batch]).sum().item()
        val_loss, val_accuracy = evaluate(model, *val)
        history.append({"epoch": epoch, "train_loss": loss_sum / len(x), "train_accuracy": correct / len(x),
                        "val_loss": val_loss, "val_accuracy": val_accuracy})
        if verbose:
            print("epoch {epoch:3d}  train loss {train_loss:.4f}  accuracy {train_accuracy:.4f}  "
                  "validation loss {val_loss:.4f}  accuracy {val_accuracy:.4f}".format(**history[-1]), flush=True)
    return history


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 500) -> np.ndarray:
    """Predicted class (int64) of every row of ``x``."""
    model.eval()
    return torch.cat([model(x[i:i + batch_size]).argmax(dim=1) for i in range(0, len(x), batch_size)]).numpy()


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 500) -> tuple[float, float]:
    """Mean cross-entropy loss and accuracy of ``model`` on (x, y)."""
    model.eval()
    loss, correct = 0.0, 0
    for i in range(0, len(x), batch_size):
        logits = model(x[i:i + batch_size])
        loss += nn.functional.cross_entropy(logits, y[i:i + batch_size], reduction="sum").item()
        correct += (logits.argmax(dim=1) == y[i:i + batch_size]).sum().item()
    return loss / len(x), correct / len(x)


def write_predictions(path: str | Path, labels: np.ndarray) -> Path:
    """The Kaggle CSV: ``Id,Category``, then ``i,label`` with integer labels, for every test image in order."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["Id", "Category"])
        writer.writerows((i, int(label)) for i, label in enumerate(labels))
    return path


def run(name: str, build_model, build_optimizer, *, data: str, out: str, epochs: int, batch_size: int,
        train_size: int | None = None, val_fraction: float = 0.1, seed: int = 0, threads: int = 2,
        download: bool = False, verbose: bool = True) -> dict[str, float]:
    """Train ``build_model()`` on dataset ``name``, write its test-set predictions to ``out``, and return
    the final training and validation metrics."""
    reproducible(seed, threads)
    images, labels = load_split(name, data, train=True, download=download)
    (x, y), (x_val, y_val) = split_train(images, labels, train_size=train_size, val_fraction=val_fraction, seed=seed)
    model = build_model()
    optimizer = build_optimizer(model)
    history = fit(model, optimizer, (to_tensor(name, x), torch.from_numpy(y)),
                  (to_tensor(name, x_val), torch.from_numpy(y_val)), epochs=epochs, batch_size=batch_size,
                  seed=seed, verbose=verbose)
    test_images, _ = load_split(name, data, train=False, download=download)  # Kaggle keeps these labels hidden
    path = write_predictions(out, predict(model, to_tensor(name, test_images)))
    final = {key: value for key, value in history[-1].items() if key != "epoch"}
    print(f"{name}: {len(y)} training images, {epochs} epochs: validation accuracy {final['val_accuracy']:.4f}; "
          f"predictions for {len(test_images)} test images written to {path}", flush=True)
    return final


def main(name: str, build_model, build_optimizer, doc: str, defaults: dict, argv: list[str] | None = None) -> dict:
    """A script's command line: options (defaults from ``defaults``) parsed from ``argv``, then ``run``."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=defaults["data"], help="dataset folder (torchvision's root)")
    parser.add_argument("--download", action="store_true", help="let torchvision download the data")
    parser.add_argument("--out", default=defaults["out"], help="where to write the predictions CSV")
    parser.add_argument("--epochs", type=int, default=defaults["epochs"])
    parser.add_argument("--batch-size", type=int, default=defaults["batch_size"])
    parser.add_argument("--train-size", type=int, default=None,
                        help="train on a random subset of this many training images (default: all)")
    parser.add_argument("--val-fraction", type=float, default=defaults["val_fraction"],
                        help="share of the training images held out for validation")
    parser.add_argument("--seed", type=int, default=defaults["seed"])
    parser.add_argument("--threads", type=int, default=defaults["threads"], help="CPU threads for torch")
    parser.add_argument("--quiet", action="store_true", help="print only the final line")
    options = vars(parser.parse_args(argv))
    verbose = not options.pop("quiet")
    return run(name, build_model, build_optimizer, verbose=verbose, **options)
