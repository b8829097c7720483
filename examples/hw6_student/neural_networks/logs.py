"""Experiment logging: per-epoch losses and errors, saved and plotted on request."""

import json
import os
import pickle


class Logger:
    """Collects one log entry per epoch (`push`); with `save`, writes them under
    `save_dir + model_name + "/"`, and with `plot` a loss / error plot (matplotlib)."""

    def __init__(self, model_name, model_args, data_args, save=False, plot=False, save_dir="experiments/"):
        self.model_name = model_name
        self.model_args = model_args
        self.data_args = data_args
        self.save = save
        self.plot = plot
        self.save_dir = os.path.join(save_dir, model_name, "")
        self.counter = 0
        self.log = {}
        if save:
            os.makedirs(self.save_dir, exist_ok=True)
            with open(self.save_dir + "args.json", "w") as f:
                json.dump({"model_args": model_args, "data_args": data_args}, f, indent=2, default=str)

    def push(self, log):
        """Add one epoch's entry ({"loss": {"train": .., "validate": ..}, "error": {...}, ...})."""
        self.log[self.counter] = log
        self.counter += 1
        if self.save:
            with open(self.save_dir + "log.p", "wb") as f:
                pickle.dump(self.log, f)
            if self.plot:
                self.plot_progress()

    def plot_progress(self):
        """Loss and error per epoch, written to loss.png and error.png in `save_dir`."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        epochs = sorted(self.log)
        for key in ("loss", "error"):
            fig, ax = plt.subplots()
            for split in ("train", "validate"):
                values = [self.log[e].get(key, {}).get(split) for e in epochs]
                if any(v is not None for v in values):
                    ax.plot(epochs, values, label=split)
            ax.set_xlabel("epoch")
            ax.set_ylabel(key)
            ax.set_title(self.model_name)
            ax.legend()
            fig.savefig(self.save_dir + f"{key}.png")
            plt.close(fig)
