"""``pyodide.http``: ``pyfetch`` and its ``FetchResponse`` (the SDK's responses build on it)."""

from __future__ import annotations

from typing import Any

from ...errors import NotEmulatedError
from ..workers.response import FetchResponse


class HttpStatusError(OSError):
    """``raise_for_status()`` on a 4xx or 5xx response."""

    def __init__(self, status: int, status_text: str, url: str) -> None:
        self.status = status
        self.status_text = status_text
        self.url = url
        kind = "Client" if status < 500 else "Server"
        super().__init__(f"{status} {kind} Error: {status_text} for url: {url}")


class BodyUsedError(OSError):
    def __init__(self, *args: Any) -> None:
        super().__init__("Response body is already used")


class AbortError(OSError):
    pass


async def pyfetch(url: Any, **kwargs: Any) -> FetchResponse:
    """``fetch(url, kwargs)`` as a ``FetchResponse`` (through the emulator's outbound hook)."""
    from ...outbound import fetch as outbound_fetch

    kwargs.pop("fetcher", None)
    response = await outbound_fetch(url, **kwargs)
    return FetchResponse(response.url, response.js_object)


def open_url(url: str) -> Any:
    raise NotEmulatedError("pyodide.http.open_url()", "use await pyfetch(url)")


__all__ = ["AbortError", "BodyUsedError", "FetchResponse", "HttpStatusError", "open_url", "pyfetch"]
