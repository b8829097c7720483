def _field_index(X_shape, kernel_shape, pad, stride):
    """Flat indices into the padded input of every (example, out_row, out_col, ki, kj, channel)."""
    n, rows, cols, channels = X_shape
    (kh, kw), (ph, pw) = kernel_shape, pad
    padded = (n, rows + 2 * ph, cols + 2 * pw, channels)
    out_rows = (padded[1] - kh) // stride + 1
    out_cols = (padded[2] - kw) // stride + 1
    r = (np.arange(out_rows) * stride)[:, None, None, None] + np.arange(kh)[None, None, :, None]
    c = (np.arange(out_cols) * stride)[None, :, None, None] + np.arange(kw)[None, None, None, :]
    flat = np.arange(np.prod(padded)).reshape(padded)
    return flat[:, r, c, :], padded, (n, out_rows, out_cols)


def _im2col(X, kernel_shape, pad, stride):
    """Rows of unfolded receptive fields, shape (n * out_rows * out_cols, kh * kw * channels)."""
    index, padded, out_shape = _field_index(X.shape, kernel_shape, pad, stride)
    (ph, pw) = pad
    X_pad = np.pad(X, ((0, 0), (ph, ph), (pw, pw), (0, 0)))
    cols = X_pad.reshape(-1)[index]
    return cols.reshape(int(np.prod(out_shape)), -1), out_shape


def _col2im(dcols, X_shape, kernel_shape, pad, stride):
    """Sum the rows of `dcols` back into the input positions they came from, then unpad."""
    index, padded, _ = _field_index(X_shape, kernel_shape, pad, stride)
    summed = np.bincount(index.reshape(-1), weights=dcols.reshape(-1), minlength=int(np.prod(padded)))
    (ph, pw) = pad
    return summed.reshape(padded)[:, ph : ph + X_shape[1], pw : pw + X_shape[2], :]
