"""Every textual rule of the API, once: the code that enforces a rule and the OpenAPI document
that publishes it both read it from here (regexes are ASCII-only and anchored, so Python's
``re``, pydantic's Rust engine and JSON Schema's ECMA-262 all read them alike)."""

from __future__ import annotations

__all__ = [
    "CURSOR_PATTERN",
    "CUSTOMER_MAX_CHARS",
    "CUSTOMER_PATTERN",
    "HTTPS_URL_MAX_CHARS",
    "HTTPS_URL_PATTERN",
    "LICENSE_ID_PATTERN",
    "MAX_COUNT",
    "MAX_VERSION_CHARS",
    "PLAN_MAX_CHARS",
    "PLAN_PATTERN",
    "SEMVER_PATTERN",
    "STATS_KEY",
    "STATS_KEY_PATTERN",
    "TIMESTAMP_PATTERN",
]

# SemVer 2.0.0: MAJOR.MINOR.PATCH, optional pre-release and build; groups 1-5 are major,
# minor, patch, pre-release and build ([0-9], not \d: \d also takes other scripts' digits).
_NUMBER = r"(?:0|[1-9][0-9]*)"
_PRERELEASE_ID = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_BUILD_ID = r"[0-9A-Za-z-]+"
SEMVER_PATTERN = (
    rf"^({_NUMBER})\.({_NUMBER})\.({_NUMBER})"
    rf"(?:-({_PRERELEASE_ID}(?:\.{_PRERELEASE_ID})*))?"
    rf"(?:\+({_BUILD_ID}(?:\.{_BUILD_ID})*))?$"
)
MAX_VERSION_CHARS = 64

# UTC ISO 8601 with "Z", second precision (stricter than JSON Schema's "date-time").
TIMESTAMP_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"

# The license id: 32 lowercase hex characters of SHA-256 over the normalised key.
LICENSE_ID_PATTERN = r"^[0-9a-f]{32}$"

# Plan and customer are short enough that a whole record fits KV's 1024-byte metadata; a
# control character would be escaped to six bytes, so none is allowed in the customer.
PLAN_MAX_CHARS = 32
PLAN_PATTERN = rf"^[a-z0-9][a-z0-9_-]{{0,{PLAN_MAX_CHARS - 1}}}$"
CUSTOMER_MAX_CHARS = 200
CUSTOMER_PATTERN = r"^[^\x00-\x1f\x7f]+$"

HTTPS_URL_MAX_CHARS = 2048
HTTPS_URL_PATTERN = r"^https://\S+$"

# KV cursors are opaque base64-ish strings; anything else is refused before reaching KV.
CURSOR_PATTERN = r"^[A-Za-z0-9_\-+/=.~]{1,1024}$"

# Fleet stats: a key, and a count every JSON consumer (JavaScript included) keeps exact.
STATS_KEY = r"[A-Za-z][A-Za-z0-9_.-]{0,63}"
STATS_KEY_PATTERN = rf"^{STATS_KEY}$"
MAX_COUNT = 2**53 - 1
