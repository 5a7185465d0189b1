"""The Worker's notion of time: ``time.time()`` only, ISO 8601 with ``Z`` at second precision.

``time.time()`` follows ``Date.now()`` in workerd, and the emulator's ``ManualClock`` patches
it, so fake-clock tests move the Worker's "now" together with KV expiry.
"""

from __future__ import annotations

import re
import time
from datetime import datetime
from functools import lru_cache

from license_server.rules import TIMESTAMP_PATTERN

__all__ = ["format_iso", "now", "parse_iso"]

_ISO_Z = re.compile(TIMESTAMP_PATTERN)


def now() -> int:
    """Current time in whole epoch seconds (docs/API.md: second precision everywhere)."""
    return int(time.time())


# A request formats its own "now" several times (answer, validation, stats): remember the last.
_last_formatted: tuple[int, str] = (-1, "")


def format_iso(epoch: int) -> str:
    global _last_formatted
    # Read as one pair: two reads of the global could straddle another thread's replacement.
    last_epoch, text = _last_formatted
    if last_epoch != epoch:
        text = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
        _last_formatted = (epoch, text)
    return text


@lru_cache(maxsize=1024)
def _parse_iso_text(text: str) -> int:
    # Only well-formed texts are remembered: a ValueError is raised again on every call.
    if not _ISO_Z.fullmatch(text):
        raise ValueError("expected YYYY-MM-DDTHH:MM:SSZ")
    # fromisoformat reads "Z" from Python 3.11 on.
    return int(datetime.fromisoformat(text).timestamp())


def parse_iso(text: str) -> int:
    """Epoch seconds of ``YYYY-MM-DDTHH:MM:SSZ``; ``ValueError`` for anything else.

    Cached, pattern check included: a heartbeat reads the same ``expires_at`` several times
    (the record's validation, the license code, the lease), and a fleet's licenses share few
    distinct expiry instants.
    """
    if not isinstance(text, str):
        raise ValueError("expected YYYY-MM-DDTHH:MM:SSZ")
    return _parse_iso_text(text)
