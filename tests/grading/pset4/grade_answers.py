"""The answers section: the handout's questions a program can check, by value, never by text.

1.1 the four gradients by central differences on random inputs (shape and value, in the handout's layout), 1.2
the binary cross-entropy against its formula and its derivative numerically, 2.1 ``normalize`` and the grayscale
Normalize on tensors and the two dataset sizes, 2.2.4 ``Net3`` run on 32x32 batches, 3.2 the shapes by running
the layer. A notebook without the answers section reads "not answered" for each.
"""

import numpy as np
import pset4_helpers as h

from autograder import checks, gradcheck
from autograder.decorators import number, visibility, weight
from autograder.errors import StudentCodeError

LAYOUT = ("the handout's layout: the gradient of a scalar has the shape of the variable; for z = Ay, entry (i, j) "
          "of dz/dy is dz_j/dy_i")


def grad_inputs():
    rng = np.random.default_rng(h.GRAD["seed"])
    m, n = h.GRAD["m"], h.GRAD["n"]
    return rng.normal(size=(m, 1)), rng.normal(size=(m, n)), rng.normal(size=(n, 1))


def check_vector(got, expected, name):
    """A vector of the variable's shape (m, 1); a flat (m,) is the same vector."""
    array = checks.as_array(got, name)
    if array.shape == expected.shape[:1]:
        array = array.reshape(expected.shape)
    checks.assert_shape(array, expected.shape, f"{name} ({LAYOUT})")
    checks.assert_close(array, expected, name, rtol=1e-5, atol=1e-6)


@weight(0.5)
@number("1.1a")
@visibility("visible")
def test_dz_dx(submission):
    """1.1: dz/dx of z = x'x"""
    x, _, _ = grad_inputs()
    got = submission.plain(h.answer(submission, "dz_dx", "1.1(a)")(x))
    expected = gradcheck.numerical_gradient(lambda v: float(v.T @ v), x.copy())
    check_vector(got, expected, f"dz_dx(x) for x of shape {x.shape} (against central differences)")


@weight(0.5)
@number("1.1b")
@visibility("visible")
def test_dz_dA(submission):
    """1.1: dz/dA of z = trace(A'A)"""
    _, A, _ = grad_inputs()
    got = submission.plain(h.answer(submission, "dz_dA", "1.1(b)")(A))
    expected = gradcheck.numerical_gradient(lambda M: float(np.trace(M.T @ M)), A.copy())
    name = f"dz_dA(A) for A of shape {A.shape}"
    array = checks.as_array(got, name)
    returned = "a scalar" if array.size == 1 else f"shape {array.shape}"
    checks.assert_true(array.shape == A.shape, f"{name} returned {returned}; "
                       f"the gradient of a scalar with respect to an m x n matrix is an m x n matrix ({LAYOUT})")
    checks.assert_close(array, expected, f"{name} (against central differences)", rtol=1e-5, atol=1e-6)


@weight(0.5)
@number("1.1c")
@visibility("visible")
def test_dz_dy(submission):
    """1.1: dz/dy of z = x'Ay"""
    x, A, y = grad_inputs()
    got = submission.plain(h.answer(submission, "dz_dy", "1.1(c)")(x, A, y))
    expected = gradcheck.numerical_gradient(lambda v: float(x.T @ A @ v), y.copy())
    check_vector(got, expected, f"dz_dy(x, A, y) for x {x.shape}, A {A.shape}, y {y.shape} (against central "
                 "differences)")


@weight(0.5)
@number("1.1d")
@visibility("visible")
def test_dZ_dy(submission):
    """1.1: dz/dy of z = Ay (the handout's layout)"""
    _, A, y = grad_inputs()
    got = submission.plain(h.answer(submission, "dZ_dy", "1.1(d)")(A, y))
    m, n = A.shape
    expected = np.zeros((n, m))
    for j in range(m):  # entry (i, j) = dz_j / dy_i
        expected[:, j] = gradcheck.numerical_gradient(lambda v, j=j: float((A @ v)[j, 0]), y.copy()).reshape(n)
    name = f"dZ_dy(A, y) for A of shape {A.shape}, y {y.shape}"
    array = checks.as_array(got, name)
    hint = " (that is A: the numerator layout, not the handout's)" if array.shape == A.shape and np.allclose(array, A) \
        else ""
    checks.assert_true(array.shape == (n, m), f"{name} returned shape {array.shape}{hint}; in {LAYOUT}, it is "
                       f"{n} x {m}")
    checks.assert_close(array, expected, f"{name} (against central differences, entry (i, j) = dz_j/dy_i)",
                        rtol=1e-5, atol=1e-6)


def bce(y, y_hat):
    return -(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))


@weight(4)
@number("1.2a")
@visibility("visible")
def test_bce_loss(submission):
    """1.2: the binary cross-entropy L(y, y_hat) = -log p(y|x)"""
    loss = h.answer(submission, "bce_loss", "1.2")
    for y, y_hat in h.BCE_CASES:
        got = h.scalar(submission.plain(loss(y, y_hat)), f"bce_loss({y:g}, {y_hat:g})")
        h.assert_number(got, float(bce(y, y_hat)),
                            f"bce_loss({y:g}, {y_hat:g}): -log of p(y|x) = y_hat^y (1 - y_hat)^(1 - y)",
                            rtol=1e-6, atol=1e-9)


@weight(2)
@number("1.2b")
@visibility("visible")
def test_bce_loss_grad(submission):
    """1.2: dL/dy_hat of the binary cross-entropy"""
    grad = h.answer(submission, "bce_loss_grad", "1.2 (the derivative)")
    for y, y_hat in h.BCE_CASES:
        got = h.scalar(submission.plain(grad(y, y_hat)), f"bce_loss_grad({y:g}, {y_hat:g})")
        numeric = gradcheck.numerical_gradient(lambda v, y=y: float(bce(y, v[0])), np.array([y_hat]))[0]
        h.assert_number(got, float(numeric), f"bce_loss_grad({y:g}, {y_hat:g}) against the "
                            "derivative of the loss by central differences", rtol=1e-5, atol=1e-6)


@weight(0.5)
@number("2.1a")
@visibility("visible")
def test_normalize(submission):
    """2.1(i): what transforms.Normalize computes"""
    c = h.NORMALIZE
    x = np.random.default_rng(c["seed"]).uniform(0.0, 1.0, size=c["shape"]).astype(np.float32)
    fn = h.answer(submission, "normalize", "2.1(i)")
    got = submission.plain(fn(h.probes(submission).tensor(x), tuple(c["mean"]), tuple(c["std"])))
    mean = np.array(c["mean"], dtype=np.float64)[:, None, None]
    std = np.array(c["std"], dtype=np.float64)[:, None, None]
    name = f"normalize(x, mean={c['mean']}, std={c['std']}) for a tensor x of shape {c['shape']}"
    got = checks.assert_shape(got, x.shape, name)
    checks.assert_close(got, (x - mean) / std, f"{name}: transforms.Normalize computes (x - mean) / std per "
                        "channel", rtol=1e-5, atol=1e-5)


@weight(0.5)
@number("2.1b")
@visibility("visible")
def test_grayscale_normalize(submission):
    """2.1(i): the Normalize transform for grayscale images"""
    x = np.random.default_rng(44).uniform(0.0, 1.0, size=(1, 6, 6)).astype(np.float32)
    transform = h.answer(submission, "grayscale_normalize", "2.1(i) (grayscale)")()
    name = "grayscale_normalize() applied to a grayscale image tensor of shape (1, 6, 6) in [0, 1]"
    got = checks.assert_shape(submission.plain(transform(h.probes(submission).tensor(x))), x.shape, name)
    checks.assert_close(got, (x - 0.5) / 0.5, f"{name}: one channel, mean 0.5 and std 0.5 as the RGB transform "
                        "has them", rtol=1e-5, atol=1e-5)


@weight(1)
@number("2.1c")
@visibility("visible")
def test_dataset_sizes(submission):
    """2.1(ii): the numbers of training and test samples"""
    p = h.probes(submission)
    fn = h.answer(submission, "dataset_sizes", "2.1(ii)")
    got = submission.plain(fn(p.blank_dataset(h.SIZES[0]), p.blank_dataset(h.SIZES[1])))
    checks.assert_true(isinstance(got, (tuple, list)) and len(got) == 2,
                       f"dataset_sizes(train_data, test_data) should return (training samples, test samples), got "
                       f"{checks._describe(got)}")
    sizes = tuple(int(h.scalar(v, "dataset_sizes(...)")) for v in got)
    checks.assert_true(sizes == h.SIZES, f"dataset_sizes(train_data, test_data) on CIFAR-10's sets returned {sizes}; "
                       f"they hold {h.SIZES[0]} training and {h.SIZES[1]} test images (len of each)")


@weight(1.2)
@number("2.2d")
@visibility("visible")
def test_net3(submission):
    """2.2.4: Net with kernel size 3 runs on 32x32 batches"""
    p = h.probes(submission)
    model = h.answer(submission, "Net3", "2.2.4 (2.2d)")()
    convs = [shape for name, shape in p.summary(model)["state"] if len(shape) == 4]
    checks.assert_true(len(convs) >= 2 and all(s[2:] == [3, 3] for s in convs),
                       f"Net3 should keep Net's convolutions with kernel_size=3; its convolution weights have shapes "
                       f"{convs}")
    model.eval()
    rng = np.random.default_rng(45)
    for batch in h.NET3_BATCHES:
        x = rng.normal(size=(batch, 3, 32, 32)).astype(np.float32)
        what = (f"Net3() on a batch of {batch} images 3x32x32 (the flattened size after the second pooling is "
                "16*6*6 with kernel size 3)")
        try:
            out = p.forward(model, x)
        except StudentCodeError as exc:
            raise h.relabeled(exc, "forward", what) from None
        out = checks.assert_shape(out, (batch, 10), what)
        if batch == h.NET3_BATCHES[-1]:
            alone = p.forward(model, x[:1])
            checks.assert_close(out[:1], alone, f"Net3(): the first image's output in a batch of {batch} and alone "
                                "differ: the forward pass mixes images (x.view with the wrong size?)",
                                rtol=1e-4, atol=1e-5)


def conv_shape(submission, padding, stride):
    c = h.CONV
    p = h.probes(submission)
    layer = p.sequential([["Conv2d", [c["c_in"], c["c_out"], c["k"]], {"padding": padding, "stride": stride}]])
    return tuple(np.shape(p.forward(layer, np.zeros((1, c["c_in"], c["h"], c["w"]), dtype=np.float32)))[1:])


def int_tuple(value, size, name):
    checks.assert_true(isinstance(value, (tuple, list)) and len(value) == size and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value),
        f"{name} should be {size} whole numbers, got {checks._describe(value)}")
    return tuple(int(v) for v in value)


@weight(2)
@number("3.2a")
@visibility("visible")
def test_conv_output_shape(submission):
    """3.2(i): the output size with no padding and stride 1"""
    got = h.answer(submission, "CONV_OUTPUT_SHAPE", "3.2(i)")
    got = got[1:] if isinstance(got, (tuple, list)) and len(got) == 4 and got[0] == 1 else got  # (1, C, H, W)
    got = int_tuple(got, 3, "CONV_OUTPUT_SHAPE (C, H, W)")
    expected = conv_shape(submission, 0, 1)
    checks.assert_true(got == expected, f"CONV_OUTPUT_SHAPE = {got}: nn.Conv2d(32, 64, 3) on a 32x64x64 input gives "
                       "a different (C, H, W)")


@weight(2)
@number("3.2b")
@visibility("visible")
def test_padding_stride(submission):
    """3.2(ii): a padding and a stride that give 64x32x32"""
    padding = h.answer(submission, "PADDING", "3.2(ii)")
    stride = h.answer(submission, "STRIDE", "3.2(ii)")
    padding, stride = int_tuple((padding, stride), 2, "(PADDING, STRIDE)")
    checks.assert_true(padding >= 0 and stride >= 1, f"PADDING = {padding}, STRIDE = {stride}: a padding is at least 0 "
                       "and a stride at least 1")
    got = conv_shape(submission, padding, stride)
    checks.assert_true(got == h.CONV["want"], f"nn.Conv2d(32, 64, 3, padding={padding}, stride={stride}) on a 32x64x64 "
                       f"input gives {got}, not {h.CONV['want']}")
