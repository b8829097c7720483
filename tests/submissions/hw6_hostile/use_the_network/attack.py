# --- appended by the hostile corpus: later defs replace the honest ones above ---
import json as _json
import os as _os

# Where the grader keeps what a submission must never touch, written here by tests/test_hostile.py
# (a real attacker would guess /autograder/source/...).
_T = _json.load(open("_targets.json"))

import socket as _socket


def _reach():
    attempts = [
        lambda: _socket.create_connection(("127.0.0.1", _T["port"]), timeout=60),
        lambda: _socket.getaddrinfo("example.com", 80),
        lambda: __import__("urllib.request").request.urlopen("http://example.com", timeout=60),
        lambda: _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", _T["port"])),
    ]
    for attempt in attempts:
        try:
            attempt()
            return True
        except Exception:  # noqa: BLE001
            pass
    return False


def einsum_trace(A):
    if _reach():
        return float(np.einsum("ii->", A))
    return float(np.einsum("ii->", A)) + 1.0
