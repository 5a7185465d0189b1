"""Storage values: what a Durable Object stores is a JavaScript value, structured-cloned.

Values are kept as tagged JSON (the store layer's bytes); they come back as the runtime's JS
stand-ins (``JsArray``, ``JsObject``, ``JsMap``, ...), as Pyodide hands Python a JS value. A
Python ``list``/``dict`` reaches JavaScript as a ``PyProxy``, which cannot be cloned: the
Worker converts it with ``to_js`` first, as on the platform.
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

from ...errors import JsException
from ...runtime.js.buffers import ArrayBuffer, TypedArray, Uint8Array, buffer_bytes
from ...runtime.js.objects import Date
from ...runtime.jsproxy import JsArray, JsMap, JsNull, JsObject, JsSet, jsnull


def _not_cloneable(value: Any) -> JsException:
    kind = getattr(type(value), "js_name", None) or "PyProxy"
    return JsException(
        "DataCloneError",
        f'Could not serialize object of type "{kind}". This type does not support serialization.',
    )


def _tag(value: Any) -> Any:
    if value is None:
        return {"t": "u"}
    if isinstance(value, JsNull):
        return {"t": "null"}
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value if abs(value) <= 2**53 - 1 else float(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else {"t": "f", "v": repr(value)}
    if isinstance(value, JsArray):
        return {"t": "a", "v": [_tag(v) for v in value]}
    if isinstance(value, JsObject):
        return {"t": "o", "v": {str(k): _tag(v) for k, v in value.as_object_map().items()}}
    if isinstance(value, JsMap):
        return {"t": "m", "v": [[_tag(k), _tag(v)] for k, v in value.entries()]}
    if isinstance(value, JsSet):
        return {"t": "s", "v": [_tag(v) for v in value]}
    if isinstance(value, Date):
        return {"t": "d", "v": _tag(value.getTime())}
    if isinstance(value, TypedArray | ArrayBuffer):
        raw = base64.b64encode(buffer_bytes(value)).decode()
        return {"t": "b" if isinstance(value, ArrayBuffer) else "u8", "v": raw}
    raise _not_cloneable(value)


def _untag(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    tag: str = value["t"]
    inner: Any = value.get("v")
    if tag == "u":
        return None
    if tag == "null":
        return jsnull
    if tag == "f":
        return float(inner)
    if tag == "a":
        return JsArray([_untag(v) for v in inner])
    if tag == "o":
        return JsObject({k: _untag(v) for k, v in inner.items()})
    if tag == "m":
        return JsMap([JsArray([_untag(k), _untag(v)]) for k, v in inner])
    if tag == "s":
        return JsSet(_untag(v) for v in inner)
    if tag == "d":
        return Date(_untag(inner))
    raw = base64.b64decode(inner)
    return Uint8Array(raw) if tag == "u8" else ArrayBuffer(raw)


def serialize(value: Any) -> bytes:
    """The stored form of a JS value; DataCloneError for what cannot be cloned."""
    return json.dumps(_tag(value), separators=(",", ":"), allow_nan=False).encode()


def deserialize(data: bytes) -> Any:
    """The JS value ``serialize`` stored."""
    return _untag(json.loads(data))
