from neural_networks.utils.convolution import col2im, im2col  # noqa: E402
