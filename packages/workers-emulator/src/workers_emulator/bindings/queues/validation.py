"""What a producer may send, and every refusal in workerd's words (``queue.c++``) and its
local broker's: the broker's refusal reaches the Worker as ``Queue send failed: <its
status text>``, which holds the reason (observed under wrangler dev 4.86)."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any, Literal

from ...errors import JsException
from ...jsjson import stringify
from ...runtime.js.buffers import ArrayBuffer, TypedArray
from ...runtime.jsproxy import JsArray, JsMap, JsNull, JsObject, JsProxy, JsSet
from .limits import QUEUE_LIMITS, QueueLimits

ContentType = Literal["json", "text", "bytes", "v8"]
CONTENT_TYPES: tuple[ContentType, ...] = ("text", "bytes", "json", "v8")

# The broker refuses a bad delay with a message holding line breaks, which is no valid status
# text: its answer becomes a 500.
BAD_DELAY = "Internal Server Error"


@dataclasses.dataclass(frozen=True)
class SerializedBody:
    """A message body as the broker keeps it: its content type, its value, its size."""

    content_type: ContentType
    value: Any  # str (text), bytes (bytes), the JSON text (json), a copy of the value (v8)
    size: int


# What workerd says for a refused send when the broker names no error code and cause (the
# local broker never does) and queue_expose_error_codes is on.
UNKNOWN_ERROR = "Unknown Internal Error (15000)"


def send_failed(operation: str, status_text: str, expose_error_codes: bool) -> JsException:
    """``Queue send failed: <status text>`` (``operation`` is ``send`` or ``sendBatch``),
    or with ``queue_expose_error_codes`` the code and cause the broker sent."""
    if expose_error_codes:
        return JsException("Error", UNKNOWN_ERROR)
    return JsException("Error", f"Queue {operation} failed: {status_text}")


def js_typeof(value: Any) -> str:
    """``typeof`` of a value as it reaches JavaScript from Python."""
    if value is None:
        return "undefined"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, JsProxy):
        return getattr(type(value), "typeof", "object")
    # Any other Python value crosses as a PyProxy: a function when it can be called.
    return "function" if callable(value) else "object"


def content_type(value: Any) -> ContentType:
    """The content type named by ``contentType`` (any case), or workerd's TypeError."""
    text = value if isinstance(value, str) else str(value)
    lowered = text.lower()
    for known in CONTENT_TYPES:
        if lowered == known:
            return known
    raise JsException("TypeError", f"Unsupported queue message content type: {text}")


def _is_py_proxy(value: Any) -> bool:
    """Whether ``value`` reaches JavaScript as a PyProxy (a Python object, not a JS value)."""
    return not (value is None or isinstance(value, bool | int | float | str | JsProxy | JsNull))


def _check_json_value(value: Any) -> None:
    if isinstance(value, JsObject):
        for item in value._props.values():
            _check_json_value(item)
    elif isinstance(value, JsArray):
        for item in value:
            _check_json_value(item)
    elif _is_py_proxy(value):
        raise JsException(
            "TypeError",
            f"workers-emulator: a Python {type(value).__name__} reaches JavaScript as a PyProxy, "
            "which a queue message cannot carry; pass "
            "pyodide.ffi.to_js(value, dict_converter=js.Object.fromEntries)",
        )


def serialize(body: Any, kind: ContentType) -> SerializedBody:
    """The body of one message, or workerd's TypeError for a value its type cannot hold.
    ``None`` is JavaScript's ``undefined`` and is refused before this."""
    if kind == "text":
        if not isinstance(body, str):
            raise JsException(
                "TypeError",
                'Content Type "text" requires a value of type string, but received: '
                + js_typeof(body),
            )
        return SerializedBody(kind, body, len(body.encode()))
    if kind == "bytes":
        if not isinstance(body, TypedArray):
            raise JsException(
                "TypeError",
                'Content Type "bytes" requires a value of type ArrayBufferView, but received: '
                + js_typeof(body),
            )
        data = body.to_bytes()
        return SerializedBody(kind, data, len(data))
    _check_json_value(body)
    if isinstance(body, JsNull):
        body = None
    if kind == "json":
        text = stringify(_plain(body))
        return SerializedBody(kind, text, len(text.encode()))
    # v8: a structured clone; its size is estimated (V8's wire format is not reproduced).
    if isinstance(body, ArrayBuffer | TypedArray):
        return SerializedBody(kind, copy.deepcopy(body), len(body.to_bytes()))
    if isinstance(body, JsMap | JsSet):
        return SerializedBody(kind, copy.deepcopy(body), len(repr(body).encode()))
    return SerializedBody(kind, copy.deepcopy(body), len(stringify(_plain(body)).encode()))


def _plain(value: Any) -> Any:
    """A JS value as plain Python data for ``JSON.stringify`` (objects to dicts)."""
    if isinstance(value, JsObject):
        return {k: _plain(v) for k, v in value._props.items()}
    if isinstance(value, JsArray):
        return [_plain(v) for v in value]
    if isinstance(value, JsNull):
        return None
    return value


def message_too_large(size: int, limits: QueueLimits = QUEUE_LIMITS) -> str | None:
    """The broker's refusal of one message of ``size`` bytes (serialized), if it refuses."""
    if size > limits.max_message_bytes:
        return f"message length of {size} bytes exceeds limit of {limits.max_message_bytes}"
    return None


def batch_too_large(sizes: list[int], limits: QueueLimits = QUEUE_LIMITS) -> str | None:
    """The broker's refusal of a batch of messages of these sizes, checked in its order."""
    if len(sizes) > limits.max_batch_messages:
        return f"batch message count of {len(sizes)} exceeds limit of {limits.max_batch_messages}"
    if max(sizes) > limits.max_message_bytes:
        return (
            f"message in batch has length {max(sizes)} bytes which exceeds single message "
            f"size limit of {limits.max_message_bytes}"
        )
    if sum(sizes) > limits.max_batch_bytes:
        return f"batch size of {sum(sizes)} bytes exceeds limit of {limits.max_batch_bytes}"
    return None


def check_delay(
    delay: Any, operation: str, expose_error_codes: bool, limits: QueueLimits = QUEUE_LIMITS
) -> int | None:
    """A ``delaySeconds`` the local broker accepts (whole seconds up to its limit), or the
    error its refusal becomes."""
    if delay is None:
        return None
    if (
        isinstance(delay, bool)
        or not isinstance(delay, int | float)
        or delay != int(delay)
        or not 0 <= delay <= limits.max_delay_seconds
    ):
        raise send_failed(operation, BAD_DELAY, expose_error_codes)
    return int(delay)
