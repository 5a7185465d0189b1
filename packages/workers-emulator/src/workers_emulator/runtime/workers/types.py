"""Type names the SDK exports (``workers.types``)."""

from __future__ import annotations

from collections.abc import Awaitable
from http import HTTPMethod
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, TypedDict

from ._headers import JsHeaders
from ._streams import ReadableStream

if TYPE_CHECKING:
    from ..jsproxy import JsProxy
    from .formdata import FormData


class Context(Protocol):
    """The execution context a Worker gets as ``self.ctx``."""

    def waitUntil(self, other: Awaitable[Any]) -> None: ...


JSBody: TypeAlias = "bytes | ReadableStream | JsProxy"
Body: TypeAlias = "str | FormData | JSBody"
Headers: TypeAlias = "dict[str, str] | list[tuple[str, str]] | JsHeaders"


class RequestInitCfProperties(TypedDict, total=False):
    """The ``cf`` options of an outgoing request (accepted, not acted upon here)."""

    apps: bool | None
    cacheEverything: bool | None
    cacheKey: str | None
    cacheTags: list[str] | None
    cacheTtl: int
    cacheTtlByStatus: dict[str, int]
    image: Any | None
    mirage: bool | None
    polish: str | None
    resolveOverride: str | None
    scrapeShield: bool | None
    webp: bool | None


class FetchKwargs(TypedDict, total=False):
    """The options of ``Request(...)``, as keyword arguments."""

    headers: Headers | None
    body: Body | None
    method: HTTPMethod | str | None
    redirect: str | None
    cf: RequestInitCfProperties | None
