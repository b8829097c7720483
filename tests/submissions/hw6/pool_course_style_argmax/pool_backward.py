def backward(self, dLdY: np.ndarray) -> np.ndarray:
    """Backward pass: the max routes each window's gradient to its argmax; the mean spreads it evenly."""
    X, X_pad = self.cache["X"], self.cache["X_pad"]
    kernel_height, kernel_width = self.kernel_shape
    n_examples, channels = X.shape[0], X.shape[3]
    dX_pad = np.zeros_like(X_pad)
    for r in range(self.cache["out_rows"]):
        for c in range(self.cache["out_cols"]):
            r0, c0 = r * self.stride, c * self.stride
            window = X_pad[:, r0 : r0 + kernel_height, c0 : c0 + kernel_width, :]
            upstream = dLdY[:, r : r + 1, c : c + 1, :]
            if self.mode == "max":
                flat = window.reshape(n_examples, kernel_height * kernel_width, channels)
                mask = np.zeros_like(flat)
                np.put_along_axis(mask, self.arg_pool_fn(flat, axis=1)[:, None, :], 1.0, axis=1)
                dX_pad[:, r0 : r0 + kernel_height, c0 : c0 + kernel_width, :] += mask.reshape(window.shape) * upstream
            else:
                dX_pad[:, r0 : r0 + kernel_height, c0 : c0 + kernel_width, :] += upstream / (kernel_height * kernel_width)
    ph, pw = self.pad
    return dX_pad[:, ph : ph + X.shape[1], pw : pw + X.shape[2], :]
