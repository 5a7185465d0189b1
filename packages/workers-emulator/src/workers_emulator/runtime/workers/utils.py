"""Conversions the SDK performs between JavaScript values and Python ones."""

from __future__ import annotations

import http.client
from collections.abc import Mapping

from ._headers import JsHeaders


class HTTPMessageMapping(http.client.HTTPMessage, Mapping):  # type: ignore[misc]
    """The headers type the SDK hands to Python: an ``HTTPMessage`` that is also a Mapping."""


def _js_headers_to_http_message(js_headers: JsHeaders) -> HTTPMessageMapping:
    # A fresh copy on every access, as in the SDK: mutating it changes nothing.
    result = HTTPMessageMapping()
    for key, value in js_headers:
        result[key] = value.strip()
    return result
