"""Durable Objects' checks and error messages, worded as workerd words them."""

from __future__ import annotations

from typing import Any, NoReturn

from ...errors import JsException
from .limits import DO_LIMITS

INVALID_ID = "Invalid Durable Object ID: must be 64 hex digits"
ID_OF_OTHER_NAMESPACE = "Durable Object ID is not valid for this namespace."
# What a storage operation fails with when the fault injector picks it.
FAULT_MESSAGE = "Internal error in Durable Object storage caused object to be reset."
NO_ALARM_HANDLER = (
    "Your Durable Object class must have an alarm() handler in order to call setAlarm()"
)
RESERVED_TABLE = "access to {name} is prohibited: SQLITE_AUTH"
NO_SQL_BACKEND = (
    "SQL is not enabled for this Durable Object class. To enable it, set "
    "`new_sqlite_classes` in your migrations instead of `new_classes`."
)


def type_error(message: str) -> NoReturn:
    raise JsException("TypeError", message)


def range_error(message: str) -> NoReturn:
    raise JsException("RangeError", message)


def error(message: str) -> NoReturn:
    raise JsException("Error", message)


def check_key(key: Any) -> str:
    """A storage key: a string (JS coerces others: numbers are refused here to stay strict)
    of at most ``max_key_bytes`` UTF-8 bytes."""
    if not isinstance(key, str):
        key = "undefined" if key is None else str(key)
    if len(key.encode()) > DO_LIMITS.max_key_bytes:
        range_error(f"Keys cannot be larger than {DO_LIMITS.max_key_bytes} bytes.")
    return key


def check_keys(keys: list[Any]) -> list[str]:
    if len(keys) > DO_LIMITS.max_keys_per_call:
        range_error(f"Maximum number of keys is {DO_LIMITS.max_keys_per_call}.")
    return [check_key(k) for k in keys]


def check_value_size(key: str, size: int) -> None:
    if size > DO_LIMITS.max_value_bytes:
        range_error(f"Values cannot be larger than {DO_LIMITS.max_value_bytes} bytes.")


def check_limit(limit: Any) -> int | None:
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, int | float) or limit <= 0:
        type_error("List limit must be positive.")
    return int(limit)
