"""``workers.Response`` and ``workers.FetchResponse``, with the SDK's names and behaviour."""

from __future__ import annotations

import json
import sys
from http import HTTPStatus
from typing import Any, Never

from ...errors import JsException, NotEmulatedError
from ..js.bodies import Blob as JsBlob
from ..js.bodies import BodyReaders, extract_body
from ..js.bodies import FormData as JsFormData
from ..js.buffers import ArrayBuffer, Uint8Array
from ..js.http_words import REASON_PHRASES, default_status_text
from ..jsproxy import JsObject, JsProxy, option
from ._headers import JsHeaders
from ._streams import ReadableStream, _tee, _utf8_decode
from .blob import Blob
from .formdata import FormData
from .types import Body, Headers
from .utils import (
    RESPONSE_ACCEPTED_TYPES,
    HTTPMessageMapping,
    _js_headers_to_http_message,
    _to_python_exception,
)

# isinstance() with a tuple: `str | bytes | ReadableStream` would build a union per Response.
_BODY_TYPES = (str, bytes, ReadableStream)
# JavaScript bodies known by class rather than by constructor name (subclasses included).
_JS_BODIES = (JsBlob, JsFormData, ArrayBuffer, Uint8Array, ReadableStream)
_NULL_BODY_STATUSES = {101, 204, 205, 304}
_BODY_USED = (
    "Body has already been used. It can only be used once. "
    "Use tee() first if you need to read it twice."
)
_REDIRECT_STATUSES = {301, 302, 303, 307, 308}
_ZERO_LENGTH_NULL_BODY_WARNING = (
    "Constructing a Response with a null body status ({code}) and a non-null, zero-length "
    "body. This is technically incorrect, and we recommend you update your code to "
    "explicitly pass in a `null` body, e.g. `new Response(null, {{ status: {code}, ... }})`. "
    "(We continue to allow the zero-length body behavior because it was previously the only "
    "way to construct a Response with a null body status. This behavior may change in the "
    "future.)"
)


class _StaticOrInstance:
    """A JavaScript class with a static and an instance method of one name
    (``Response.json(data)`` and ``response.json()``)."""

    def __init__(self, static: Any, instance: Any) -> None:
        self.static = static
        self.instance = instance

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self.static
        return self.instance.__get__(obj, owner)


def _js_status(init: Any, default: int = 200) -> int:
    status = option(init, "status", default)
    code = int(status.value if isinstance(status, HTTPStatus) else status)
    if not 200 <= code <= 599:
        raise JsException(
            "RangeError",
            "Responses may only be constructed with status codes in the range 200 to "
            "599, inclusive.",
        )
    return code


class _JsResponse(BodyReaders, JsProxy):
    """``js.Response``: status line, headers and a body that is read once."""

    js_name = "Response"

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
        self.url = ""
        self._redirected = False  # set by outbound fetch when it followed a redirect

    @classmethod
    def new(cls, body: Any = None, init: Any = None, **kwargs: Any) -> _JsResponse:
        """``new Response(body, init)``; ``init`` as an object, a Response or keywords."""
        if kwargs:
            init = JsObject(kwargs)
        if option(init, "webSocket") is not None:
            raise NotEmulatedError("a WebSocket response (webSocket)")
        code = _js_status(init)
        headers = JsHeaders.new(option(init, "headers"))
        data, content_type = extract_body(body)
        if data is not None and code in _NULL_BODY_STATUSES:
            if isinstance(data, ReadableStream) or len(data):
                raise JsException(
                    "TypeError",
                    "Response with null body status (101, 204, 205, or 304) cannot have a body.",
                )
            data = None
        if content_type is not None and data is not None and not headers.has("content-type"):
            headers.set("content-type", content_type)
        status_text = option(init, "statusText")
        text = default_status_text(code) if status_text is None else str(status_text)
        return cls(data, code, text, headers)

    @staticmethod
    def _static_json(data: Any, init: Any = None, **kwargs: Any) -> _JsResponse:
        from ..js.json import JSON

        if kwargs:
            init = JsObject(kwargs)
        headers = JsHeaders.new(option(init, "headers"))
        if not headers.has("content-type"):
            headers.set("content-type", "application/json")
        merged = JsObject({"status": option(init, "status", 200), "headers": headers})
        if option(init, "statusText") is not None:
            merged.statusText = option(init, "statusText")
        return _JsResponse.new(JSON.stringify(data), merged)

    @staticmethod
    def redirect(url: Any, status: int = 302) -> _JsResponse:
        from ..js.url import URL

        if status not in _REDIRECT_STATUSES:
            raise JsException(
                "RangeError",
                f"{status} is not a redirect status code. "
                "It must be one of: 301, 302, 303, 307, or 308.",
            )
        location = JsHeaders([("location", URL(url).href)])
        return _JsResponse(None, status, default_status_text(status), location)

    @staticmethod
    def error() -> _JsResponse:
        raise NotEmulatedError("Response.error()")

    @property
    def statusText(self) -> str:
        return self.status_text

    @property
    def ok(self) -> bool:
        return 200 <= self.status <= 299

    @property
    def redirected(self) -> bool:
        return self._redirected

    @property
    def type(self) -> str:
        return "default"

    @property
    def has_body(self) -> bool:
        return self.body_bytes is not None or self.stream is not None

    @property
    def body(self) -> ReadableStream | None:
        """The body as a ReadableStream (None for a response without a body)."""
        if self.stream is None and self.body_bytes is not None:
            # Reading the stream from now on is the only way in: bytes move into it.
            self.stream = ReadableStream.from_bytes(self.body_bytes)
            self.body_bytes = None
        return self.stream

    @property
    def bodyUsed(self) -> bool:
        return self.used or (self.stream is not None and self.stream.disturbed)

    async def read(self) -> bytes:
        if self.used or (self.stream is not None and self.stream.disturbed):
            raise OSError("Body already used")
        self.used = True
        if self.stream is not None:
            return await self.stream._read_all()
        return self.body_bytes or b""

    async def _read_body(self) -> bytes:
        if self.bodyUsed:
            raise JsException("TypeError", _BODY_USED)
        return await self.read()

    def _body_type(self) -> str | None:
        return self.headers.get("content-type")

    json = _StaticOrInstance(_static_json, BodyReaders.json)

    def clone(self) -> _JsResponse:
        if self.bodyUsed:
            raise JsException("TypeError", _BODY_USED)
        copy = _JsResponse(None, self.status, self.status_text, JsHeaders(self.headers))
        if self.stream is not None:
            self.stream, copy.stream = _tee(self.stream)
        else:
            copy.body_bytes = self.body_bytes
        copy.url = self.url
        return copy


class FetchResponse:
    """A response object (the SDK builds it over ``pyodide.http.FetchResponse``)."""

    def __init__(
        self,
        url: str,
        js_response: _JsResponse,
        abort_controller: Any = None,
        abort_signal: Any = None,
    ) -> None:
        # The abort parameters are newer Pyodide's (3.13); nothing aborts a response here.
        self._url = url
        self.js_response = js_response

    @property
    def body(self) -> ReadableStream | None:
        """The body as a ReadableStream (None for a response without a body)."""
        return self.js_response.body

    @property
    def js_object(self) -> _JsResponse:
        return self.js_response

    @property
    def body_used(self) -> bool:
        return self.js_response.bodyUsed

    @property
    def headers(self) -> HTTPMessageMapping:
        return _js_headers_to_http_message(self.js_response.headers)

    @property
    def ok(self) -> bool:
        return 200 <= self.status <= 299

    @property
    def redirected(self) -> bool:
        return self.js_response.redirected

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
        return type(self)(self._url, self.js_response.clone())

    async def buffer(self) -> ArrayBuffer:
        self._raise_if_failed()
        return ArrayBuffer(await self.js_response.read())

    async def text(self) -> str:
        return _utf8_decode(await self.js_response.read())

    async def string(self) -> str:
        return await self.text()

    async def bytes(self) -> bytes:
        return await self.js_response.read()

    async def memoryview(self) -> memoryview:
        return memoryview(await self.bytes())

    async def unpack_archive(
        self, *, extract_dir: str | None = None, format: str | None = None
    ) -> None:
        raise NotEmulatedError("FetchResponse.unpack_archive()")

    async def _json(self, **kwargs: Any) -> Any:
        return json.loads(await self.text(), **kwargs)

    async def formData(self) -> FormData:
        return await self.form_data()

    async def form_data(self) -> FormData:
        self._raise_if_failed()
        try:
            return FormData(await self.js_response.formData())
        except JsException as exc:
            raise _to_python_exception(exc) from exc

    async def blob(self) -> Blob:
        self._raise_if_failed()
        return Blob(await self.js_response.blob())

    def replace_body(self, body: Body) -> Response:
        """A new Response with this one's status and headers and another body."""
        js = self.js_response
        if isinstance(body, FormData):
            return Response(_JsResponse.new(body.js_object, js))
        return Response(body, js.status, js.status_text, js.headers.raw_items())

    @staticmethod
    def redirect(url: str, status: HTTPStatus | int = HTTPStatus.FOUND):
        # As in the SDK, the JavaScript Response itself (a handler may return either).
        code = status.value if isinstance(status, HTTPStatus) else status
        try:
            return _JsResponse.redirect(url, code)
        except JsException as exc:
            raise _to_python_exception(exc) from exc

    @staticmethod
    def from_json(
        data: str | dict[str, Any] | list[Any] | JsProxy,
        status: HTTPStatus | int = HTTPStatus.OK,
        status_text="",
        headers: Headers | None = None,
    ) -> Response:
        try:
            if isinstance(data, JsProxy):
                return Response(
                    _JsResponse.json(
                        data, {"status": int(status), "statusText": status_text, "headers": headers}
                    )
                )
            js_headers = JsHeaders(headers) if headers else JsHeaders()
            if not js_headers.has("content-type"):
                js_headers.set("content-type", "application/json")
            return Response(json.dumps(data), status, status_text, js_headers.raw_items())
        except JsException as exc:
            # The SDK converts the JS constructor's RangeError/TypeError here (not in __init__).
            raise _to_python_exception(exc) from exc

    def json(self, *args: Never, **kwargs: Never):
        if isinstance(self, FetchResponse):
            return self._json()
        # For compatibility, allow static use of Response.json() to mean Response.from_json().
        data = self
        return Response.from_json(data, *args, **kwargs)


class Response(FetchResponse):
    """The response a Worker returns, mirroring ``workers.Response``."""

    def __init__(
        self,
        body: Body | _JsResponse | None = None,
        status: HTTPStatus | int | None = None,
        status_text="",
        headers: Headers | None = None,
        web_socket: Any = None,
    ):
        data: Any = body
        content_type = None
        # str, bytes and None (nearly every Response) skip the other body kinds' checks.
        if body is not None and type(body) is not str and type(body) is not bytes:
            if isinstance(body, _JsResponse):
                if status is not None or len(status_text) > 0 or headers is not None:
                    raise ValueError(
                        "Expected no options when constructing Response from a js.Response"
                    )
                super().__init__(body.url, body)
                return
            if isinstance(body, FormData):
                data = body.js_object
            if isinstance(data, JsProxy):
                js_type = data.constructor.name
                if js_type not in RESPONSE_ACCEPTED_TYPES and not isinstance(data, _JS_BODIES):
                    raise TypeError(f"Unsupported type in Response: {js_type}")
                data, content_type = extract_body(data)
            elif not isinstance(data, _BODY_TYPES):
                raise TypeError(f"Unsupported type in Response: {type(data).__name__}")
        if web_socket is not None:
            raise NotEmulatedError("a WebSocket response (web_socket)")
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
        if data is not None and code in _NULL_BODY_STATUSES:
            if isinstance(data, ReadableStream) or len(data):
                raise JsException(
                    "TypeError",
                    "Response with null body status (101, 204, 205, or 304) cannot have a body.",
                )
            # workerd still accepts a zero-length body here, with this warning on the console.
            print(_ZERO_LENGTH_NULL_BODY_WARNING.format(code=code), file=sys.stderr)
            data = None
        if isinstance(data, str):
            if not js_headers.has("content-type"):
                js_headers.set("content-type", "text/plain;charset=UTF-8")
            data = data.encode()
        elif content_type is not None and data is not None and not js_headers.has("content-type"):
            js_headers.set("content-type", content_type)
        text = status_text or REASON_PHRASES.get(code) or default_status_text(code)
        super().__init__("", _JsResponse(data, code, text, js_headers))

    def __repr__(self) -> str:
        parts = [f"status={self.status}"]
        if self.status_text:
            parts.append(f"status_text={self.status_text!r}")
        content_type = self.js_response.headers.get("content-type")
        if content_type is not None:
            parts.append(f"content_type={content_type!r}")
        return f"Response({', '.join(parts)})"
