"""Inside the worker: deny the network to it and to every process it starts, by a filter the kernel enforces.

``install()`` loads a seccomp filter through libseccomp (``libseccomp.so.2``, the library systemd, Docker and
Chrome use; called through ctypes, since the worker imports nothing outside the standard library and numpy):
``socket()`` for IPv4, IPv6 and raw packet sockets fails with EACCES, and ``io_uring_setup`` (which could open
sockets without that call) with EPERM. Everything else, Unix sockets included, is allowed. The filter sets
no_new_privs, needs no privilege (as root without capabilities too, as in Gradescope's container), cannot be
removed, and is inherited by every child: a ``python3 -c`` subprocess, bash's ``/dev/tcp``, a notebook's
``%%bash`` cell. Sockets that already exist (a notebook kernel's own connection to the grader) keep working.

Where libseccomp or seccomp is missing, ``install()`` returns the reason instead; the worker says so to the
grader (a note code) and the Python-level audit hook remains the only guard.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import socket

SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_CMP_EQ = 4
DENIED_FAMILIES = (socket.AF_INET, socket.AF_INET6, getattr(socket, "AF_PACKET", 17))


def _errno(value: int) -> int:
    return 0x00050000 | (value & 0x0000FFFF)  # SCMP_ACT_ERRNO(value)


class _ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64),
                ("datum_b", ctypes.c_uint64)]


def install() -> str | None:
    """Load the filter; None when it is in force, else why it could not be."""
    name = ctypes.util.find_library("seccomp") or "libseccomp.so.2"
    try:
        lib = ctypes.CDLL(name, use_errno=True)
    except OSError as exc:
        return f"libseccomp is not installed ({exc})"
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                           ctypes.POINTER(_ArgCmp)]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    ctx = lib.seccomp_init(SCMP_ACT_ALLOW)
    if not ctx:
        return "seccomp_init failed"
    try:
        call = lib.seccomp_syscall_resolve_name(b"socket")
        for family in DENIED_FAMILIES:
            rule = (_ArgCmp * 1)(_ArgCmp(0, SCMP_CMP_EQ, family, 0))
            if lib.seccomp_rule_add_array(ctx, _errno(errno.EACCES), call, 1, rule) < 0:
                return f"seccomp_rule_add failed for socket family {family}"
        uring = lib.seccomp_syscall_resolve_name(b"io_uring_setup")
        if uring >= 0 and lib.seccomp_rule_add_array(ctx, _errno(errno.EPERM), uring, 0, None) < 0:
            return "seccomp_rule_add failed for io_uring_setup"
        result = lib.seccomp_load(ctx)
        if result < 0:
            return f"seccomp_load failed ({errno.errorcode.get(-result, result)}): seccomp is not available"
        return None
    finally:
        lib.seccomp_release(ctx)
