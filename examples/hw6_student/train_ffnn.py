"""Train a two-layer network (one hidden ReLU layer, softmax output) on Iris.

python train_ffnn.py           # train with the defaults, print the test accuracy
python train_ffnn.py --sweep   # compare learning rates and hidden-layer sizes
python train_ffnn.py --save    # keep logs (and a loss plot, with matplotlib)
                               # in experiments/<model_name>/
"""

import argparse

from neural_networks.datasets import initialize_dataset
from neural_networks.logs import Logger
from neural_networks.models import initialize_model

DEFAULTS = {"hidden": 16, "lr": 0.05, "momentum": 0.9, "epochs": 60, "batch_size": 25, "seed": 0}
SWEEP = {"lr": (0.005, 0.05, 0.5), "hidden": (4, 16, 64)}


def main(
    *,
    hidden: int = DEFAULTS["hidden"],
    lr: float = DEFAULTS["lr"],
    momentum: float = DEFAULTS["momentum"],
    epochs: int = DEFAULTS["epochs"],
    batch_size: int = DEFAULTS["batch_size"],
    seed: int = DEFAULTS["seed"],
    save: bool = False,
    verbose: bool = True,
) -> dict[str, float]:
    """Train one network on the Iris training split and return its test metrics."""
    data_args = {"name": "iris", "batch_size": batch_size, "seed": seed}
    dataset = initialize_dataset(**data_args)
    hidden_layer = {"name": "fully_connected", "n_out": hidden, "activation": "relu", "weight_init": "xavier_uniform"}
    output_layer = {"name": "fully_connected", "n_out": dataset.out_dim, "activation": "softmax"}
    model_args = {
        "name": f"ffnn_h{hidden}_lr{lr}",
        "loss": "cross_entropy",
        "layer_args": [hidden_layer, output_layer],
        "optimizer_args": {"name": "SGD", "lr": lr, "lr_scheduler": "constant", "momentum": momentum},
        "seed": seed,
    }
    logger = Logger(model_args["name"], model_args, data_args, save=save, plot=save) if save else None
    model = initialize_model(**model_args, logger=logger)
    model.train(dataset, epochs=epochs, verbose=verbose)
    return model.test(dataset, verbose=verbose)


def sweep(**options) -> None:
    """Print the test accuracy of every (learning rate, hidden size) pair in SWEEP."""
    print(f"{'lr':>8} {'hidden':>6} {'test accuracy':>14}")
    for lr in SWEEP["lr"]:
        for hidden in SWEEP["hidden"]:
            result = main(lr=lr, hidden=hidden, verbose=False, **options)
            print(f"{lr:>8} {hidden:>6} {result['accuracy']:>14.4f}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hidden", type=int, default=DEFAULTS["hidden"], help="hidden-layer width")
    parser.add_argument("--lr", type=float, default=DEFAULTS["lr"], help="learning rate")
    parser.add_argument("--momentum", type=float, default=DEFAULTS["momentum"], help="SGD momentum")
    parser.add_argument("--epochs", type=int, default=DEFAULTS["epochs"], help="passes over the training split")
    parser.add_argument("--batch_size", type=int, default=DEFAULTS["batch_size"], help="minibatch size")
    parser.add_argument("--seed", type=int, default=DEFAULTS["seed"], help="seed of the split and the weights")
    parser.add_argument("--save", action="store_true", help="save logs under experiments/")
    parser.add_argument("--sweep", action="store_true", help="compare learning rates and hidden sizes")
    return parser.parse_args()


if __name__ == "__main__":
    args = parse_args()
    if args.sweep:
        sweep(momentum=args.momentum, epochs=args.epochs, batch_size=args.batch_size, seed=args.seed)
    else:
        options = {k: v for k, v in vars(args).items() if k != "sweep"}
        result = main(**options)
        print(f"Test accuracy: {result['accuracy']:.4f}")
