"""``JSON.parse`` / ``JSON.stringify`` over the stand-ins' JavaScript values."""

from __future__ import annotations

import json as _json
import math
from typing import Any

from ...errors import JsException
from ..jsproxy import JsArray, JsObject, JsProxy, _JsNull


def _to_js_value(value: Any) -> Any:
    # JSON.parse makes plain objects and arrays.
    if isinstance(value, dict):
        return JsObject({k: _to_js_value(v) for k, v in value.items()})
    if isinstance(value, list):
        return JsArray(_to_js_value(v) for v in value)
    return value


_OMIT = object()


def _to_json_data(value: Any, in_array: bool) -> Any:
    """What JSON.stringify writes for ``value`` (``_OMIT``: leave the member out)."""
    if value is None or isinstance(value, _JsNull):
        # Pyodide passes None as undefined: omitted in objects, null in arrays.
        return None if in_array or isinstance(value, _JsNull) else _OMIT
    if isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    to_json = getattr(type(value), "toJSON", None)
    if to_json is not None:
        return _to_json_data(to_json(value), in_array)
    if isinstance(value, JsArray | list | tuple):
        return [_to_json_data(v, True) for v in value]
    if isinstance(value, JsObject):
        members = value.as_object_map().items()
    elif isinstance(value, dict):
        members = value.items()
    elif isinstance(value, JsProxy):
        return {}
    elif callable(value):
        return None if in_array else _OMIT
    else:
        # A Python object reaches JavaScript as a PyProxy: JSON sees no members.
        return {}
    out = {}
    for key, member in members:
        data = _to_json_data(member, False)
        if data is not _OMIT:
            out[str(key)] = data
    return out


class _JSON(JsProxy):
    js_name = "JSON"

    @staticmethod
    def parse(text: Any, reviver: Any = None) -> Any:
        if reviver is not None:
            raise JsException("TypeError", "JSON.parse with a reviver is not emulated")
        try:
            return _to_js_value(_json.loads(str(text)))
        except ValueError as exc:
            raise JsException("SyntaxError", f"Unexpected token in JSON: {exc}") from None

    @staticmethod
    def stringify(value: Any, replacer: Any = None, space: Any = None) -> str | None:
        data = _to_json_data(value, False)
        if data is _OMIT:
            return None
        indent: int | str | None = None
        if isinstance(space, int) and space > 0:
            indent = min(space, 10)
        elif isinstance(space, str) and space:
            indent = space[:10]
        separators = (",", ":") if indent is None else (",", ": ")
        return _json.dumps(data, ensure_ascii=False, indent=indent, separators=separators)


JSON = _JSON()
