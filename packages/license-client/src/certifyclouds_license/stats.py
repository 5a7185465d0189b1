"""Client-side copy of docs/API.md's stats rules, applied before anything is sent.

The server applies the same rules; checking first means an invalid payload never leaves the
customer's tenant, and the heartbeat itself goes ahead without it.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_STATS_BYTES = 4096
MAX_COUNT = 2**53 - 1
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")


def stats_size(stats: Any) -> int:
    """The size docs/API.md limits: compact JSON, UTF-8, non-ASCII characters kept as is."""
    return len(json.dumps(stats, separators=(",", ":"), ensure_ascii=False).encode())


def _is_count(value: object) -> bool:
    # type() rather than isinstance(): bool is an int subclass and is not a count.
    return type(value) is int and 0 <= value <= MAX_COUNT


def _is_key(key: object) -> bool:
    return isinstance(key, str) and _KEY.fullmatch(key) is not None


def check_stats(stats: object) -> str | None:
    """``None`` if the server would accept ``stats``, else its reason (in the contract's order)."""
    if type(stats) is not dict:
        return "stats_not_object"
    try:
        size = stats_size(stats)
    except (TypeError, ValueError):  # not JSON at all (a set, an object, a circular reference)
        return "stats_invalid"
    if size > MAX_STATS_BYTES:
        return "stats_too_large"
    for key, value in stats.items():
        if not _is_key(key):
            return "stats_invalid"
        if _is_count(value):
            continue
        if type(value) is not dict:
            return "stats_invalid"
        if not all(_is_key(k) and _is_count(v) for k, v in value.items()):
            return "stats_invalid"
    return None
