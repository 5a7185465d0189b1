"""R2's checks and errors, worded as workerd words them: ``<op>: <message> (<code>)``."""

from __future__ import annotations

from typing import Any

from ...errors import JsException
from .limits import R2_LIMITS

INVALID_OBJECT_NAME = ("The specified object name is not valid.", 10020)
METADATA_TOO_LARGE = ("Your metadata headers exceed the maximum allowed metadata size.", 10012)
INVALID_MAX_KEYS = ("MaxKeys params must be positive integer <= 1000.", 10022)
INVALID_RANGE = ("The requested range is not satisfiable", 10039)
ENTITY_TOO_LARGE = ("Your proposed upload exceeds the maximum allowed object size.", 100100)
NO_SUCH_UPLOAD = ("The specified multipart upload does not exist.", 10024)
INVALID_PART = ("One or more of the specified parts could not be found.", 10025)
ENTITY_TOO_SMALL = ("Your proposed upload is smaller than the minimum allowed object size.", 10011)
BAD_UPLOAD = ("There was a problem with the multipart upload.", 10048)
INTERNAL_ERROR = ("We encountered an internal error. Please try again.", 10001)


def r2_error(op: str, error: tuple[str, int]) -> JsException:
    message, code = error
    return JsException("Error", f"{op}: {message} ({code})")


def check_key(op: str, key: Any) -> str:
    """The key as a string (JavaScript's String(key)), or the invalid-name error."""
    text = key if isinstance(key, str) else str(key)
    if len(text.encode("utf-8", "surrogatepass")) > R2_LIMITS.max_key_size:
        raise r2_error(op, INVALID_OBJECT_NAME)
    return text


def _serialised_length(text: str) -> int:
    # R2 counts UTF-16 code units, twice over if any is beyond Latin-1.
    units = len(text.encode("utf-16-le", "surrogatepass")) // 2
    return units * 2 if any(ord(c) >= 256 for c in text) else units


def check_custom_metadata(op: str, metadata: dict[str, str]) -> None:
    size = sum(_serialised_length(k) + _serialised_length(v) for k, v in metadata.items())
    if size > R2_LIMITS.max_metadata_size:
        raise r2_error(op, METADATA_TOO_LARGE)


def check_limit(limit: Any) -> int:
    if limit is None:
        return R2_LIMITS.max_list_keys
    if isinstance(limit, bool) or not isinstance(limit, int | float):
        raise r2_error("list", INVALID_MAX_KEYS)
    if not 1 <= limit <= R2_LIMITS.max_list_keys:
        raise r2_error("list", INVALID_MAX_KEYS)
    return int(limit)
