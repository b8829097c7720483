"""Experiment logging: hyperparameters, per-epoch losses, parameters and a loss plot."""

import json
import os
import pickle
from typing import Any


class Logger:
    """Collects per-epoch logs; with `save`, writes them to `save_dir/model_name/`.

    Files: `args.json` (model and data arguments), `log.json` (one entry per epoch),
    `parameters_epoch<N>.pkl` (learned parameters) and, with `plot` when matplotlib is
    installed, `loss.png`. Without matplotlib the plot is skipped quietly.
    """

    def __init__(
        self,
        model_name: str,
        model_args: dict[str, Any] | None = None,
        data_args: dict[str, Any] | None = None,
        save: bool = False,
        plot: bool = False,
        save_dir: str = "experiments",
    ) -> None:
        self.model_name = model_name
        self.model_args = model_args or {}
        self.data_args = data_args or {}
        self.save = save
        self.plot = plot
        self.save_dir = os.path.join(save_dir, model_name)
        self.log: list[dict[str, Any]] = []
        if save:
            os.makedirs(self.save_dir, exist_ok=True)
            self._write_json("args.json", {"model": self.model_args, "data": self.data_args})

    def push(self, epoch_log: dict[str, Any]) -> None:
        """Record one epoch's losses and errors; rewrite the log (and plot) if saving."""
        self.log.append(dict(epoch_log))
        if self.save:
            self._write_json("log.json", self.log)
            if self.plot:
                self.plot_losses()

    def save_parameters(self, epoch: int, parameters: dict[int, dict[str, Any]]) -> None:
        """Pickle the model's parameters (layer index -> {name: array}) when saving."""
        if self.save:
            with open(os.path.join(self.save_dir, f"parameters_epoch{epoch}.pkl"), "wb") as f:
                pickle.dump(parameters, f)

    def plot_losses(self) -> str | None:
        """Plot training and validation loss per epoch; return the file path.

        Returns None, writing nothing, when matplotlib is not installed.
        """
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            return None
        os.makedirs(self.save_dir, exist_ok=True)
        epochs = [entry["epoch"] for entry in self.log]
        fig, ax = plt.subplots()
        ax.plot(epochs, [entry["train_loss"] for entry in self.log], label="training")
        ax.plot(epochs, [entry["val_loss"] for entry in self.log], label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        ax.set_title(self.model_name)
        ax.legend()
        path = os.path.join(self.save_dir, "loss.png")
        fig.savefig(path)
        plt.close(fig)
        return path

    def _write_json(self, filename: str, obj: Any) -> None:
        with open(os.path.join(self.save_dir, filename), "w") as f:
            json.dump(obj, f, indent=2, default=str)
