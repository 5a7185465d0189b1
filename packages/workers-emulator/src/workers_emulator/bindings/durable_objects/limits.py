"""Durable Objects' limits, as data.

Local workerd (``wrangler dev``) enforces none of production's storage limits (2 KiB keys,
128 KiB values on the key-value backend, 128 keys per call): a key or value of any size and
any number of keys per call are accepted, by both backends (pinned by the differential
test), so the emulator enforces none either.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class DurableObjectLimits:
    id_hex_digits: int = 64  # an id's string form
    # A failed alarm() is retried with exponential backoff (2 s, 4 s, 8 s, ...), at most this
    # many times, then dropped.
    alarm_max_retries: int = 6
    alarm_first_backoff_seconds: float = 2.0


DO_LIMITS = DurableObjectLimits()
