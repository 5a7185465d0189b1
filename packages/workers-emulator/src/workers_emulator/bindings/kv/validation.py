"""KV argument validation, raising the errors workerd raises, word for word.

Two kinds, as in workerd: checks the runtime makes before sending anything (a ``TypeError``;
no operation is spent) and checks the KV service makes (an ``Error`` reading
``KV <OP> failed: <status> <text>``; the operation was sent, so it counts).
The messages were taken from wrangler 4.86.0's workerd; tests/differential pins them.
"""

from __future__ import annotations

import math
import re
from typing import Any, Final

from ...errors import JsException
from ...jsjson import stringify
from .limits import KV_LIMITS, KVLimits


class _Missing:
    """An option that was not passed at all (JS ``undefined``), unlike ``None`` (JS ``null``)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()

GET_TYPES = ("text", "arrayBuffer", "json", "stream")
BULK_GET_TYPES = ("text", "json")


# Production says "429 Too Many Requests"; the rest says why here, and how to match wrangler dev.
WRITE_RATE_TEXT = (
    "Too Many Requests (workers-emulator: KV accepts one write per second to the same key, "
    "and production may refuse a faster one like this; wrangler dev does not check it: "
    "Emulator(kv_write_limit=False) or `workers-emulator dev --no-kv-write-limit` to match it)"
)


def kv_error(op: str, status: int, text: str) -> JsException:
    """The error workerd raises when the KV service answers ``status``."""
    return JsException("Error", f"KV {op} failed: {status} {text}")


def check_key_name(key: str) -> None:
    """Runtime-side key checks (``TypeError``, nothing sent)."""
    if key == "":
        raise JsException("TypeError", "Key name cannot be empty.")
    if key in (".", ".."):
        raise JsException("TypeError", f'"{key}" is not allowed as a key name.')


def check_key_size(op: str, key: str, limits: KVLimits = KV_LIMITS) -> None:
    """Service-side key length check (414)."""
    size = len(key.encode())
    if size > limits.max_key_size:
        raise kv_error(
            op,
            414,
            f"UTF-8 encoded length of {size} exceeds key length limit of {limits.max_key_size}.",
        )


def key_to_str(key: Any) -> str:
    """JS ``String(key)`` for the values a Python Worker can pass."""
    if isinstance(key, str):
        return key
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, float):
        return stringify(key)
    if isinstance(key, dict):
        return "[object Object]"
    return str(key)


_JS_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)$")


def js_to_integer(value: Any) -> int:
    """JS ``ToNumber`` then truncation, with NaN and infinities as 0 (what workerd sends)."""
    if value is None or isinstance(value, bool):
        return int(bool(value))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else 0
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return 0
        if not _JS_NUMBER.match(text):
            return 0
        number = float(text)
        return int(number) if math.isfinite(number) else 0
    return 0


def resolve_expiration(
    expiration_ttl: Any, expiration: Any, now: float, limits: KVLimits = KV_LIMITS
) -> int | None:
    """The absolute expiration a put asks for, or None; raises the service's 400s.

    ``expirationTtl`` wins when both are given (the absolute one is then not checked).
    """
    lim = limits
    now_s = math.floor(now)
    if expiration_ttl is not MISSING:
        ttl = js_to_integer(expiration_ttl)
        if ttl <= 0:
            raise kv_error(
                "PUT",
                400,
                f"Invalid expiration_ttl of {ttl}. Please specify integer greater than 0.",
            )
        if ttl < lim.min_expiration_ttl:
            raise kv_error(
                "PUT",
                400,
                f"Invalid expiration_ttl of {ttl}. "
                f"Expiration TTL must be at least {lim.min_expiration_ttl}.",
            )
        return now_s + ttl
    if expiration is not MISSING:
        exp = js_to_integer(expiration)
        if exp <= now_s:
            raise kv_error(
                "PUT",
                400,
                f"Invalid expiration of {exp}. Please specify integer greater than the current "
                "number of seconds since the UNIX epoch.",
            )
        if exp < now_s + lim.min_expiration_ahead:
            raise kv_error(
                "PUT",
                400,
                f"Invalid expiration of {exp}. Expiration times must be at least "
                f"{lim.min_expiration_ahead} seconds in the future.",
            )
        return exp
    return None


def serialise_metadata(metadata: Any, limits: KVLimits = KV_LIMITS) -> str | None:
    """The metadata's JSON (None when absent or null); raises the service's 413."""
    if metadata is MISSING or metadata is None:
        return None
    text = stringify(metadata)
    size = len(text.encode())
    if size > limits.max_metadata_size:
        raise kv_error(
            "PUT", 413, f"Metadata length of {size} exceeds limit of {limits.max_metadata_size}."
        )
    return text


def value_to_bytes(value: Any) -> bytes:
    """The bytes a put stores: strings as UTF-8, buffers as is, primitives as JS ``String()``.

    Objects and arrays are refused by the runtime (a ``TypeError``, nothing sent).
    """
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if value is None or isinstance(value, bool | int | float):
        return key_to_str(value).encode()
    raise JsException(
        "TypeError",
        "KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams "
        "as values.",
    )


def check_value_size(size: int, limits: KVLimits = KV_LIMITS) -> None:
    """Service-side value length check (413)."""
    if size > limits.max_value_size:
        raise kv_error(
            "PUT", 413, f"Value length of {size} exceeds limit of {limits.max_value_size}."
        )


def check_cache_ttl(op: str, cache_ttl: Any, limits: KVLimits = KV_LIMITS) -> None:
    """``cacheTtl`` has no effect here (no edge cache), but its lower bound is enforced."""
    if cache_ttl is MISSING or cache_ttl is None:
        return
    ttl = js_to_integer(cache_ttl)
    if ttl < limits.min_cache_ttl:
        raise kv_error(
            op,
            400,
            f"Invalid cache_ttl of {ttl}. Cache TTL must be at least {limits.min_cache_ttl}.",
        )


def check_get_type(value_type: str) -> None:
    """Runtime-side check of a single get's ``type``."""
    if value_type not in GET_TYPES:
        raise JsException(
            "TypeError",
            'Unknown response type. Possible types are "text", "arrayBuffer", "json", '
            'and "stream".',
        )


def check_bulk_get(keys: list[str], value_type: str, limits: KVLimits = KV_LIMITS) -> None:
    """Service-side checks of a bulk get, in the service's order (type, count, each key)."""
    if value_type not in BULK_GET_TYPES:
        raise kv_error("GET_BULK", 400, f'"{value_type}" is not a valid type. Use "json" or "text"')
    if len(keys) > limits.max_bulk_get_keys:
        raise kv_error(
            "GET_BULK", 400, f"You can request a maximum of {limits.max_bulk_get_keys} keys"
        )
    if len(keys) < limits.min_bulk_get_keys:
        raise kv_error(
            "GET_BULK", 400, f"You must request a minimum of {limits.min_bulk_get_keys} key"
        )
    for key in keys:
        if key == "":
            raise kv_error("GET_BULK", 400, "Key names must not be empty")
        if key in (".", ".."):
            raise kv_error(
                "GET_BULK", 400, f'Illegal key name "{key}". Please use a different name.'
            )
        check_key_size("GET_BULK", key, limits)


def list_limit(limit: Any, limits: KVLimits = KV_LIMITS) -> int:
    """The number of keys a list returns; non-positive or non-numeric means the default."""
    if limit is MISSING or limit is None:
        return limits.max_list_keys
    n = js_to_integer(limit)
    if n > limits.max_list_keys:
        # Sic: the service's wording says "less than" while 1000 itself is accepted.
        raise kv_error(
            "GET",
            400,
            f"Invalid key_count_limit of {n}. "
            f"Please specify an integer less than {limits.max_list_keys}.",
        )
    if n < limits.min_list_keys:
        return limits.max_list_keys
    return n
