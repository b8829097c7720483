"""Tests for autograder/worker/wire.py: exact round trips and a strict decoder."""

from __future__ import annotations

import io
import json
import math
from collections import OrderedDict

import numpy as np
import pytest

from autograder.worker import wire
from autograder.worker.wire import NotPlain, Ref, WireError


def round_trip(value, on_object=None, make_ref=None, max_bytes=1 << 30):
    buffers: list[bytes] = []
    header = wire.encode(value, buffers, on_object)
    stream = io.BytesIO(wire.dump_frame(header, buffers))
    data, out = wire.read_frame(lambda n: stream.read(n), max_bytes)
    assert stream.read() == b""  # the frame is consumed exactly
    return wire.decode(data, out, make_ref)


def frame(header, buffers=()) -> bytes:
    """A frame built by hand, for messages ``encode`` would never produce."""
    text = json.dumps(header).encode()
    parts = [wire.HEADER.pack(len(text), len(buffers)), text]
    for buf in buffers:
        parts += [wire.LENGTH.pack(len(buf)), buf]
    return b"".join(parts)


def read(raw: bytes, max_bytes: int = 1 << 20):
    stream = io.BytesIO(raw)

    def read_exact(n: int) -> bytes:
        data = stream.read(n)
        if len(data) != n:
            raise EOFError
        return data

    header, buffers = wire.read_frame(read_exact, max_bytes)
    return wire.decode(header, buffers)


def same(a, b) -> bool:
    """Equality that also checks exact types and treats NaN as equal to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, complex):
        return same(a.real, b.real) and same(a.imag, b.imag)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(k1, k2) and same(a[k1], b[k2]) for k1, k2 in zip(a, b, strict=True))
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
    return a == b


# -- round trips ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [
    None, True, False, 0, -7, 2**80, 1.5, -0.0, "", "héllo\n\x00", b"", b"\x00\xff raw",
    float("nan"), float("inf"), float("-inf"), 1 + 2j, complex(float("nan"), float("-inf")),
    [], (), {}, (1,), [1, [2, [3, (4, 5)]]],
    {"a": 1, "b": [1.0, None]}, {1: "one", 2: "two"}, {(1, 2): "pair", None: 0, 1.5: "x", True: "t"},
    {"nested": {"deeper": ({"x": float("nan")},)}},
], ids=repr)
def test_plain_values_round_trip_exactly(value) -> None:
    assert same(round_trip(value), value)


def test_ordered_dict_arrives_as_a_dict_in_order() -> None:
    value = OrderedDict([("W", 1), ("b", 2)])
    back = round_trip(value)
    assert type(back) is dict and list(back.items()) == [("W", 1), ("b", 2)]


@pytest.mark.parametrize("dtype", sorted(wire.ALLOWED_DTYPES))
def test_every_allowed_dtype_round_trips(dtype: str) -> None:
    rng = np.random.default_rng(0)
    array = (rng.standard_normal((3, 4)) * 50).astype(dtype)
    back = round_trip(array)
    assert type(back) is np.ndarray and same(back, array)
    assert back.flags.writeable and back.flags.c_contiguous


@pytest.mark.parametrize("array", [
    np.array(3.5), np.zeros((0,)), np.zeros((2, 0, 3), dtype=np.int32), np.array([[np.nan, np.inf]]),
    np.arange(24.0).reshape(2, 3, 4)[:, ::2, 1:],   # non-contiguous view
    np.asfortranarray(np.arange(6).reshape(2, 3)),
    np.arange(10)[::-1],
], ids=["0d", "empty", "empty3d", "nan-inf", "strided", "fortran", "reversed"])
def test_special_arrays_round_trip(array: np.ndarray) -> None:
    back = round_trip(array)
    assert back.shape == array.shape and back.dtype == array.dtype
    np.testing.assert_array_equal(back, array)


@pytest.mark.parametrize("dtype", [">i4", ">f8", ">c16"])
def test_byte_swapped_arrays_arrive_in_native_order(dtype: str) -> None:
    array = np.array([1, -2, 3], dtype=dtype)
    back = round_trip(array)
    assert back.dtype == array.dtype.newbyteorder("=") and back.dtype.isnative
    np.testing.assert_array_equal(back, array)


def test_arrays_inside_containers_share_one_frame() -> None:
    value = {"W": np.ones((2, 2)), "grads": (np.zeros(3, dtype=np.float32), [np.arange(2)])}
    back = round_trip(value)
    assert same(back, value)


def test_numpy_scalars_become_python_scalars() -> None:
    back = round_trip([np.float64(1.5), np.int8(-3), np.bool_(True), np.complex64(1j), np.float32(np.nan)])
    assert [type(v) for v in back] == [float, int, bool, complex, float]
    assert back[:4] == [1.5, -3, True, 1j] and math.isnan(back[4])


# -- encode refuses what is not plain ----------------------------------------------------------------

class Sub(np.ndarray):
    pass


class MyDict(dict):
    pass


NOT_PLAIN = [
    np.array([1, "a"], dtype=object), np.array(["a", "b"]), np.zeros(2, dtype="datetime64[s]"),
    np.zeros(2, dtype=[("x", "f8")]), np.zeros(3).view(Sub), np.matrix([[1.0]]),
    MyDict(a=1), {1, 2}, object(), np.str_("x"), bytearray(b"x"),
]


@pytest.mark.parametrize("value", NOT_PLAIN, ids=lambda v: type(v).__name__)
def test_encode_refuses_non_plain_values(value) -> None:
    with pytest.raises(NotPlain):
        wire.encode(value, [])
    with pytest.raises(NotPlain):
        wire.encode({"inside": [value]}, [])


@pytest.mark.parametrize("value", NOT_PLAIN, ids=lambda v: type(v).__name__)
def test_on_object_turns_non_plain_values_into_refs(value) -> None:
    kept = []

    def on_object(obj):
        kept.append(obj)
        return Ref(len(kept), type(obj).__qualname__)

    back = round_trip([1, value], on_object=on_object)
    assert back[0] == 1
    assert isinstance(back[1], Ref) and back[1].id == 1 and back[1].type == type(value).__qualname__
    assert kept == [value] or kept[0] is value


def test_make_ref_builds_the_caller_objects() -> None:
    back = round_trip((Ref(5, "pkg.Layer"),), make_ref=lambda ref: ("handle", ref.id, ref.type))
    assert back == (("handle", 5, "pkg.Layer"),)


def test_is_leaf() -> None:
    assert all(wire.is_leaf(v) for v in (None, 1, 1.0, 1j, "s", b"b", np.float32(1), np.zeros(2),
                                         np.zeros(2, dtype=">f8")))
    assert not any(wire.is_leaf(v) for v in ([], (), {}, np.array([None]), np.matrix([[1]]), object()))


def test_encode_refuses_deep_nesting() -> None:
    value: list = []
    for _ in range(wire.MAX_DEPTH + 5):
        value = [value]
    with pytest.raises(NotPlain, match="deeply"):
        wire.encode(value, [])


# -- decode is strict -----------------------------------------------------------------------------------

ARRAY = {"$nd": 0, "dtype": "<f8", "shape": [2]}


@pytest.mark.parametrize(("header", "buffers", "match"), [
    ({"$nd": 0, "dtype": "|O", "shape": [1]}, [bytes(8)], "not allowed"),
    ({"$nd": 0, "dtype": "<U1", "shape": [1]}, [bytes(4)], "not allowed"),
    ({"$nd": 0, "dtype": "<M8[s]", "shape": [1]}, [bytes(8)], "not allowed"),
    ({"$nd": 0, "dtype": 5, "shape": [1]}, [bytes(8)], "not allowed"),
    (ARRAY, [bytes(15)], "do not match"),
    (ARRAY, [bytes(17)], "do not match"),
    (ARRAY, [], "buffer index"),
    ({**ARRAY, "$nd": 1}, [bytes(16)], "buffer index"),
    ({**ARRAY, "$nd": -1}, [bytes(16)], "buffer index"),
    ({**ARRAY, "$nd": "0"}, [bytes(16)], "buffer index"),
    ({**ARRAY, "shape": [-2]}, [bytes(16)], "shape"),
    ({**ARRAY, "shape": [2.0]}, [bytes(16)], "shape"),
    ({**ARRAY, "shape": "2"}, [bytes(16)], "shape"),
    ({**ARRAY, "shape": [1] * 33}, [bytes(8)], "shape"),
    ({**ARRAY, "extra": 1}, [bytes(16)], "malformed array"),
    ({"$nd": 0, "dtype": "<f8"}, [bytes(16)], "malformed array"),
    ({"$pickle": "gASVAAAAAAAAAACMBHRlc3SULg=="}, [], "malformed"),
    ({"$tuple": [1], "extra": 2}, [], "malformed"),
    ({"$tuple": "12"}, [], "malformed"),
    ({"$dict": [[1, 2, 3]]}, [], "dict entry"),
    ({"$dict": [[[1], 2]]}, [], "unhashable"),
    ({"$float": "NaN"}, [], "bad float"),
    ({"$float": 1}, [], "bad float"),
    ({"$complex": [1]}, [], "malformed"),
    ({"$complex": ["1", 2]}, [], "bad float"),
    ({"$bytes": 0}, [], "buffer index"),
    ({"$ref": "1", "type": "x"}, [], "malformed"),
    ({"$ref": 1}, [], "malformed"),
    ({"$ref": 1, "type": "x", "extra": 0}, [], "malformed"),
    ({"plain": "dict"}, [], "malformed"),
    ({}, [], "unexpected"),
], ids=lambda v: json.dumps(v)[:60] if not isinstance(v, list) else None)
def test_decode_rejects_malformed_values(header, buffers, match) -> None:
    with pytest.raises(WireError, match=match):
        wire.decode(header, list(buffers))
    with pytest.raises(WireError):
        read(frame({"value": [header]}, buffers))


def test_decode_rejects_deep_nesting() -> None:
    value: list = []
    for _ in range(wire.MAX_DEPTH + 5):
        value = [value]
    with pytest.raises(WireError, match="deeply"):
        wire.decode(value, [])
    tagged: dict = {"$tuple": []}
    for _ in range(wire.MAX_DEPTH + 5):
        tagged = {"$tuple": [tagged]}
    with pytest.raises(WireError, match="deeply"):
        wire.decode(tagged, [])


def test_decoded_arrays_do_not_alias_the_buffers() -> None:
    raw = bytearray(np.arange(2.0).tobytes())
    array = wire.decode(ARRAY, [bytes(raw)])
    array[0] = 42.0
    assert wire.decode(ARRAY, [bytes(raw)])[0] == 0.0


# -- framing -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_nan_constants_are_rejected(constant: str) -> None:
    text = f'{{"value": {constant}}}'.encode()
    with pytest.raises(WireError, match="constant"):
        read(wire.HEADER.pack(len(text), 0) + text)


def test_dump_frame_refuses_raw_nan() -> None:
    with pytest.raises(ValueError):
        wire.dump_frame({"value": float("nan")}, [])


def test_non_json_header_is_rejected() -> None:
    for text in (b"\xff\xfe", b"{not json"):
        with pytest.raises(WireError, match="not JSON"):
            read(wire.HEADER.pack(len(text), 0) + text)


def test_oversized_header_is_refused_before_reading_it() -> None:
    calls = []

    def read_exact(n: int) -> bytes:
        calls.append(n)
        return wire.HEADER.pack(1 << 40, 0)

    with pytest.raises(WireError, match="over the limit|larger than the limit"):
        wire.read_frame(read_exact, 1 << 20)
    assert calls == [wire.HEADER.size]  # the 1 TiB header was never read


def test_oversized_buffers_are_refused() -> None:
    big = frame({"$nd": 0, "dtype": "<f8", "shape": [200]}, [bytes(1600)])
    assert read(big, max_bytes=4000).shape == (200,)
    with pytest.raises(WireError, match="over the limit|larger than the limit"):
        read(big, max_bytes=1000)
    header = wire.HEADER.pack(2, 10**6) + b"{}"
    with pytest.raises(WireError, match="over the limit|larger than the limit"):
        read(header)


def test_truncated_frame_is_an_eof() -> None:
    raw = wire.dump_frame({"$nd": 0, "dtype": "<f8", "shape": [4]}, [bytes(32)])
    with pytest.raises(EOFError):
        read(raw[:-5])


def test_a_header_over_its_own_limit_is_refused_whatever_the_message_limit() -> None:
    calls = []

    def read_exact(n: int) -> bytes:
        calls.append(n)
        return wire.HEADER.pack(wire.MAX_HEADER_BYTES + 1, 0)

    with pytest.raises(WireError, match="header of .* bytes is over the limit"):
        wire.read_frame(read_exact, 1 << 30)
    assert calls == [wire.HEADER.size]


def test_too_many_buffers_are_refused_before_reading_them() -> None:
    with pytest.raises(WireError, match="buffers, over the limit"):
        wire.read_frame(lambda n: wire.HEADER.pack(2, wire.MAX_BUFFERS + 1), 1 << 30)


def test_a_message_with_too_many_values_is_refused_while_decoding() -> None:
    with pytest.raises(WireError, match="more than 1000000 values"):
        wire.decode({"$dict": [[i, i] for i in range(wire.MAX_ITEMS // 2 + 1)]}, [])
    assert len(wire.decode(list(range(1000)), [])) == 1000


def test_arrays_from_a_bytearray_are_decoded_without_a_copy() -> None:
    raw = bytearray(np.arange(4.0).tobytes())
    array = wire.decode({"$nd": 0, "dtype": "<f8", "shape": [4]}, [raw])
    assert array.flags.writeable and np.shares_memory(array, np.frombuffer(raw))
