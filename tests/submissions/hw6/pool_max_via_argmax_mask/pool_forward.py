def forward(self, X: np.ndarray) -> np.ndarray:
    """Forward pass over a strided view of all windows; max mode remembers each window's argmax."""
    (kh, kw), (ph, pw), s = self.kernel_shape, self.pad, self.stride
    fill = -np.inf if self.mode == "max" else 0.0
    X_pad = np.pad(np.asarray(X, dtype=np.float64), ((0, 0), (ph, ph), (pw, pw), (0, 0)), constant_values=fill)
    # (n, out_rows, out_cols, channels, kh * kw)
    windows = sliding_window_view(X_pad, (kh, kw), axis=(1, 2))[:, ::s, ::s]
    windows = windows.reshape(windows.shape[:4] + (kh * kw,))
    if self.mode == "max":
        winner = np.argmax(windows, axis=-1)
        out = np.take_along_axis(windows, winner[..., None], axis=-1)[..., 0]
        self.cache["winner"] = winner
    else:
        out = windows.sum(axis=-1) / (kh * kw)
    self.cache["padded_shape"] = X_pad.shape
    return out
