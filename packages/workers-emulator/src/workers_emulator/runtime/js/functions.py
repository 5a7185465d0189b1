"""The global functions (``fetch``, ``btoa``, ``encodeURIComponent``...) and ``performance``."""

from __future__ import annotations

import base64
import binascii
import copy
import time
from typing import Any
from urllib.parse import quote, unquote

from ...errors import JsException
from ..jsproxy import JsProxy
from .objects import JsPromise


def fetch(resource: Any, init: Any = None, **kwargs: Any) -> JsPromise:
    """``fetch(resource, init)``: resolves to a ``Response``, through the emulator's outbound
    hook (as ``workers.fetch``); the request is built (and checked) as ``new Request`` would."""
    from ...outbound import fetch as outbound_fetch
    from ..jsproxy import option
    from ..workers.request import _JsRequest

    request = _JsRequest.new(resource, init, **kwargs)
    redirect = kwargs.get("redirect", option(init, "redirect")) or "follow"

    async def fetched() -> Any:
        response = await outbound_fetch(request, redirect=redirect)
        answer = response.js_object
        answer.url = response.url
        return answer

    return JsPromise(fetched())


def btoa(data: Any) -> str:
    text = str(data)
    try:
        return base64.b64encode(text.encode("latin-1")).decode()
    except UnicodeEncodeError:
        raise JsException(
            "InvalidCharacterError",
            "btoa() can only operate on characters in the Latin1 (ISO/IEC 8859-1) range.",
        ) from None


def atob(data: Any) -> str:
    text = "".join(str(data).split())
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True).decode("latin-1")
    except (binascii.Error, ValueError):
        raise JsException(
            "InvalidCharacterError", "atob() called with invalid base64-encoded data."
        ) from None


def encodeURIComponent(value: Any) -> str:
    return quote(str(value), safe="-_.!~*'()")


def encodeURI(value: Any) -> str:
    return quote(str(value), safe="-_.!~*'();/?:@&=+$,#")


def decodeURIComponent(value: Any) -> str:
    return unquote(str(value), errors="strict")


decodeURI = decodeURIComponent


def structuredClone(value: Any, options: Any = None) -> Any:
    return copy.deepcopy(value)


class _Performance(JsProxy):
    js_name = "Performance"

    def now(self) -> float:
        return time.perf_counter() * 1000

    @property
    def timeOrigin(self) -> float:
        return time.time() * 1000


performance = _Performance()
