"""``workers.Request``: the incoming request, with the SDK's names and behaviour."""

from __future__ import annotations

import json
from http import HTTPMethod
from typing import Any, Unpack
from urllib.parse import urlsplit

from ...errors import JsException
from ...jsdict import JsDict, to_jsdict
from ..js.bodies import BodyReaders, extract_body
from ..js.buffers import ArrayBuffer
from ..js.http_words import REQUEST_METHODS
from ..jsproxy import JsObject, JsProxy, PyProxy
from ._headers import JsHeaders
from ._streams import ReadableStream, _tee, _utf8_decode
from .blob import Blob
from .formdata import FormData
from .types import FetchKwargs
from .utils import HTTPMessageMapping, _js_headers_to_http_message, _to_python_exception

# Fetch normalises only these method names to upper case; others keep their spelling
# (and then fail `HTTPMethod[...]` in `Request.method`, as on the platform).
_NORMALISED_METHODS = {"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"}


# HTTPMethod[name] without EnumType.__getitem__'s Python-level call (~0.45 us per access): the
# same members, and the same KeyError(name) for a name that is none of them.
_HTTP_METHODS: dict[str, HTTPMethod] = dict(HTTPMethod.__members__)


# The RequestInit members the stand-in Request takes (signal, mode, ... are accepted and
# not acted upon, as nothing here could act on them).
_REQUEST_INIT_KEYS = frozenset({"method", "headers", "body", "redirect", "cf"})


class _JsRequest(BodyReaders, JsProxy):
    """What ``Request.js_object`` is on the platform: the JavaScript ``Request`` itself.

    Here a live view of the same parts under JavaScript's names: ``headers`` is the request's
    own Headers object (the same one on every access, iterating as ``(name, value)`` pairs
    in JavaScript's order), ``method`` the plain string, ``bodyUsed`` camel-cased.

    Unlike the platform's, a new view on each access: kept on the request, it would tie the
    two into a reference cycle, freed only by the cyclic GC.
    """

    __slots__ = ("_request",)
    js_name = "Request"

    def __init__(self, request: Request) -> None:
        self._request = request

    @classmethod
    def new(cls, input: Any, init: Any = None, **kwargs: Any) -> _JsRequest:
        """``new Request(input, init)``; ``init`` as an object or keywords."""
        options = dict(kwargs)
        if init is not None:
            members = init.as_object_map() if isinstance(init, JsObject) else init
            options = {**dict(members), **options}
        if isinstance(input, _JsRequest):
            input = input._request
        if options.get("headers") is not None:
            options["headers"] = JsHeaders.new(options["headers"])
        if isinstance(options.get("body"), PyProxy):
            options["body"] = options["body"].unwrap()
        options = {k: v for k, v in options.items() if k in _REQUEST_INIT_KEYS}
        return Request(input, **options).js_object

    async def _read_body(self) -> bytes:
        return await self._request._consume()

    def _body_type(self) -> str | None:
        return self._request._headers.get("content-type")

    def clone(self) -> _JsRequest:
        return self._request.clone().js_object

    @property
    def redirect(self) -> str:
        return "follow"

    @property
    def signal(self) -> Any:
        from ..js.timers import AbortSignal

        return AbortSignal()

    @property
    def headers(self) -> JsHeaders:
        return self._request._headers

    @property
    def method(self) -> str:
        return self._request._method

    @property
    def url(self) -> str:
        return self._request._url

    @property
    def body(self) -> ReadableStream | None:
        return self._request._body

    @property
    def bodyUsed(self) -> bool:  # JavaScript's name
        return self._request.body_used

    @property
    def cf(self) -> JsDict | None:
        return self._request.cf


def _normalise_method(method: str) -> str:
    upper = method.upper()
    return upper if upper in _NORMALISED_METHODS else method


def _to_stream(body: Any) -> tuple[ReadableStream | None, str | None]:
    """A request body as a stream, and the Content-Type it implies."""
    if isinstance(body, FormData | Blob):
        body = body.js_object
    data, content_type = extract_body(body)
    if data is None or isinstance(data, ReadableStream):
        return data, content_type
    return ReadableStream.from_bytes(data), content_type


class Request:
    """An HTTP request, mirroring ``workers.Request``."""

    def __init__(self, input: Request | str | _JsRequest, **other_options: Unpack[FetchKwargs]):
        if isinstance(input, _JsRequest):
            if other_options:
                raise ValueError("Expected no options when constructing Request from a js.Request")
            # The same JavaScript Request under another Python wrapper: share its state.
            self.__dict__.update(input._request.__dict__)
            return
        if isinstance(input, Request):
            base_url, base_method = input._url, input._method
            base_headers, base_cf = JsHeaders(input._headers), input.cf
            base_body = input._body
        else:
            base_url, base_method = str(input), "GET"
            base_headers, base_cf, base_body = JsHeaders(), None, None
            if not urlsplit(base_url).scheme:
                raise JsException("TypeError", f"Invalid URL: {base_url}")

        method = other_options.get("method") or base_method
        if isinstance(method, HTTPMethod):
            method = method.value
        method = str(method).upper()
        if method not in REQUEST_METHODS:
            raise JsException(
                "TypeError", f"Invalid HTTP method string: {other_options.get('method')}"
            )
        headers = (
            JsHeaders(other_options["headers"])
            if other_options.get("headers") is not None
            else base_headers
        )
        if "body" in other_options and other_options["body"] is not None:
            body, content_type = _to_stream(other_options["body"])
            if content_type is not None and not headers.has("content-type"):
                headers.set("content-type", content_type)
        else:
            body = base_body
            if isinstance(input, Request) and body is not None:
                # The new request takes the body over; the old one counts as used.
                input._body_taken = True
        if body is not None and method in ("GET", "HEAD"):
            raise JsException("TypeError", "Request with a GET or HEAD method cannot have a body.")
        self._init(base_url, method, headers, body, other_options.get("cf", base_cf))

    def _init(
        self,
        url: str,
        method: str,
        headers: JsHeaders,
        body: ReadableStream | None,
        cf: Any,
    ) -> None:
        self._url = url
        self._method = method
        self._headers = headers
        self._body = body
        self._body_taken = False
        self._cf = JsDict(cf) if isinstance(cf, dict) and not isinstance(cf, JsDict) else cf
        self._cf_source: dict[str, Any] | None = None

    @classmethod
    def _incoming(
        cls,
        url: str,
        method: str,
        headers: list[tuple[str, str]],
        body: ReadableStream | None,
        cf: dict[str, Any] | None,
    ) -> Request:
        """A request as the runtime delivers it to ``fetch`` (no constructor checks).

        ``cf`` becomes the request's own ``JsDict`` tree on first access of ``request.cf``
        (most handlers never read it): the same value, built only when wanted.
        """
        request = cls.__new__(cls)
        js_headers = JsHeaders()
        js_headers.extend(headers)
        request._init(url, _normalise_method(method), js_headers, body, None)
        request._cf_source = cf
        return request

    def __repr__(self) -> str:
        return f"Request(method={self._method!r}, url={self._url!r})"

    @property
    def _js_request(self) -> _JsRequest:
        # The SDK's own attribute, which published examples reach for.
        return _JsRequest(self)

    @property
    def js_object(self) -> _JsRequest:
        """The JavaScript Request under the SDK object (see :class:`_JsRequest`)."""
        return _JsRequest(self)

    @property
    def body(self) -> ReadableStream | None:
        return self._body

    @property
    def body_used(self) -> bool:
        return self._body_taken or (self._body is not None and self._body.disturbed)

    @property
    def cf(self) -> JsDict | None:
        """Cloudflare's properties of the incoming request (``request.cf.colo``)."""
        if self._cf_source is not None:
            self._cf, self._cf_source = to_jsdict(self._cf_source), None
        return self._cf

    @property
    def headers(self) -> HTTPMessageMapping:
        return _js_headers_to_http_message(self._headers)

    @property
    def method(self) -> HTTPMethod:
        return _HTTP_METHODS[self._method]

    @property
    def redirect(self) -> str:
        return "follow"

    @property
    def url(self) -> str:
        return self._url

    def _raise_if_failed(self) -> None:
        if self.body_used:
            raise OSError("Body already used")

    async def _consume(self) -> bytes:
        self._raise_if_failed()
        if self._body is None:
            return b""
        if self._body.locked:
            raise JsException("TypeError", "This ReadableStream is currently locked to a reader.")
        return await self._body._read_all()

    async def bytes(self) -> bytes:
        return await self._consume()

    async def buffer(self) -> ArrayBuffer:
        return ArrayBuffer(await self._consume())

    async def form_data(self) -> FormData:
        try:
            return FormData(await self.js_object.formData())
        except JsException as exc:
            raise _to_python_exception(exc) from exc

    async def blob(self) -> Blob:
        return Blob(await self.js_object.blob())

    @property
    def cache(self) -> str | None:
        return None

    @property
    def credentials(self) -> str:
        return "same-origin"

    @property
    def destination(self) -> str:
        return ""

    @property
    def integrity(self) -> str:
        return ""

    @property
    def is_history_navigation(self) -> bool:
        return False

    @property
    def keepalive(self) -> bool:
        return False

    @property
    def mode(self) -> str:
        return "cors"

    @property
    def referrer(self) -> str:
        return "about:client"

    @property
    def referrer_policy(self) -> str:
        return ""

    def clone(self) -> Request:
        self._raise_if_failed()
        clone = Request.__new__(Request)
        body = None
        if self._body is not None:
            self._body, body = _tee(self._body)
        clone._init(self._url, self._method, JsHeaders(self._headers), body, self.cf)
        return clone

    async def json(self, **kwargs: Any) -> Any:
        return json.loads(await self.text(), **kwargs)

    async def text(self) -> str:
        return _utf8_decode(await self._consume())
