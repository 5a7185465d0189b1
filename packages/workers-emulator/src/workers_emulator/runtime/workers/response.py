"""``workers.Response`` and ``workers.FetchResponse``, with the SDK's names and behaviour."""

from __future__ import annotations

import json
import sys
from http import HTTPStatus
from typing import Any, Never
from urllib.parse import urlsplit

from ...errors import JsException
from ._headers import JsHeaders
from ._streams import ReadableStream, _tee, _utf8_decode
from .types import Body, Headers
from .utils import HTTPMessageMapping, _js_headers_to_http_message

# isinstance() with a tuple: `str | bytes | ReadableStream` would build a union per Response.
_BODY_TYPES = (str, bytes, ReadableStream)
_NULL_BODY_STATUSES = {101, 204, 205, 304}
_REDIRECT_STATUSES = {301, 302, 303, 307, 308}
_ZERO_LENGTH_NULL_BODY_WARNING = (
    "Constructing a Response with a null body status ({code}) and a non-null, zero-length "
    "body. This is technically incorrect, and we recommend you update your code to "
    "explicitly pass in a `null` body, e.g. `new Response(null, {{ status: {code}, ... }})`. "
    "(We continue to allow the zero-length body behavior because it was previously the only "
    "way to construct a Response with a null body status. This behavior may change in the "
    "future.)"
)


class _JsResponse:
    """What ``js.Response`` holds: status line, headers and a body that is read once."""

    def __init__(
        self,
        body: bytes | ReadableStream | None,
        status: int = 200,
        status_text: str = "",
        headers: JsHeaders | None = None,
    ) -> None:
        self.status = status
        self.status_text = status_text
        self.headers = headers if headers is not None else JsHeaders()
        self.body_bytes: bytes | None = body if isinstance(body, bytes) else None
        self.stream: ReadableStream | None = body if isinstance(body, ReadableStream) else None
        self.used = False

    @property
    def has_body(self) -> bool:
        return self.body_bytes is not None or self.stream is not None

    async def read(self) -> bytes:
        if self.used or (self.stream is not None and self.stream.disturbed):
            raise OSError("Body already used")
        self.used = True
        if self.stream is not None:
            return await self.stream._read_all()
        return self.body_bytes or b""


class FetchResponse:
    """A response object (the SDK builds it over ``pyodide.http.FetchResponse``)."""

    def __init__(self, url: str, js_response: _JsResponse) -> None:
        self._url = url
        self.js_response = js_response

    @property
    def body(self) -> ReadableStream | None:
        """The body as a ReadableStream (None for a response without a body)."""
        js = self.js_response
        if js.stream is None and js.body_bytes is not None:
            # Reading the stream from now on is the only way in: bytes move into it.
            js.stream = ReadableStream.from_bytes(js.body_bytes)
            js.body_bytes = None
        return js.stream

    @property
    def body_used(self) -> bool:
        js = self.js_response
        return js.used or (js.stream is not None and js.stream.disturbed)

    @property
    def headers(self) -> HTTPMessageMapping:
        return _js_headers_to_http_message(self.js_response.headers)

    @property
    def ok(self) -> bool:
        return 200 <= self.status <= 299

    @property
    def redirected(self) -> bool:
        return False

    @property
    def status(self) -> int:
        return self.js_response.status

    @property
    def status_text(self) -> str:
        return self.js_response.status_text

    @property
    def type(self) -> str:
        return "default"

    @property
    def url(self) -> str:
        return self._url

    def _raise_if_failed(self) -> None:
        if self.body_used:
            raise OSError("Body already used")

    def raise_for_status(self) -> None:
        if 400 <= self.status < 500:
            raise OSError(f"{self.status} Client Error: {self.status_text} for url: {self.url}")
        if 500 <= self.status < 600:
            raise OSError(f"{self.status} Server Error: {self.status_text} for url: {self.url}")

    def clone(self) -> FetchResponse:
        self._raise_if_failed()
        js = self.js_response
        copy = _JsResponse(None, js.status, js.status_text, JsHeaders(js.headers))
        if js.stream is not None:
            js.stream, copy.stream = _tee(js.stream)
        else:
            copy.body_bytes = js.body_bytes
        return type(self)(self._url, copy)

    async def text(self) -> str:
        return _utf8_decode(await self.js_response.read())

    async def bytes(self) -> bytes:
        return await self.js_response.read()

    async def _json(self, **kwargs: Any) -> Any:
        return json.loads(await self.text(), **kwargs)

    def replace_body(self, body: Body) -> Response:
        """A new Response with this one's status and headers and another body."""
        js = self.js_response
        return Response(body, js.status, js.status_text, js.headers.raw_items())

    @staticmethod
    def redirect(url: str, status: HTTPStatus | int = HTTPStatus.FOUND) -> Response:
        code = status.value if isinstance(status, HTTPStatus) else status
        if code not in _REDIRECT_STATUSES:
            # workerd's RangeError, which the SDK turns into ValueError.
            raise ValueError(
                f"{code} is not a redirect status code. "
                "It must be one of: 301, 302, 303, 307, or 308."
            )
        if not urlsplit(url).scheme:
            raise TypeError(f"Invalid URL: {url}")
        return Response(None, status=code, headers={"location": url})

    @staticmethod
    def from_json(
        data: str | dict[str, Any] | list[Any],
        status: HTTPStatus | int = HTTPStatus.OK,
        status_text="",
        headers: Headers | None = None,
    ) -> Response:
        try:
            js_headers = JsHeaders(headers) if headers else JsHeaders()
            if not js_headers.has("content-type"):
                js_headers.set("content-type", "application/json")
            return Response(json.dumps(data), status, status_text, js_headers.raw_items())
        except JsException as exc:
            # The SDK converts the JS constructor's RangeError/TypeError here (not in __init__).
            if exc.name == "RangeError":
                raise ValueError(exc.message) from exc
            if exc.name == "TypeError":
                raise TypeError(exc.message) from exc
            raise

    def json(self, *args: Never, **kwargs: Never) -> Any:
        if isinstance(self, FetchResponse):
            return self._json()
        # For compatibility, allow static use of Response.json() to mean Response.from_json().
        data = self
        return Response.from_json(data, *args, **kwargs)


class Response(FetchResponse):
    """The response a Worker returns, mirroring ``workers.Response``."""

    def __init__(
        self,
        body: Body | None = None,
        status: HTTPStatus | int | None = None,
        status_text="",
        headers: Headers | None = None,
        web_socket: Any = None,
    ):
        if not isinstance(body, _BODY_TYPES) and body is not None:
            raise TypeError(f"Unsupported type in Response: {type(body).__name__}")
        if web_socket is not None:
            raise NotImplementedError("WebSocket responses are not emulated")
        code = 200
        if status:
            code = status.value if isinstance(status, HTTPStatus) else int(status)
        if not 200 <= code <= 599:
            raise JsException(
                "RangeError",
                "Responses may only be constructed with status codes in the range 200 to "
                "599, inclusive.",
            )
        js_headers = JsHeaders(headers) if headers else JsHeaders()
        if body is not None and code in _NULL_BODY_STATUSES:
            if isinstance(body, ReadableStream) or len(body):
                raise JsException(
                    "TypeError",
                    "Response with null body status (101, 204, 205, or 304) cannot have a body.",
                )
            # workerd still accepts a zero-length body here, with this warning on the console.
            print(_ZERO_LENGTH_NULL_BODY_WARNING.format(code=code), file=sys.stderr)
            body = None
        if isinstance(body, str):
            if not js_headers.has("content-type"):
                js_headers.set("content-type", "text/plain;charset=UTF-8")
            body = body.encode()
        super().__init__("", _JsResponse(body, code, status_text or "", js_headers))

    def __repr__(self) -> str:
        parts = [f"status={self.status}"]
        if self.status_text:
            parts.append(f"status_text={self.status_text!r}")
        content_type = self.js_response.headers.get("content-type")
        if content_type is not None:
            parts.append(f"content_type={content_type!r}")
        return f"Response({', '.join(parts)})"
