"""The KV adapter: every call to the binding, its retries, and its failures.

Writes and deletes are retried once; a read or a write that still fails raises
:class:`StorageUnavailable` (or returns ``False`` where the caller degrades instead of
failing). KV takes one write per second per key and refuses a faster one with a 429: such a
write is retried after waiting out that second (``asyncio.sleep``: wall time, which costs no
CPU time on Workers), so ordinary sequences (create then suspend, two release updates, two
heartbeats' stats) succeed; an immediate retry could only fail again.

The binding raises JavaScript errors (``JsException``) whose text may quote a key name, so only
the error's class name is logged. Results arrive converted from JavaScript (a dict, or a
``JsDict`` that also allows attribute access) and leave as plain dicts and lists.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from license_server.logs import log_event

__all__ = [
    "WRITE_ATTEMPTS",
    "WRITE_WINDOW_SECONDS",
    "InvalidCursor",
    "KeyPage",
    "StorageUnavailable",
    "bulk_get",
    "delete",
    "get_text",
    "list_page",
    "loads",
    "put_with_retry",
]

WRITE_ATTEMPTS = 2  # a failed write is retried once
# KV's window for writes to one key; a write refused inside it is retried after this wait.
WRITE_WINDOW_SECONDS = 1.0


class StorageUnavailable(Exception):
    """KV could not answer; the request is answered 503 (or degrades, for optional writes)."""


class InvalidCursor(Exception):
    """The caller's pagination cursor was refused by KV."""


class KeyPage(NamedTuple):
    """One ``list()`` page: key entries and the cursor of the next page (``None`` at the end)."""

    keys: list[dict[str, Any]]
    cursor: str | None


async def get_text(kv: Any, key: str, operation: str) -> str | None:
    try:
        return await kv.get(key, type="text")
    except Exception as error:  # any binding failure means "storage unavailable"
        log_event("kv_error", operation=operation, error=type(error).__name__)
        raise StorageUnavailable(operation) from None


def _is_write_rate_limited(error: Exception) -> bool:
    # The binding's error reads "KV PUT failed: 429 Too Many Requests".
    return "429" in str(error)


async def put_with_retry(kv: Any, key: str, value: str, operation: str, **options: Any) -> bool:
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            await kv.put(key, value, **options)
            return True
        except Exception as error:  # any binding failure: retry once, then report
            rate_limited = _is_write_rate_limited(error)
            log_event(
                "kv_error",
                operation=operation,
                attempt=attempt,
                error=type(error).__name__,
                reason="write_rate" if rate_limited else None,
            )
            if rate_limited and attempt < WRITE_ATTEMPTS:
                # Imported here: asyncio is ~40 ms of a bare CPython import (bench, cold import).
                import asyncio

                await asyncio.sleep(WRITE_WINDOW_SECONDS)
    return False


async def list_page(
    kv: Any, prefix: str, limit: int, cursor: str | None, operation: str
) -> KeyPage:
    options: dict[str, Any] = {"prefix": prefix, "limit": limit}
    if cursor:
        options["cursor"] = cursor
    try:
        result = await kv.list(**options)
    except Exception as error:  # a bad cursor is the caller's fault, anything else is ours
        if cursor and "cursor" in str(error).lower():
            raise InvalidCursor(operation) from None
        log_event("kv_error", operation=operation, error=type(error).__name__)
        raise StorageUnavailable(operation) from None
    keys = [_plain(entry) for entry in (_field(result, "keys") or [])]
    complete = bool(_field(result, "list_complete"))
    next_cursor = None if complete else (_field(result, "cursor") or None)
    return KeyPage(keys, next_cursor)


def _field(obj: Any, name: str) -> Any:
    """A field of a converted JS object (a dict, or a JsDict that also allows attributes)."""
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def _plain(value: Any) -> Any:
    """Converted JS values as plain dicts and lists (JsDict subclasses dict already)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


async def bulk_get(kv: Any, keys: list[str], operation: str) -> dict[str, str | None]:
    """One operation for up to 100 keys."""
    if not keys:
        return {}
    try:
        result = await kv.get(keys, type="text")
    except Exception as error:
        log_event("kv_error", operation=operation, error=type(error).__name__)
        raise StorageUnavailable(operation) from None
    return {key: _field(result, key) for key in keys}


async def delete(kv: Any, key: str, operation: str) -> int:
    """Delete one key, retrying once; returns the operations spent (a retry costs one more)."""
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            await kv.delete(key)
            return attempt
        except Exception as error:
            log_event("kv_error", operation=operation, attempt=attempt, error=type(error).__name__)
    raise StorageUnavailable(operation)


def loads(text: str | None) -> Any:
    """A stored JSON text's value; ``None`` for no text or text that is not JSON."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None
