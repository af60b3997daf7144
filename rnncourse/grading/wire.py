"""The data format between the grader and a sandboxed child, both ways.

Only plain data crosses: ``None``, bools, ints, floats (NaN and infinities
included), strings, numeric numpy arrays and scalars, and lists, tuples and
dicts of them; plus three tagged forms the grader needs -- a *record* (a cache
object: a name and fields, rebuilt as a read-only attribute bag), a random
*generator* (its bit-generator state) and a *fixture* (a callable the child
builds from :mod:`rnncourse.grading.fixtures` by name). Anything else a student
function returns arrives as :class:`Foreign` (its type name and a short repr).

Encoding is JSON; arrays travel as base64 of their raw bytes with a whitelisted
dtype. Decoding builds only the types above: reading a message never imports,
calls or constructs anything chosen by the sender. This module is shared by the
grader and the child and imports nothing from the rest of the package.
"""
from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass, fields, is_dataclass

import numpy as np

__all__ = ["Record", "Foreign", "Raised", "Fixture", "encode", "decode", "dumps", "loads",
           "WireError", "MAX_DEPTH"]

MAX_DEPTH = 24
# numeric dtypes only: no object, void or datetime arrays ever cross
_DTYPES = {np.dtype(t).str: np.dtype(t) for t in (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "complex64", "complex128")}


class WireError(ValueError):
    """A message that is not in the format (too deep, a bad array, an unknown tag)."""


class Record:
    """A read-only bag of fields standing for a cache object (``cache.Wax``)."""

    __slots__ = ("_name", "_fields")

    def __init__(self, name: str, values: dict):
        object.__setattr__(self, "_name", str(name))
        object.__setattr__(self, "_fields", dict(values))

    def __getattr__(self, key):
        try:
            return self._fields[key]
        except KeyError:
            raise AttributeError(f"{self._name} has no field {key!r}; it has {sorted(self._fields)}") from None

    def __setattr__(self, key, value):
        raise AttributeError(f"{self._name} is read-only")

    def __dir__(self):
        return sorted(self._fields)

    def __repr__(self):
        return f"{self._name}({', '.join(sorted(self._fields))})"

    def __eq__(self, other):
        return isinstance(other, Record) and other._name == self._name and other._fields.keys() == self._fields.keys()


@dataclass(frozen=True)
class Foreign:
    """An output of a type that does not cross (kept by name and a short text only)."""
    type_name: str
    text: str = ""


@dataclass(frozen=True)
class Raised:
    """The student's function raised ``exc_type`` (by name) with ``message``."""
    exc_type: str
    message: str


@dataclass(frozen=True)
class Fixture:
    """A callable argument, built on the receiving side by ``fixtures.build(name, data)``."""
    name: str
    data: dict


def _tag(kind, value):
    return {"~": kind, "v": value}


def encode(obj, depth: int = 0):
    """Turn ``obj`` into JSON-ready data (see module docstring); unknown types become Foreign."""
    if depth > MAX_DEPTH:
        return _tag("foreign", ["deeply nested value", ""])
    if obj is None or type(obj) in (bool, int, str):
        return obj
    if type(obj) is float:
        return obj if math.isfinite(obj) else _tag("float", repr(obj))
    if isinstance(obj, np.generic):
        if obj.dtype.str in _DTYPES:
            return _tag("scalar", _array_payload(np.asarray(obj)))
        return _tag("foreign", [f"numpy scalar of dtype {obj.dtype}", ""])
    if isinstance(obj, np.ndarray):
        if obj.dtype.str not in _DTYPES and obj.dtype.newbyteorder("=").str not in _DTYPES:
            return _tag("foreign", [f"ndarray of dtype {obj.dtype}", ""])
        return _tag("array", _array_payload(obj))
    if type(obj) is list:
        return [encode(o, depth + 1) for o in obj]
    if type(obj) is tuple:
        return _tag("tuple", [encode(o, depth + 1) for o in obj])
    if type(obj) is dict:
        return _tag("dict", [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in obj.items()])
    if isinstance(obj, Raised):
        return _tag("raised", [obj.exc_type, obj.message])
    if isinstance(obj, Foreign):
        return _tag("foreign", [obj.type_name, obj.text])
    if isinstance(obj, Fixture):
        return _tag("fixture", [obj.name, encode(obj.data, depth + 1)])
    if isinstance(obj, Record):
        return _tag("record", [obj._name, {k: encode(v, depth + 1) for k, v in obj._fields.items()}])
    if isinstance(obj, np.random.Generator):
        state = obj.bit_generator.state
        if state.get("bit_generator") != "PCG64":
            return _tag("foreign", [f"Generator({state.get('bit_generator')})", ""])
        return _tag("rng", [int(state["state"]["state"]), int(state["state"]["inc"]),
                            int(state["has_uint32"]), int(state["uinteger"])])
    if is_dataclass(obj) and not isinstance(obj, type) and type(obj).__module__.startswith("rnncourse."):
        # a course's cache object: its fields and its public properties (e.g. gamma_f of a stacked LSTM cache)
        names = [f.name for f in fields(obj)] + [k for k in dir(type(obj)) if not k.startswith("_")
                                                 and isinstance(getattr(type(obj), k, None), property)]
        return _tag("record", [type(obj).__name__, {k: encode(getattr(obj, k), depth + 1) for k in names}])
    try:
        text = repr(obj)[:200]
    except Exception:  # a hostile __repr__ changes nothing
        text = "<repr failed>"
    return _tag("foreign", [type(obj).__name__[:100], text])


def _array_payload(a: np.ndarray):
    a = np.array(a, order="C", copy=True)  # (ascontiguousarray would turn a 0-d array into 1-d)
    if a.dtype.byteorder not in ("=", "|"):
        a = a.astype(a.dtype.newbyteorder("="))
    return [a.dtype.str, list(a.shape), base64.b64encode(a.tobytes()).decode("ascii")]


def _array(payload) -> np.ndarray:
    if not (isinstance(payload, list) and len(payload) == 3):
        raise WireError("malformed array")
    dt, shape, data = payload
    if dt not in _DTYPES or not isinstance(shape, list) or not all(
            type(s) is int and 0 <= s for s in shape) or not isinstance(data, str):
        raise WireError(f"array of an unsupported dtype or shape: {dt!r}")
    raw = base64.b64decode(data.encode("ascii"), validate=True)
    dtype = _DTYPES[dt]
    if len(raw) != dtype.itemsize * math.prod(shape):
        raise WireError("array data does not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def decode(data, build_fixture=None, depth: int = 0):
    """Inverse of :func:`encode`. ``build_fixture(name, data)`` makes callables (child side only)."""
    if depth > MAX_DEPTH + 2:
        raise WireError("message nested too deeply")
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is list:
        return [decode(d, build_fixture, depth + 1) for d in data]
    if type(data) is not dict or set(data) != {"~", "v"}:
        raise WireError("unexpected object in message")
    kind, v = data["~"], data["v"]
    if kind == "array":
        return _array(v)
    if kind == "scalar":
        return _array(v)[()]
    if kind == "float":
        if v not in ("nan", "inf", "-inf"):
            raise WireError("bad float")
        return float(v)
    if kind == "tuple":
        return tuple(decode(d, build_fixture, depth + 1) for d in _list(v))
    if kind == "dict":
        out = {}
        for pair in _list(v):
            k, val = _list(pair, 2)
            k = decode(k, build_fixture, depth + 1)
            try:
                hash(k)
            except TypeError:
                raise WireError("unhashable dict key") from None
            out[k] = decode(val, build_fixture, depth + 1)
        return out
    if kind == "raised":
        a, b = _list(v, 2)
        return Raised(str(a)[:200], str(b)[:2000])
    if kind == "foreign":
        a, b = _list(v, 2)
        return Foreign(str(a)[:200], str(b)[:200])
    if kind == "record":
        name, vals = _list(v, 2)
        if not isinstance(vals, dict):
            raise WireError("bad record")
        return Record(str(name)[:100], {str(k): decode(x, build_fixture, depth + 1) for k, x in vals.items()})
    if kind == "rng":
        s, inc, has, uint = _list(v, 4)
        g = np.random.Generator(np.random.PCG64())
        g.bit_generator.state = {"bit_generator": "PCG64", "state": {"state": int(s), "inc": int(inc)},
                                 "has_uint32": int(has), "uinteger": int(uint)}
        return g
    if kind == "fixture":
        name, payload = _list(v, 2)
        fdata = decode(payload, build_fixture, depth + 1)
        if build_fixture is None:
            return Fixture(str(name), fdata)
        return build_fixture(str(name), fdata)
    raise WireError(f"unknown tag {kind!r}")


def _list(v, n=None):
    if type(v) is not list or (n is not None and len(v) != n):
        raise WireError("malformed message")
    return v


def dumps(obj) -> bytes:
    """Encode ``obj`` as UTF-8 JSON bytes."""
    return json.dumps(encode(obj), allow_nan=False, separators=(",", ":")).encode("utf-8")


def loads(raw: bytes, build_fixture=None):
    """Decode bytes from :func:`dumps` (raises :class:`WireError` on anything else)."""
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_no_constants)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise WireError(f"not a message: {exc}") from None
    return decode(data, build_fixture)


def _no_constants(name):
    raise WireError(f"bare {name} in message")
