# --- appended by the hostile corpus: later defs replace the honest ones above ---


def einsum_trace(A):
    return {i: i for i in range(2_000_000)}  # about 30 MB of JSON: over the 4 MiB a reply's JSON may hold


def einsum_matvec(A, b):
    return np.zeros(40_000_000)  # 320 MB of array bytes: over the 128 MiB a reply may hold
