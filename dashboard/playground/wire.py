"""The drawing worker's messages as bytes: a JSON header and raw arrays, never pickle.

The server and the drawing worker (``dashboard.playground.worker``) talk over the worker's stdin and stdout.
A message is a dataclass of plain values (None, bools, numbers, strings, lists, tuples, dicts with string
keys), NumPy arrays of numbers, and other dataclasses, each of a class the :class:`Wire` was given: reading
a message builds only those classes, and arrays only of numeric dtypes.

One message on the pipe: 8 bytes (the header's length, little-endian), the header (JSON), then each
array's bytes in the header's order.
"""

from __future__ import annotations

import dataclasses
import json
import struct

import numpy as np

_LENGTH = struct.Struct("<Q")
_NUMERIC = "biuf"  # dtype kinds an array may have: bool, signed and unsigned integers, floats


class Wire:
    """Writes and reads messages made of ``classes`` (dataclasses)."""

    def __init__(self, classes):
        self.classes = {cls.__name__: cls for cls in classes}

    def encode(self, message) -> bytes:
        """``message`` as the bytes :meth:`read` reads back."""
        arrays: list[np.ndarray] = []
        header = json.dumps(self._plain(message, arrays)).encode()
        return b"".join([_LENGTH.pack(len(header)), header, *(array.tobytes() for array in arrays)])

    def write(self, stream, message) -> None:
        """Write ``message`` (or bytes it was encoded to)."""
        stream.write(message if isinstance(message, bytes) else self.encode(message))
        stream.flush()

    def read(self, stream):
        """The next message, or EOFError once the other side has closed the pipe."""
        header = json.loads(_exactly(stream, _LENGTH.unpack(_exactly(stream, _LENGTH.size))[0]))
        arrays = []
        for dtype, shape in header["arrays"]:
            dtype = np.dtype(dtype)
            if dtype.kind not in _NUMERIC:
                raise ValueError(f"an array of dtype {dtype} is not a drawing message's")
            size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
            arrays.append(np.frombuffer(_exactly(stream, size), dtype=dtype).reshape(shape).copy())
        return self._built(header["message"], arrays)

    def _plain(self, value, arrays: list, top: bool = True):
        if top:
            message = self._plain(value, arrays, False)
            return {"message": message, "arrays": [[a.dtype.str, list(a.shape)] for a in arrays]}
        if dataclasses.is_dataclass(value) and type(value).__name__ in self.classes:
            return {"class": type(value).__name__,
                    "fields": {f.name: self._plain(getattr(value, f.name), arrays, False)
                               for f in dataclasses.fields(value) if f.init}}
        if isinstance(value, np.ndarray):
            arrays.append(np.ascontiguousarray(value))
            return {"array": len(arrays) - 1}
        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, dict):
            return {"dict": {str(k): self._plain(v, arrays, False) for k, v in value.items()}}
        if isinstance(value, tuple):
            return {"tuple": [self._plain(v, arrays, False) for v in value]}
        if isinstance(value, list):
            return [self._plain(v, arrays, False) for v in value]
        if value is None or isinstance(value, bool | int | float | str):
            return value
        raise TypeError(f"a {type(value).__name__} cannot go in a drawing message")

    def _built(self, value, arrays: list):
        if isinstance(value, list):
            return [self._built(v, arrays) for v in value]
        if not isinstance(value, dict):
            return value
        if "array" in value:
            return arrays[value["array"]]
        if "tuple" in value:
            return tuple(self._built(v, arrays) for v in value["tuple"])
        if "dict" in value:
            return {k: self._built(v, arrays) for k, v in value["dict"].items()}
        cls = self.classes[value["class"]]  # a KeyError for any class not named here
        return cls(**{k: self._built(v, arrays) for k, v in value["fields"].items()})


def _exactly(stream, n: int) -> bytes:
    data = stream.read(n)
    if len(data) < n:
        raise EOFError("the other side closed the pipe")
    return data
