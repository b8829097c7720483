from neural_networks.utils.convolution import pad2d  # noqa: E402
