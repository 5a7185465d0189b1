"""``ArrayBuffer``, ``Uint8Array`` and friends, ``TextEncoder`` / ``TextDecoder``.

A typed array is a view on an ``ArrayBuffer``: writing through one view is seen through
``.buffer`` and every other view on it, as in JavaScript.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ...errors import JsException
from ..jsproxy import JsProxy, option


class ArrayBuffer(JsProxy):
    """Raw bytes (``to_bytes()`` as Pyodide gives them)."""

    js_name = "ArrayBuffer"

    def __init__(self, data: bytes | bytearray | int = 0) -> None:
        # bytes until first written to: chunks of a body are wrapped without a copy.
        self._data: bytes | bytearray = bytearray(data) if isinstance(data, int) else data

    @property
    def byteLength(self) -> int:
        return len(self._data)

    def _writable(self) -> bytearray:
        if not isinstance(self._data, bytearray):
            self._data = bytearray(self._data)
        return self._data

    def slice(self, start: int = 0, end: int | None = None) -> ArrayBuffer:
        return ArrayBuffer(bytes(self._data[start:end]))

    def to_bytes(self) -> bytes:
        return bytes(self._data)

    def to_py(self, *, depth: int = -1, default_converter: Any = None) -> Any:
        return memoryview(self._data)

    def to_memoryview(self) -> memoryview:
        return memoryview(self._data)

    @staticmethod
    def isView(value: Any) -> bool:
        return isinstance(value, TypedArray)


class TypedArray(JsProxy):
    """A view of ``itemsize``-byte unsigned integers on an ``ArrayBuffer``."""

    js_name = "TypedArray"
    itemsize = 1

    def __init__(self, source: Any = 0, byteOffset: int = 0, length: int | None = None) -> None:
        if isinstance(source, ArrayBuffer):
            buffer = source
        elif isinstance(source, int):
            buffer = ArrayBuffer(source * self.itemsize)
        elif isinstance(source, bytes):
            buffer = ArrayBuffer(source)
        elif isinstance(source, bytearray | memoryview):
            buffer = ArrayBuffer(bytes(source))
        elif isinstance(source, TypedArray):
            buffer = ArrayBuffer(source.to_bytes())
        elif isinstance(source, Iterable):
            buffer = ArrayBuffer(self._pack(list(source)))
        else:
            raise JsException("TypeError", f"Cannot construct {self.js_name} from {source!r}")
        self._buffer = buffer
        self._offset = byteOffset
        end = buffer.byteLength if length is None else byteOffset + length * self.itemsize
        if end > buffer.byteLength or byteOffset > end:
            raise JsException("RangeError", f"Invalid typed array length: {length}")
        self._end = end

    def _pack(self, values: list[Any]) -> bytes:
        return b"".join(int(v).to_bytes(self.itemsize, "little") for v in values)

    @classmethod
    def from_(cls, values: Iterable[Any]) -> TypedArray:
        return cls(list(values))

    @property
    def buffer(self) -> ArrayBuffer:
        return self._buffer

    @property
    def byteOffset(self) -> int:
        return self._offset

    @property
    def byteLength(self) -> int:
        return self._end - self._offset

    @property
    def length(self) -> int:
        return self.byteLength // self.itemsize

    def __len__(self) -> int:
        return self.length

    def _raw(self) -> bytes | bytearray:
        data = self._buffer._data
        if self._offset == 0 and self._end == len(data):
            return data
        return data[self._offset : self._end]

    def __getitem__(self, index: int) -> int:
        if index < 0:
            index += self.length
        if not 0 <= index < self.length:
            raise IndexError(index)
        start = self._offset + index * self.itemsize
        return int.from_bytes(self._buffer._data[start : start + self.itemsize], "little")

    def __setitem__(self, index: int, value: int) -> None:
        if index < 0:
            index += self.length
        if not 0 <= index < self.length:
            return  # JavaScript ignores writes out of range
        start = self._offset + index * self.itemsize
        mask = (1 << (8 * self.itemsize)) - 1
        self._buffer._writable()[start : start + self.itemsize] = (int(value) & mask).to_bytes(
            self.itemsize, "little"
        )

    def __iter__(self) -> Iterator[int]:
        return (self[i] for i in range(self.length))

    def set(self, values: Iterable[int], offset: int = 0) -> None:
        for i, value in enumerate(values):
            self[offset + i] = value

    def subarray(self, begin: int = 0, end: int | None = None) -> TypedArray:
        begin, stop, _ = slice(begin, end).indices(self.length)
        return type(self)(self._buffer, self._offset + begin * self.itemsize, max(0, stop - begin))

    def slice(self, begin: int = 0, end: int | None = None) -> TypedArray:
        return type(self)(self.subarray(begin, end).to_bytes())

    def to_bytes(self) -> bytes:
        raw = self._raw()
        return raw if type(raw) is bytes else bytes(raw)

    def to_py(self, *, depth: int = -1, default_converter: Any = None) -> Any:
        return memoryview(self.to_bytes())

    def to_memoryview(self) -> memoryview:
        return memoryview(self.to_bytes())

    def to_string(self, encoding: str | None = None) -> str:
        return self.to_bytes().decode(encoding or "utf-8")

    def __repr__(self) -> str:
        return ",".join(str(v) for v in self)


class Uint8Array(TypedArray):
    js_name = "Uint8Array"
    itemsize = 1

    def to_bytes(self) -> bytes:
        # The common case (a whole chunk of a body) hands its bytes over without a copy.
        data = self._buffer._data
        if self._offset == 0 and self._end == len(data) and type(data) is bytes:
            return data
        return bytes(data[self._offset : self._end])


class Uint16Array(TypedArray):
    js_name = "Uint16Array"
    itemsize = 2


class Uint32Array(TypedArray):
    js_name = "Uint32Array"
    itemsize = 4


class TextEncoder(JsProxy):
    """Strings to UTF-8 ``Uint8Array``."""

    js_name = "TextEncoder"
    encoding = "utf-8"

    def encode(self, text: str = "") -> Uint8Array:
        return Uint8Array(text.encode("utf-8", "surrogatepass"))


class TextDecoder(JsProxy):
    """Bytes to strings (``fatal`` raises on a bad sequence, else U+FFFD)."""

    js_name = "TextDecoder"

    def __init__(self, label: str = "utf-8", options: Any = None) -> None:
        self.encoding = label.lower()
        self.fatal = bool(option(options, "fatal", False))
        self.ignoreBOM = bool(option(options, "ignoreBOM", False))

    def decode(self, data: Any = None, options: Any = None) -> str:
        raw = b"" if data is None else buffer_bytes(data)
        if not self.ignoreBOM and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            return raw.decode(self.encoding, "strict" if self.fatal else "replace")
        except UnicodeDecodeError:
            raise JsException("TypeError", "Failed to decode input.") from None


def buffer_bytes(value: Any) -> bytes:
    """The bytes of a JavaScript buffer source or Python bytes-like."""
    if isinstance(value, TypedArray | ArrayBuffer):
        return value.to_bytes()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    raise JsException("TypeError", f"not a buffer source: {value!r}")
