def backward(self, dLdY: np.ndarray) -> np.ndarray:
    """Backward pass: dW from the same window view; dX as a "full" convolution of the
    stride-dilated, zero-padded dZ with the spatially flipped kernel."""
    X, Z, W = self.cache["X"], self.cache["Z"], self.parameters["W"]
    (kh, kw), (ph, pw), s = self.kernel_shape, self.pad, self.stride
    dZ = self.activation.backward(Z, dLdY)
    n, out_rows, out_cols, _ = dZ.shape
    X_pad = np.pad(X, ((0, 0), (ph, ph), (pw, pw), (0, 0)))
    windows = sliding_window_view(X_pad, (kh, kw), axis=(1, 2))[:, ::s, ::s]
    self.gradients["W"] = np.einsum("nhwcij,nhwf->ijcf", windows, dZ, optimize=True)
    self.gradients["b"] = dZ.sum(axis=(0, 1, 2))[None, :]
    # Put dZ back on the stride grid of the padded input ...
    dilated = np.zeros((n, (out_rows - 1) * s + 1, (out_cols - 1) * s + 1, self.n_out))
    dilated[:, ::s, ::s] = dZ
    # ... pad it by kernel - 1 (plus the rows/cols the last window never reached) ...
    extra_r = X_pad.shape[1] - ((out_rows - 1) * s + kh)
    extra_c = X_pad.shape[2] - ((out_cols - 1) * s + kw)
    full = np.pad(dilated, ((0, 0), (kh - 1, kh - 1 + extra_r), (kw - 1, kw - 1 + extra_c), (0, 0)))
    # ... and cross-correlate with the flipped kernel, mapping output channels to input ones.
    dwindows = sliding_window_view(full, (kh, kw), axis=(1, 2))
    dX_pad = np.einsum("nhwfij,ijcf->nhwc", dwindows, W[::-1, ::-1], optimize=True)
    return dX_pad[:, ph : ph + X.shape[1], pw : pw + X.shape[2]]
