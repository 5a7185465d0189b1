"""Conversions the SDK performs between JavaScript values and Python ones."""

from __future__ import annotations

import email._policybase
import http.client
from collections.abc import Mapping

from ._headers import JsHeaders


class HTTPMessageMapping(http.client.HTTPMessage, Mapping):  # type: ignore[misc]
    """The headers type the SDK hands to Python: an ``HTTPMessage`` that is also a Mapping."""


# Under the compat32 policy ``message[name] = value`` appends ``(name, value)`` unchanged and
# caps no header's count, so the header list can be filled in one go, with the same result.
_policy = type(HTTPMessageMapping().policy)
_APPEND_AS_IS = (
    _policy.header_store_parse is email._policybase.Compat32.header_store_parse
    and _policy.header_max_count is email._policybase.Policy.header_max_count
    and HTTPMessageMapping.__setitem__ is http.client.HTTPMessage.__setitem__
)


def _js_headers_to_http_message(js_headers: JsHeaders) -> HTTPMessageMapping:
    # A fresh copy on every access, as in the SDK: mutating it changes nothing.
    result = HTTPMessageMapping()
    if _APPEND_AS_IS:
        result._headers.extend([(key, value.strip()) for key, value in js_headers])  # type: ignore[attr-defined]
        return result
    for key, value in js_headers:
        result[key] = value.strip()
    return result
