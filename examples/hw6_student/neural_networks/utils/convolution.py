"""Padding and im2col / col2im for NHWC images: optional helpers for Conv2D and Pool2D.

Shapes follow the layers: X is (n_examples, in_rows, in_cols, in_channels) and a kernel W is
(kernel_rows, kernel_cols, in_channels, out_channels). Padding is zeros.
"""

import numpy as np


def pad2d(X, pad, kernel_shape=None, stride=None):
    """Zero-pad the rows and columns of `X`.

    `pad` is an int p (p on every side), a pair (p_rows, p_cols) (on both sides), a 4-tuple
    (top, bottom, left, right), or "same" (with `kernel_shape` and `stride`: the padding that
    keeps the input's size at stride 1) or "valid" (none).

    Returns (X_pad, p) with p the 4-tuple actually used.
    """
    p = pad
    if isinstance(p, str):
        if p == "valid":
            p = (0, 0, 0, 0)
        elif p == "same" and kernel_shape is not None:
            kr, kc = kernel_shape
            p = ((kr - 1) // 2, kr - 1 - (kr - 1) // 2, (kc - 1) // 2, kc - 1 - (kc - 1) // 2)
        else:
            raise ValueError(f"pad2d cannot resolve pad={pad!r} without kernel_shape")
    elif isinstance(p, (int, np.integer)):
        p = (int(p),) * 4
    elif len(p) == 2:
        p = (p[0], p[0], p[1], p[1])
    p = tuple(int(v) for v in p)
    X_pad = np.pad(X, ((0, 0), (p[0], p[1]), (p[2], p[3]), (0, 0)), mode="constant", constant_values=0)
    return X_pad, p


def _output_size(X_shape, kernel_shape, p, stride):
    _, in_rows, in_cols, _ = X_shape
    kr, kc = kernel_shape
    out_rows = (in_rows + p[0] + p[1] - kr) // stride + 1
    out_cols = (in_cols + p[2] + p[3] - kc) // stride + 1
    return out_rows, out_cols


def _indices(X_shape, kernel_shape, p, stride):
    """Row, column and channel indices into the padded input, one row per (kernel row, kernel col,
    channel) and one column per output position."""
    kr, kc = kernel_shape
    channels = X_shape[3]
    out_rows, out_cols = _output_size(X_shape, kernel_shape, p, stride)
    i0 = np.repeat(np.arange(kr), kc * channels)
    j0 = np.tile(np.repeat(np.arange(kc), channels), kr)
    c = np.tile(np.arange(channels), kr * kc)
    i1 = stride * np.repeat(np.arange(out_rows), out_cols)
    j1 = stride * np.tile(np.arange(out_cols), out_rows)
    return i0[:, None] + i1[None, :], j0[:, None] + j1[None, :], c[:, None], (out_rows, out_cols)


def im2col(X, W_shape, pad, stride):
    """Unfold the receptive fields of `X` into columns.

    Returns (X_col, p): X_col has shape (kernel_rows * kernel_cols * in_channels,
    n_examples * out_rows * out_cols), ordered (kernel row, kernel col, channel) down and
    (example, output row, output col) across, so that ``W.reshape(-1, out_channels).T @ X_col``
    is the cross-correlation; p is the 4-tuple of padding used.
    """
    kernel_shape = tuple(W_shape[:2])
    X_pad, p = pad2d(X, pad, kernel_shape, stride)
    rows, cols, chans, _ = _indices(X.shape, kernel_shape, p, stride)
    patches = X_pad[:, rows, cols, chans]  # (n, k, positions)
    return patches.transpose(1, 0, 2).reshape(patches.shape[1], -1), p


def col2im(X_col, X_shape, W_shape, pad, stride):
    """The adjoint of `im2col`: add the columns back into an array of shape `X_shape`
    (overlapping receptive fields sum), padding removed."""
    kernel_shape = tuple(W_shape[:2])
    n, in_rows, in_cols, channels = X_shape
    _, p = pad2d(np.zeros((1, 1, 1, 1)), pad, kernel_shape, stride)
    rows, cols, chans, _ = _indices(X_shape, kernel_shape, p, stride)
    X_pad = np.zeros((n, in_rows + p[0] + p[1], in_cols + p[2] + p[3], channels))
    patches = X_col.reshape(X_col.shape[0], n, -1).transpose(1, 0, 2)
    np.add.at(X_pad, (slice(None), rows, cols, chans), patches)
    return X_pad[:, p[0] : p[0] + in_rows, p[2] : p[2] + in_cols, :]
