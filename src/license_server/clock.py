"""The Worker's notion of time: ``time.time()`` only, ISO 8601 with ``Z`` at second precision.

``time.time()`` follows ``Date.now()`` in workerd, and the emulator's ``ManualClock`` patches
it, so fake-clock tests move the Worker's "now" together with KV expiry.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

__all__ = ["format_iso", "now", "parse_iso"]

_ISO_Z = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def now() -> int:
    """Current time in whole epoch seconds (SPEC.md: second precision everywhere)."""
    return int(time.time())


def format_iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> int:
    """Epoch seconds of ``YYYY-MM-DDTHH:MM:SSZ``; ``ValueError`` for anything else."""
    if not isinstance(text, str) or not _ISO_Z.fullmatch(text):
        raise ValueError("expected YYYY-MM-DDTHH:MM:SSZ")
    # fromisoformat (3.11+) reads "Z" and is several times faster than strptime.
    return int(datetime.fromisoformat(text).timestamp())
