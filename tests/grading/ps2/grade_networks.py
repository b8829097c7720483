"""2.3d-g: the networks. Architectures (2.3e, f): parameter counts, layer types, and the outputs with
the grader's weights against the reference's (``ps2_helpers.check_architecture``). Training (2.3d-f):
the student's model trained by the student's train_epoch for a bounded budget on the grader's data,
scored on held-out images whose labels stay here, against a pass mark calibrated on the reference.
2.3g top-k accuracy (no points).
"""

import numpy as np
import ps2_helpers as h

from autograder import checks
from autograder.decorators import number, visibility, weight
from autograder.errors import StudentCodeError


def check_trained(submission, fixtures, model_name):
    threshold = fixtures.threshold(f"accuracy_{model_name}", data=h.budget_fingerprint_data(), settings=h.BUDGET)
    reference = fixtures.threshold_info(f"accuracy_{model_name}").get("reference")
    accuracy = h.trained_accuracy(submission, model_name)
    checks.assert_true(accuracy >= threshold,
                       f"{h.describe_budget(model_name)}: accuracy {accuracy:.3f}, below the pass mark {threshold:.3f} "
                       f"(the reference solution reaches {reference:.3f} on average over ten seeds with the same "
                       "budget)")


@weight(1)
@number("2.3d")
@visibility("visible")
def test_mlp_trains(submission, fixtures):
    """MLP trained with train_epoch reaches the accuracy of the reference (bounded budget)"""
    check_trained(submission, fixtures, "MLP")


@weight(1)
@number("2.3e.1")
@visibility("visible")
def test_cnn(submission, fixtures):
    """CNN: conv-BN-ReLU blocks, global average pooling, linear layer"""
    model = h.check_architecture(submission, fixtures, "CNN", lambda nb: nb.CNN(), "CNN()")
    x = np.random.default_rng(3).normal(size=(2, 3, 64, 64)).astype(np.float32)
    try:
        out = h.probes(submission).forward(model, x)
    except StudentCodeError:  # a shape error: the pooling is not global
        out = None
    checks.assert_true(isinstance(out, np.ndarray) and out.shape == (2, 10),
                       "CNN(): global average pooling should average each feature map over all of it, whatever "
                       "its size (nn.AdaptiveAvgPool2d(1)); on 64x64 images the model does not give (N, 10) outputs")


@weight(1)
@number("2.3e.2")
@visibility("visible")
def test_cnn_trains(submission, fixtures):
    """CNN trained with train_epoch reaches the accuracy of the reference (bounded budget)"""
    check_trained(submission, fixtures, "CNN")


@weight(0.5)
@number("2.3f.1")
@visibility("visible")
def test_resnet(submission, fixtures):
    """ResidualBlock (identity and projection shortcuts) and ResNet"""
    for kind, described in (("identity", "ResidualBlock(16, 16, stride=1) (identity shortcut)"),
                            ("projection", "ResidualBlock(16, 32, stride=2) (1x1 convolution shortcut)")):
        args = h.BLOCKS[kind]
        h.check_architecture(submission, fixtures, f"block_{kind}",
                           lambda nb, args=args: nb.ResidualBlock(*args), described)
    h.check_architecture(submission, fixtures, "ResNet", lambda nb: nb.ResNet(), "ResNet()")


@weight(0.5)
@number("2.3f.2")
@visibility("visible")
def test_resnet_trains(submission, fixtures):
    """ResNet trained with train_epoch reaches the accuracy of the reference (bounded budget)"""
    check_trained(submission, fixtures, "ResNet")


@weight(0)
@number("2.3g")
@visibility("visible")
def test_topk_accuracy(submission, fixtures):
    """topk_accuracy: fraction of examples whose label is among the k highest scores"""
    logits, labels = fixtures["topk_logits"], fixtures["topk_labels"]
    p = h.probes(submission)
    ks = [1, 3, 5]
    result = submission.plain(h.nb(submission).topk_accuracy(p.tensor(logits), p.tensor(labels), ks))
    name = f"topk_accuracy(output of shape {logits.shape}, target, ks={ks})"
    checks.assert_true(isinstance(result, (tuple, list)) and len(result) == len(ks),
                       f"{name} should return a list of {len(ks)} numbers, got {checks._describe(result)}")
    expected = fixtures["topk_expected"]
    got = np.array([h.as_fraction(h.scalar(v, name), e) for v, e in zip(result, expected, strict=True)])
    checks.assert_close(got, expected, name, rtol=0, atol=1e-6)
