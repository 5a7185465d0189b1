"""Durable Objects' checks and error messages, worded as workerd words them."""

from __future__ import annotations

from typing import Any, NoReturn

from ...errors import JsException

INVALID_ID = "Invalid Durable Object ID: must be 64 hex digits"
ID_OF_OTHER_NAMESPACE = "Durable Object ID is not valid for this namespace."
# What a storage operation fails with when the fault injector picks it.
FAULT_MESSAGE = "Internal error in Durable Object storage caused object to be reset."
NO_ALARM_HANDLER = (
    "Your Durable Object class must have an alarm() handler in order to call setAlarm()"
)
RESERVED_TABLE = "access to {name} is prohibited: SQLITE_AUTH"
NO_SQL_BACKEND = (
    "SQL is not enabled for this Durable Object class. To enable it, change `new_classes` to "
    "`new_sqlite_classes` within the 'migrations' field in your wrangler.jsonc or "
    "wrangler.toml file. If using workerd directly,set `enableSql = true` in your workerd "
    "config for the class. Note that this change cannot be made after the class is already "
    "deployed to production."
)


def type_error(message: str) -> NoReturn:
    raise JsException("TypeError", message)


def range_error(message: str) -> NoReturn:
    raise JsException("RangeError", message)


def error(message: str) -> NoReturn:
    raise JsException("Error", message)


def check_key(key: Any) -> str:
    """A storage key as JavaScript's ``String(key)`` makes it."""
    if isinstance(key, str):
        return key
    return "undefined" if key is None else str(key)


def check_keys(keys: list[Any]) -> list[str]:
    return [check_key(k) for k in keys]


def check_limit(limit: Any) -> int | None:
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, int | float) or limit <= 0:
        type_error("List limit must be positive.")
    return int(limit)
