"""Structured logs: one JSON object per line on stdout (``console.log`` in workerd).

Only allowlisted field names are written, and only small scalar values: a license key, client
address, user agent or version string has no field to travel in. Callers pass facts such as
``license_id`` (a one-way hash), status codes and error class names.
"""

from __future__ import annotations

import sys

from license_server.compact_json import compact_encoder

__all__ = ["ALLOWED_FIELDS", "Value", "log_event", "log_fields"]

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


Value = str | int | float | bool | None
_NUMBERS = (int, float)  # bool is an int


def log_event(event: str, **fields: Value) -> None:
    log_fields(event, fields)


def log_fields(event: str, fields: dict[str, Value]) -> None:
    """:func:`log_event` with the fields in a dict (in the order they are to appear)."""
    line: dict[str, Value] = {"event": event}
    for name, value in fields.items():
        if value is None or name not in ALLOWED_FIELDS:
            continue
        if isinstance(value, str):
            value = value[:_MAX_STRING]
        elif not isinstance(value, _NUMBERS):
            continue
        line[name] = value
    stdout = sys.stdout
    if stdout is not None:  # as print() does: no stream, no output
        # One write of the whole line: print() writes the text and the newline separately.
        stdout.write(_encode(line) + "\n")
