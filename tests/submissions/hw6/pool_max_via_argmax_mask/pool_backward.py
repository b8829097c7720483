def backward(self, dLdY: np.ndarray) -> np.ndarray:
    """Backward pass: a one-hot mask of each window's argmax (or a uniform 1 / (kh * kw))
    carries the window's gradient, then each kernel offset is added back in place."""
    (kh, kw), (ph, pw), s = self.kernel_shape, self.pad, self.stride
    n, out_rows, out_cols, channels = dLdY.shape
    if self.mode == "max":
        one_hot = self.cache["winner"][..., None] == np.arange(kh * kw)
        share = one_hot * dLdY[..., None]
    else:
        share = np.repeat(dLdY[..., None] / (kh * kw), kh * kw, axis=-1)
    share = share.reshape(n, out_rows, out_cols, channels, kh, kw)
    dX_pad = np.zeros(self.cache["padded_shape"])
    for i in range(kh):
        for j in range(kw):
            dX_pad[:, i : i + s * (out_rows - 1) + 1 : s, j : j + s * (out_cols - 1) + 1 : s] += share[..., i, j]
    return dX_pad[:, ph : dX_pad.shape[1] - ph, pw : dX_pad.shape[2] - pw]
