"""Warm-up exercises with np.einsum: trace, matrix-vector product and outer product."""

import numpy as np


def einsum_trace(A: np.ndarray) -> float:
    """Trace of a square matrix A, sum_i A[i, i], computed with np.einsum."""
    return float(np.einsum("ii->", A))


def einsum_matvec(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Matrix-vector product A b, shape (n,), for A (n, m) and b (m,), with np.einsum."""
    return np.einsum("ij,j->i", A, b)


def einsum_outer(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Outer product a b^T, shape (n, m), for a (n,) and b (m,), with np.einsum."""
    return np.einsum("i,j->ij", a, b)


def main() -> None:
    """Print the norm of the difference between each einsum result and numpy's."""
    rng = np.random.default_rng(0)
    A, a, b = rng.normal(size=(5, 5)), rng.normal(size=5), rng.normal(size=5)
    print("trace: |einsum - np.trace| =", abs(einsum_trace(A) - np.trace(A)))
    print("matvec: ||einsum - A @ b|| =", np.linalg.norm(einsum_matvec(A, b) - A @ b))
    print("outer: ||einsum - np.outer|| =", np.linalg.norm(einsum_outer(a, b) - np.outer(a, b)))


if __name__ == "__main__":
    main()
