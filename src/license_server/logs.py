"""Structured logs: one JSON object per line through ``print()`` (``console.log`` in workerd).

Only allowlisted field names are written, and only small scalar values: a license key, client
address, user agent or version string has no field to travel in. Callers pass facts such as
``license_id`` (a one-way hash), status codes and error class names.
"""

from __future__ import annotations

from license_server.compact_json import compact_encoder

__all__ = ["ALLOWED_FIELDS", "log_event"]

ALLOWED_FIELDS = frozenset(
    {
        "attempt",
        "code",
        "duration_ms",
        "error",
        "license_id",
        "method",
        "operation",
        "reason",
        "route",
        "stats_accepted",
        "status",
        "limiter",
    }
)

_encode = compact_encoder()

# Long strings are not facts we log; cutting them keeps a bad caller from leaking payloads.
_MAX_STRING = 64


def log_event(event: str, **fields: str | int | float | bool | None) -> None:
    line: dict[str, str | int | float | bool | None] = {"event": event}
    for name, value in fields.items():
        if name not in ALLOWED_FIELDS or value is None:
            continue
        if isinstance(value, str):
            value = value[:_MAX_STRING]
        elif value is not None and not isinstance(value, int | float | bool):
            continue
        line[name] = value
    print(_encode(line))
