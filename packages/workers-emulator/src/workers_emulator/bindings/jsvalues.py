"""JavaScript values as a Python Worker receives them from a binding, through Pyodide's proxy.

A binding that answers with a JS object (D1's results, rows, meta) hands Python a ``JsProxy``,
not a dict: fields are attributes (``result.results``, ``row.name``), arrays index and iterate,
and ``to_py()`` converts deeply into dicts and lists. Subscripting an object proxy
(``row["name"]``) or ``json.dumps``-ing one fails on the platform, so it fails here too.

Numbers cross as Pyodide converts them: a JS number that is a safe integer becomes ``int``
(so SQLite's ``REAL`` 3.0 arrives as ``3``), any other number ``float``; ``null`` becomes None.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..jsjson import js_number as number_text

MAX_SAFE_INTEGER = 2**53 - 1


def js_number(value: int | float) -> int | float:
    """A number as it arrives in Python after a trip through a JS ``number``."""
    if isinstance(value, int):
        # Beyond 2**53 a JS number cannot hold every integer: it keeps the nearest double.
        return value if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER else float(value)
    if value.is_integer() and abs(value) <= MAX_SAFE_INTEGER:
        return int(value)
    return value


def to_py(value: Any) -> Any:
    """``value.to_py()`` for proxies, the value itself for what Pyodide converts eagerly."""
    if isinstance(value, JsObject | JsArray):
        return value.to_py()
    return value


def js_class(value: Any) -> str | None:
    """The JavaScript class of a JS value's proxy (``"Array"``, ``"Uint8Array"``...), whichever
    stand-in made it (these proxies and the runtime's share ``js_name``); None for Python."""
    name = getattr(type(value), "js_name", None)
    return name if isinstance(name, str) else None


def is_jsnull(value: Any) -> bool:
    """Whether ``value`` is ``pyodide.ffi.jsnull`` (JavaScript's null, which None is not)."""
    return type(value).__name__.lstrip("_") == "JsNull"


class JsObject:
    """A proxy of a plain JS object: attribute access, ``to_py()``, ``as_object_map()``."""

    __slots__ = ("_fields",)
    js_name = "Object"

    def __init__(self, fields: dict[str, Any]) -> None:
        object.__setattr__(self, "_fields", fields)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._fields[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self._fields[name] = value

    def __dir__(self) -> list[str]:
        return [*self._fields, "to_py", "as_object_map"]

    def to_py(self) -> dict[str, Any]:
        return {k: to_py(v) for k, v in self._fields.items()}

    def as_object_map(self) -> dict[str, Any]:
        """A mapping view of the object's own fields (values stay proxies), as Pyodide's."""
        return dict(self._fields)

    def __eq__(self, other: object) -> bool:
        # Proxies compare by identity on the platform; equal contents are not the same object.
        return self is other

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return "[object Object]"


class JsArray:
    """A proxy of a JS array: ``len``, indexing, iteration, ``to_py()`` (a list)."""

    __slots__ = ("_items",)
    js_name = "Array"

    def __init__(self, items: list[Any]) -> None:
        self._items = items

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: int) -> Any:
        if not isinstance(index, int):
            raise TypeError(f"JsArray indices must be integers, not {type(index).__name__}")
        return self._items[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)

    def __contains__(self, value: object) -> bool:
        return value in self._items

    def to_py(self) -> list[Any]:
        return [to_py(v) for v in self._items]

    def __eq__(self, other: object) -> bool:
        return self is other

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return js_string(self)


def js_string(value: Any) -> str:
    """JS ``String(value)`` for the values a binding hands out."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "Infinity" if value > 0 else "-Infinity"
        return number_text(value)
    name = js_class(value)
    if name is not None and name.endswith("Array"):  # an Array or a typed array
        # Array.prototype.join: null and undefined print as nothing.
        return ",".join("" if v is None or is_jsnull(v) else js_string(v) for v in value)
    if name is not None:
        return f"[object {name}]"
    return str(value)
