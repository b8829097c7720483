"""2.2 softmax: softmax_loss_naive against the reference and the grader's finite differences, and
LinearClassifier: the SGD loop checked around a stubbed loss (so that it does not depend on 2.2a),
and predict with weights set by the grader.
"""

import numpy as np
import ps2_helpers as h

from autograder import checks, gradcheck
from autograder.decorators import number, visibility, weight


@weight(1)
@number("2.2a.1")
@visibility("visible")
def test_softmax_loss(submission, fixtures):
    """softmax_loss_naive: the loss, also with large scores (Equation 3)"""
    c = h.SANITY
    loss, _ = h.loss_and_grad(submission, fixtures["sm_sanity_W"], fixtures["sm_sanity_X"], fixtures["sm_sanity_y"],
                              "softmax_loss_naive(W, X, y)")
    checks.assert_true(abs(loss - np.log(c["classes"])) < 0.05,
                       f"softmax_loss_naive with W = {c['scale']:g} * randn({c['classes']}, {c['dim']}): every "
                       f"class is about equally likely, so the loss should be close to -log(0.1) = "
                       f"{np.log(c['classes']):.4f}; got {loss:.6g}")
    for prefix, what in (("sm", ""), ("sm_big", " with every score above 1000 (subtract the maximum score)")):
        name = f"softmax_loss_naive(W, X, y){what}: the loss"
        loss, _ = h.loss_and_grad(submission, fixtures[f"{prefix}_W"], fixtures[f"{prefix}_X"], fixtures["sm_y"], name)
        checks.assert_close(np.asarray(loss, dtype=np.float64), fixtures[f"{prefix}_loss"], name,
                            rtol=h.RTOL, atol=h.ATOL)


@weight(1)
@number("2.2a.2")
@visibility("visible")
def test_softmax_gradient(submission, fixtures):
    """softmax_loss_naive: the gradient dW (Equations 4 and 5, averaged over the batch)"""
    name = "softmax_loss_naive(W, X, y): dW"  # large scores are the loss test's (one bug, one point)
    _, dW = h.loss_and_grad(submission, fixtures["sm_W"], fixtures["sm_X"], fixtures["sm_y"], name)
    checks.assert_shape(dW, fixtures["sm_dW"].shape, name)
    checks.assert_close(dW, fixtures["sm_dW"], name, rtol=h.RTOL, atol=h.ATOL)


@weight(1)
@number("2.2a.3")
@visibility("visible")
def test_softmax_gradient_check(submission, fixtures):
    """softmax_loss_naive: dW agrees with finite differences of the loss"""
    W, X, y = fixtures["sm_gc_W"], fixtures["sm_gc_X"], fixtures["sm_gc_y"]
    name = f"softmax_loss_naive(W, X, y) with W of shape {W.shape}"
    _, dW = h.loss_and_grad(submission, W, X, y, name)
    # along random directions and steps, in an order the notebook cannot predict (gradcheck's docstring)
    gradcheck.assert_directional_gradients(lambda _, w: h.loss_and_grad(submission, w, X, y, name)[0], {"W": W},
                                           {"W": dW}, np.ones(()), f"{name}: dW")


def sgd_calls(submission, fixtures):
    problem = {name: fixtures[f"sgd_{name}"] for name in ("X", "y", "W0", "grads", "losses")}
    history, calls, W = h.run_sgd(submission, problem)
    c = h.SGD
    checks.assert_true(len(calls) == c["num_iters"],
                       f"LinearClassifier.train(X, y, num_iters={c['num_iters']}) should call self.loss once per "
                       f"iteration, {c['num_iters']} times; it called it {len(calls)} times")
    return problem, history, calls, W


@weight(1)
@number("2.2b.1")
@visibility("visible")
def test_train_samples_batches(submission, fixtures):
    """LinearClassifier.train: minibatches of batch_size random training examples"""
    problem, _, calls, _ = sgd_calls(submission, fixtures)
    c = h.SGD
    X, y = problem["X"], problem["y"]
    rows = {X[i].tobytes(): i for i in range(len(X))}
    batches = []
    for n, call in enumerate(calls, 1):
        X_batch, y_batch = h.batch_of(call)
        where = f"in iteration {n}, train(X, y, batch_size={c['batch_size']}) called self.loss(X_batch, y_batch)"
        X_batch = checks.assert_shape(X_batch, (c["batch_size"], c["dim"]), f"{where}: X_batch")
        y_batch = checks.assert_shape(y_batch, (c["batch_size"],), f"{where}: y_batch")
        index = [rows.get(np.asarray(row, dtype=np.float64).tobytes()) for row in X_batch]
        checks.assert_true(None not in index, f"{where}: X_batch has rows that are not rows of X")
        checks.assert_true(np.array_equal(y_batch, y[index]),
                           f"{where}: y_batch is not the labels of the rows of X_batch (y[i] for each X[i] chosen)")
        batches.append(tuple(index))
    checks.assert_true(len(set(batches)) > 1,
                       "LinearClassifier.train used the same minibatch in every iteration; sample batch_size "
                       "random examples in each iteration (np.random.choice)")


@weight(1)
@number("2.2b.2")
@visibility("visible")
def test_train_updates_weights(submission, fixtures):
    """LinearClassifier.train: W -= learning_rate * grad at each step, and the loss history"""
    problem, history, calls, W = sgd_calls(submission, fixtures)
    lr = h.SGD["lr"]
    W_before = [np.asarray(call["snapshot"]["W"]) for call in calls] + [W]
    for n in range(len(calls)):
        checks.assert_close(W_before[n + 1], W_before[n] - lr * problem["grads"][n],
                            f"W after iteration {n + 1} of train(learning_rate={lr}) (W - learning_rate * grad, "
                            f"with the grad that self.loss returned)", rtol=1e-9, atol=1e-12)
    history = checks.as_array(history, "the loss history returned by train")
    checks.assert_close(history.reshape(-1), problem["losses"],
                        "the loss history returned by train (the loss of each iteration)", rtol=1e-12, atol=0)


@weight(1)
@number("2.2b.3")
@visibility("visible")
def test_predict(submission, fixtures):
    """LinearClassifier.predict: the class with the highest score"""
    clf = h.nb(submission).LinearClassifier()
    clf.W = fixtures["lc_W"]
    X = fixtures["lc_X"]
    name = f"LinearClassifier.predict(X) with W of shape {fixtures['lc_W'].shape} and X of shape {X.shape}"
    got = checks.assert_shape(clf.predict(X), fixtures["lc_pred"].shape, name)
    checks.assert_close(got, fixtures["lc_pred"], name, rtol=0, atol=0)
