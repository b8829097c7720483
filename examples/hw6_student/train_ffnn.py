"""Train a feed-forward network on Iris with the package (section 5 of the assignment).

Fill in the values left None (the hidden layer, the optimizer, the batch size), then run
    python train_ffnn.py
from this folder. The output layer's n_out stays None: `NeuralNetwork.train` sets it to the number of
classes of the data set.
"""

import numpy as np
from neural_networks.datasets import initialize_dataset
from neural_networks.logs import Logger
from neural_networks.models import initialize_model
from neural_networks.utils.data_structures import AttrDict

fc1 = AttrDict({"name": "fully_connected", "activation": "relu", "weight_init": "xavier_uniform", "n_out": 16})
fc_out = AttrDict({"name": "fully_connected", "activation": "softmax", "weight_init": "xavier_uniform", "n_out": None})

optimizer_args = AttrDict({"name": "SGD", "lr": 0.05, "lr_scheduler": "constant", "momentum": 0.9})

model_args = AttrDict(
    {
        "name": "ffnn_iris",
        "loss": "cross_entropy",
        "layer_args": [fc1, fc_out],
        "optimizer_args": optimizer_args,
        "seed": 0,
    }
)

data_args = AttrDict({"name": "iris", "batch_size": 25})

EPOCHS = 100


def main(save=False):
    np.random.seed(model_args.seed)
    dataset = initialize_dataset(name=data_args.name, batch_size=data_args.batch_size)
    logger = Logger(model_name=model_args.name, model_args=model_args, data_args=data_args, save=save, plot=save)
    model = initialize_model(
        name=model_args.name,
        loss=model_args.loss,
        layer_args=model_args.layer_args,
        optimizer_args=model_args.optimizer_args,
        logger=logger,
        seed=model_args.seed,
    )
    model.train(dataset, epochs=EPOCHS)
    return model.test(dataset)


if __name__ == "__main__":
    import sys

    main(save="--save" in sys.argv[1:])
