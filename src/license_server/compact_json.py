"""Compact JSON text: ``json.dumps(value, separators=(",", ":"))``, one encoder per caller."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["compact_encoder"]


def compact_encoder(*, ensure_ascii: bool = True) -> Callable[[Any], str]:
    """An ``encode(value) -> str`` with compact separators (the text KV and clients get)."""
    return json.JSONEncoder(separators=(",", ":"), ensure_ascii=ensure_ascii).encode
