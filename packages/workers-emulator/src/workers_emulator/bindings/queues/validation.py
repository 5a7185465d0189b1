"""Queues' checks and messages (miniflare's broker words them; workerd prefixes its own)."""

from __future__ import annotations

import json
from typing import Any, NoReturn

from ...errors import JsException
from ...runtime.js.buffers import TypedArray, buffer_bytes
from ..durable_objects.values import serialize
from .limits import CONTENT_TYPES, QUEUE_LIMITS


def type_error(message: str) -> NoReturn:
    raise JsException("TypeError", message)


def js_typeof(value: Any) -> str:
    """JavaScript's ``typeof`` of the value a Python Worker passes."""
    if value is None:
        return "undefined"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "function" if callable(value) else "object"


def content_type(value: Any) -> str:
    """The content type, as workerd reads it (case-insensitive; default ``v8``)."""
    if value is None:
        return "v8"
    lowered = str(value).lower()
    if lowered not in CONTENT_TYPES:
        type_error(f"Unsupported queue message content type: {value}")
    return lowered


def delay(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float):
        type_error("delaySeconds must be a number")
    if not 0 <= value <= QUEUE_LIMITS.max_delay_seconds:
        type_error(f"delaySeconds must be between 0 and {QUEUE_LIMITS.max_delay_seconds} seconds")
    return float(value)


def encode(body: Any, kind: str) -> bytes:
    """The message's bytes in its content type; TypeError for a body it cannot carry."""
    if body is None:
        type_error("Message body cannot be undefined")
    if kind == "text":
        if not isinstance(body, str):
            type_error(
                'Content Type "text" requires a value of type string, but received: '
                + js_typeof(body)
            )
        data = body.encode()
    elif kind == "bytes":
        if not isinstance(body, TypedArray):
            type_error(
                'Content Type "bytes" requires a value of type ArrayBufferView, but received: '
                + js_typeof(body)
            )
        data = buffer_bytes(body)
    elif kind == "json":
        data = serialize(body)  # JSON-able values: tagged JSON of the same value
        json.loads(data)
    else:
        data = serialize(body)
    if len(data) > QUEUE_LIMITS.max_message_bytes:
        raise JsException(
            "Error",
            f"Queue send failed: message length of {len(data)} bytes exceeds limit of "
            f"{QUEUE_LIMITS.max_message_bytes}",
        )
    return data
