"""Durable Objects' limits, as data (Cloudflare's documented limits, checked against workerd)."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class DurableObjectLimits:
    max_key_bytes: int = 2048  # a storage key, UTF-8
    max_value_bytes: int = 128 * 1024  # a storage value, serialized (key-value backend)
    max_keys_per_call: int = 128  # get/put/delete with many keys
    id_hex_digits: int = 64  # an id's string form
    # Alarms: a failed alarm() is retried with exponential backoff (2 s, 4 s, 8 s, ...), at most
    # this many times, then dropped.
    alarm_max_retries: int = 6
    alarm_first_backoff_seconds: float = 2.0


DO_LIMITS = DurableObjectLimits()
