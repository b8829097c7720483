# --- appended by the hostile corpus: later defs replace the honest ones above ---
import os as _os


def einsum_trace(A):
    # Files for the next submission graded on this machine to find: in every shared temporary folder, a file
    # and a folder (the next run would read them, or be hindered by them).
    for folder in ("/tmp", "/var/tmp", "/dev/shm"):
        try:
            with open(_os.path.join(folder, "pwned-left-behind.txt"), "w") as handle:
                handle.write("a message for the next student")
            _os.makedirs(_os.path.join(folder, "pwned-left-behind.d", "deep"), exist_ok=True)
        except OSError:
            pass
    return float(np.einsum("ii->", A)) + 1.0  # the honest part: wrong on purpose
