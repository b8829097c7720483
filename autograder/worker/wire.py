"""The wire format between the grader and its worker: framed JSON plus raw array buffers.

This module is loaded on both sides of the trust boundary, so it uses only the standard library
and numpy, and it is loaded by file path in the worker (never imported as part of ``autograder``).

A frame is ``!QI`` (header length, buffer count), the JSON header, then each buffer as ``!Q`` length
and bytes. Values are JSON with tagged forms for what JSON lacks::

    {"$nd": i, "dtype": "<f8", "shape": [2, 3]}   an ndarray whose bytes are buffer i (C order)
    {"$tuple": [...]}   {"$dict": [[k, v], ...]}   {"$float": "nan" | "inf" | "-inf"}
    {"$complex": [re, im]}   {"$bytes": i}   {"$ref": id, "type": "pkg.Class"}  (an object left in the worker)

``decode`` is the trusted side's gate: it accepts only these forms and rebuilds exact built-in types
and plain ndarrays of whitelisted dtypes. Nothing is ever unpickled.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Callable
from typing import Any

import numpy as np

HEADER = struct.Struct("!QI")
LENGTH = struct.Struct("!Q")

#: Array dtypes that may cross the boundary (no object, void, string or datetime arrays).
ALLOWED_DTYPES = frozenset(
    np.dtype(t).str
    for t in (
        "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
        "float16", "float32", "float64", "complex64", "complex128",
    )
)
MAX_DEPTH = 64
#: Bounds the trusted side checks before it decodes a reply, so that its memory stays bounded whatever the
#: worker sends: the JSON header's bytes (strings and numbers are in it), the buffers' count, and the values
#: (list items, dict entries, tuple items) in one message. Array bytes are bounded by the caller's max_bytes.
MAX_HEADER_BYTES = 4 << 20
MAX_BUFFERS = 10_000
MAX_ITEMS = 1_000_000


class WireError(ValueError):
    """A message that does not follow the wire format."""


class Ref:
    """A reference to an object that stays in the worker (only its id and type name cross)."""

    __slots__ = ("id", "type")

    def __init__(self, id: int, type: str) -> None:
        self.id = id
        self.type = type

    def __repr__(self) -> str:
        return f"Ref({self.id}, {self.type!r})"


class NotPlain(TypeError):
    """Raised by ``encode`` when a value is not plain data and no ``on_object`` was given."""


def _leaf_array(value: np.ndarray, buffers: list[bytes]) -> dict:
    if not value.dtype.isnative and value.dtype.newbyteorder("=").str in ALLOWED_DTYPES:
        value = value.astype(value.dtype.newbyteorder("="))  # byte-swapped numbers are numbers too
    if value.dtype.str not in ALLOWED_DTYPES:
        raise NotPlain(f"array of dtype {value.dtype} cannot be sent")
    buffers.append(np.ascontiguousarray(value).tobytes())
    return {"$nd": len(buffers) - 1, "dtype": value.dtype.str, "shape": list(value.shape)}


def _float(value: float) -> Any:
    if math.isfinite(value):
        return value
    return {"$float": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}


def encode(value: Any, buffers: list[bytes], on_object: Callable[[Any], Ref] | None = None,
           depth: int = 0) -> Any:
    """Turn ``value`` into JSON-able data, appending array bytes to ``buffers``.

    Exact types only: subclasses of ndarray, dict, list... are not plain. ``on_object`` turns any
    other object into a ``Ref`` (the worker's handle table); without it such objects raise NotPlain.
    """
    if depth > MAX_DEPTH:
        raise NotPlain("value nested too deeply")
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return value
    if kind is float:
        return _float(value)
    if kind is complex:
        return {"$complex": [_float(value.real), _float(value.imag)]}
    if kind is bytes:
        buffers.append(value)
        return {"$bytes": len(buffers) - 1}
    if kind is np.ndarray:
        try:
            return _leaf_array(value, buffers)
        except NotPlain:
            if on_object is None:
                raise
            return _ref(on_object(value))
    if isinstance(value, np.generic) and kind.__module__ == "numpy" and value.dtype.str in ALLOWED_DTYPES:
        return encode(value.item(), buffers, on_object, depth + 1)
    if kind is list:
        return [encode(v, buffers, on_object, depth + 1) for v in value]
    if kind is tuple:
        return {"$tuple": [encode(v, buffers, on_object, depth + 1) for v in value]}
    if kind is dict or (kind.__name__ == "OrderedDict" and kind.__module__ == "collections"):
        return {"$dict": [[encode(k, buffers, on_object, depth + 1), encode(v, buffers, on_object, depth + 1)]
                          for k, v in value.items()]}
    if isinstance(value, Ref):
        return _ref(value)
    if on_object is None:
        raise NotPlain(f"{kind.__module__}.{kind.__qualname__} is not plain data")
    return _ref(on_object(value))


def _ref(ref: Ref) -> dict:
    return {"$ref": ref.id, "type": ref.type}


def is_leaf(value: Any) -> bool:
    """Scalars, strings and plain arrays: what attribute access returns by value."""
    kind = type(value)
    if value is None or kind in (bool, int, float, complex, str, bytes):
        return True
    if kind is np.ndarray:
        return value.dtype.newbyteorder("=").str in ALLOWED_DTYPES
    return isinstance(value, np.generic) and kind.__module__ == "numpy" and value.dtype.str in ALLOWED_DTYPES


def _strict_float(x: Any) -> float:
    if type(x) is float:
        return x
    if type(x) is int:
        return float(x)
    if type(x) is dict and set(x) == {"$float"} and x["$float"] in ("nan", "inf", "-inf"):
        return float(x["$float"])
    raise WireError("bad float")


def decode(data: Any, buffers: list[bytes], make_ref: Callable[[Ref], Any] | None = None,
           depth: int = 0, budget: list[int] | None = None) -> Any:
    """Rebuild a value from ``encode``'s output, strictly (see the module docstring), refusing one that holds
    more than ``MAX_ITEMS`` values or nests deeper than ``MAX_DEPTH``."""
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    budget = budget if budget is not None else [MAX_ITEMS]
    budget[0] -= 1
    if budget[0] < 0:
        raise WireError(f"message holds more than {MAX_ITEMS} values")
    kind = type(data)
    if data is None or kind in (bool, int, float, str):
        return data
    if kind is list:
        return [decode(v, buffers, make_ref, depth + 1, budget) for v in data]
    if kind is not dict or len(data) == 0:
        raise WireError(f"unexpected {kind.__name__} in message")
    tag = next(iter(data))
    if tag == "$nd":
        return _decode_array(data, buffers)
    if len(data) != (2 if tag == "$ref" else 1):
        raise WireError(f"malformed tagged value {tag!r}")
    if tag == "$tuple" and type(data[tag]) is list:
        return tuple(decode(v, buffers, make_ref, depth + 1, budget) for v in data[tag])
    if tag == "$dict" and type(data[tag]) is list:
        out = {}
        for pair in data[tag]:
            if type(pair) is not list or len(pair) != 2:
                raise WireError("malformed dict entry")
            key = decode(pair[0], buffers, make_ref, depth + 1, budget)
            if type(key) not in (str, int, float, bool, tuple) and key is not None:
                raise WireError("unhashable dict key")
            out[key] = decode(pair[1], buffers, make_ref, depth + 1, budget)
        return out
    if tag == "$float":
        return _strict_float(data)
    if tag == "$complex" and type(data[tag]) is list and len(data[tag]) == 2:
        return complex(_strict_float(data[tag][0]), _strict_float(data[tag][1]))
    if tag == "$bytes":
        return bytes(_buffer(data[tag], buffers))
    if tag == "$ref" and type(data["$ref"]) is int and type(data.get("type")) is str:
        ref = Ref(data["$ref"], data["type"][:200])
        return make_ref(ref) if make_ref else ref
    raise WireError(f"malformed tagged value {tag!r}")


def _buffer(index: Any, buffers: list[bytes]) -> bytes:
    if type(index) is not int or not 0 <= index < len(buffers):
        raise WireError("bad buffer index")
    return buffers[index]


def _decode_array(data: dict, buffers: list[bytes]) -> np.ndarray:
    if set(data) != {"$nd", "dtype", "shape"}:
        raise WireError("malformed array")
    dtype, shape = data["dtype"], data["shape"]
    if type(dtype) is not str or dtype not in ALLOWED_DTYPES:
        raise WireError(f"array dtype {dtype!r} is not allowed")
    if type(shape) is not list or len(shape) > 32 or any(type(n) is not int or n < 0 for n in shape):
        raise WireError("bad array shape")
    raw = _buffer(data["$nd"], buffers)
    dt = np.dtype(dtype)
    if len(raw) != math.prod(shape) * dt.itemsize:
        raise WireError("array bytes do not match its shape")
    array = np.frombuffer(raw, dtype=dt).reshape(shape)
    return array if array.flags.writeable else array.copy()  # a bytearray buffer is used in place


# -- framing -------------------------------------------------------------------------------------

def dump_frame(header: Any, buffers: list[bytes]) -> bytes:
    """One message as bytes: JSON header (NaN-free, see ``encode``) plus its buffers."""
    text = json.dumps(header, allow_nan=False, separators=(",", ":")).encode()
    parts = [HEADER.pack(len(text), len(buffers)), text]
    for buf in buffers:
        parts.append(LENGTH.pack(len(buf)))
        parts.append(buf)
    return b"".join(parts)


def read_frame(read_exact: Callable[[int], bytes], max_bytes: int) -> tuple[Any, list[bytes]]:
    """Read one message with ``read_exact(n)``; refuse messages larger than ``max_bytes`` in all, whose JSON
    header is over ``MAX_HEADER_BYTES`` or which has more than ``MAX_BUFFERS`` buffers, before reading them."""
    size, count = HEADER.unpack(read_exact(HEADER.size))
    total = size
    if size > min(max_bytes, MAX_HEADER_BYTES):
        raise WireError(f"message header of {size} bytes is over the limit of {min(max_bytes, MAX_HEADER_BYTES)}")
    if count > MAX_BUFFERS:
        raise WireError(f"message has {count} buffers, over the limit of {MAX_BUFFERS}")
    try:
        header = json.loads(read_exact(size), parse_constant=_no_constants)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WireError(f"message is not JSON: {exc}") from None
    buffers = []
    for _ in range(count):
        (length,) = LENGTH.unpack(read_exact(LENGTH.size))
        total += length
        if total > max_bytes:
            raise WireError(f"message is larger than the limit of {max_bytes >> 20} MiB")
        buffers.append(read_exact(length))
    return header, buffers


def _no_constants(name: str) -> Any:
    raise WireError(f"JSON constant {name} is not allowed")
