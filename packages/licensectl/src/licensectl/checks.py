"""Operator input checked before any call: dates, expiry moves, versions, license ids."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from licensectl.exits import CliError

# SemVer 2.0.0, as the server checks `latest_version` (tests/licensectl holds them together).
_NUMBER = r"0|[1-9][0-9]*"
_PRERELEASE_ID = r"0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*"
_SEMVER = re.compile(
    rf"(?:{_NUMBER})\.(?:{_NUMBER})\.(?:{_NUMBER})"
    rf"(?:-(?:{_PRERELEASE_ID})(?:\.(?:{_PRERELEASE_ID}))*)?"
    r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
)
MAX_VERSION_CHARS = 64

LICENSE_ID = re.compile(r"[0-9a-f]{32}")
MIN_ID_PREFIX = 4
_ID_PREFIX = re.compile(rf"[0-9a-f]{{{MIN_ID_PREFIX},31}}")


def version(text: str) -> str:
    """A release version the server will accept, or a usage error saying what one looks like."""
    if len(text) <= MAX_VERSION_CHARS and _SEMVER.fullmatch(text):
        return text
    raise CliError(
        "usage_error",
        f"not a version: {text!r}; expected a semantic version MAJOR.MINOR.PATCH with an "
        f"optional -pre-release and +build (e.g. 2.5.0, 2.5.0-rc.1), at most "
        f"{MAX_VERSION_CHARS} characters",
    )


def id_or_prefix(text: str) -> str:
    """A full license id or an id prefix of 4 to 31 characters, lower-cased."""
    candidate = text.strip().lower()
    if LICENSE_ID.fullmatch(candidate) or _ID_PREFIX.fullmatch(candidate):
        return candidate
    raise CliError(
        "usage_error",
        f"not a license id: {text!r}; an id is 32 hex characters (0-9, a-f), and its first "
        f"{MIN_ID_PREFIX} or more are enough when no other license shares them",
    )


def parse_time(text: str) -> datetime:
    """`YYYY-MM-DD` (midnight UTC) or ISO 8601, UTC or with an offset; naive times are UTC."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise CliError(
            "usage_error", f"not a date or ISO 8601 time: {text!r} (e.g. 2027-11-30)"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def format_time(value: datetime) -> str:
    """The API's form: UTC, second precision, `Z`."""
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def future_expiry(value: datetime, now: datetime, *, allow_past: bool) -> str:
    """An expiry in the API's form, refused when it is not after `now` unless `allow_past`."""
    if value <= now and not allow_past:
        raise CliError(
            "usage_error",
            f"the expiry {format_time(value)} is not in the future (now {format_time(now)}): "
            "the license would answer EXPIRED at once. Check the date, use suspend or revoke "
            "to stop a license, or add --allow-past to mean it",
        )
    return format_time(value)


def days_later(days: int) -> timedelta:
    """`extend --by-days N`: only later, so a sign slip cannot shorten a license."""
    if days <= 0:
        raise CliError(
            "usage_error",
            f"--by-days must be 1 or more, got {days}; to shorten a license give "
            "--expires-at with the earlier date",
        )
    return timedelta(days=days)
