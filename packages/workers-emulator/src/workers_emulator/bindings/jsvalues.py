"""How values cross between a binding and a Python Worker, as Pyodide converts them.

A binding answering a JS object hands Python the runtime's ``JsProxy`` stand-ins
(``runtime/jsproxy.py``: attributes, indexing, ``to_py()``); these helpers convert the
values inside, and read the JS values a Worker passes in.
"""

from __future__ import annotations

from typing import Any

from ..jsjson import js_number as number_text
from ..runtime.jsproxy import JsNull

MAX_SAFE_INTEGER = 2**53 - 1


def js_number(value: int | float) -> int | float:
    """A number as it arrives in Python after a trip through a JS ``number``: a safe integer
    becomes ``int`` (so ``3.0`` arrives as ``3``), anything else ``float``."""
    if isinstance(value, int):
        # Beyond 2**53 a JS number cannot hold every integer: it keeps the nearest double.
        return value if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER else float(value)
    if value.is_integer() and abs(value) <= MAX_SAFE_INTEGER:
        return int(value)
    return value


def js_class(value: Any) -> str | None:
    """The JavaScript class of a JS value's proxy (``"Array"``, ``"Uint8Array"``...), None for
    a Python value."""
    name = getattr(type(value), "js_name", None)
    return name if isinstance(name, str) else None


def is_jsnull(value: Any) -> bool:
    """Whether ``value`` is ``pyodide.ffi.jsnull`` (JavaScript's null, which None is not)."""
    return isinstance(value, JsNull)


def js_string(value: Any) -> str:
    """JS ``String(value)`` for the values a binding meets."""
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
