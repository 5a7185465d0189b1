"""``Blob``, ``File``, ``FormData`` and what the Fetch standard makes of a body value.

``extract_body`` is the one place that turns any body a Worker passes (string, bytes,
typed array, Blob, FormData, URLSearchParams, stream) into bytes or a stream and the
``Content-Type`` the body implies.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Iterator
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

from ...errors import JsException
from ..jsproxy import JsArray, JsProxy, PyProxy, jsnull, option
from ..workers._streams import ReadableStream, _utf8_decode
from .buffers import ArrayBuffer, TypedArray, Uint8Array
from .url import URLSearchParams

TEXT_PLAIN = "text/plain;charset=UTF-8"
FORM_URLENCODED = "application/x-www-form-urlencoded;charset=UTF-8"


class Blob(JsProxy):
    """Immutable bytes with a MIME type."""

    js_name = "Blob"

    def __init__(self, parts: Iterable[Any] | None = None, options: Any = None) -> None:
        chunks: list[bytes] = []
        for part in parts or ():
            if isinstance(part, PyProxy):
                part = part.unwrap()
            if isinstance(part, str):
                chunks.append(part.encode("utf-8", "surrogatepass"))
            elif isinstance(part, Blob):
                chunks.append(part._data)
            elif isinstance(part, TypedArray | ArrayBuffer):
                chunks.append(part.to_bytes())
            elif isinstance(part, bytes | bytearray | memoryview):
                chunks.append(bytes(part))
            else:
                chunks.append(str(part).encode())
        self._data: bytes = b"".join(chunks)
        kind = option(options, "type")
        self._type = kind.lower() if isinstance(kind, str) and kind.isascii() else ""

    @property
    def size(self) -> int:
        return len(self._data)

    @property
    def type(self) -> str:
        return self._type

    async def text(self) -> str:
        return _utf8_decode(self._data)

    async def arrayBuffer(self) -> ArrayBuffer:
        return ArrayBuffer(self._data)

    async def bytes(self) -> Uint8Array:
        return Uint8Array(self._data)

    def slice(
        self, start: int | None = None, end: int | None = None, contentType: str | None = None
    ) -> Blob:
        return Blob([self._data[slice(start, end)]], {"type": contentType or ""})

    def stream(self) -> ReadableStream:
        return ReadableStream.from_bytes(self._data)


class File(Blob):
    """A Blob with a file name and a modification time (epoch milliseconds)."""

    js_name = "File"

    def __init__(self, parts: Iterable[Any], name: str, options: Any = None) -> None:
        super().__init__(parts, options)
        self._name = str(name)
        modified = option(options, "lastModified")
        self._last_modified = int(time.time() * 1000) if modified is None else int(modified)

    @property
    def name(self) -> str:
        return self._name

    @property
    def lastModified(self) -> int:
        return self._last_modified


class FormData(JsProxy):
    """Ordered name/value entries; a value is a string or a File."""

    js_name = "FormData"

    def __init__(self, *args: Any) -> None:
        if args and args[0] is not None:
            raise JsException("TypeError", "FormData from a form element is not supported.")
        self._entries: list[tuple[str, str | File]] = []

    @staticmethod
    def _entry(value: Any, filename: str | None) -> str | File:
        if isinstance(value, Blob):
            if filename is not None or not isinstance(value, File):
                name = filename if filename is not None else "blob"
                return File([value], name, {"type": value.type})
            return value
        return str(value)

    def append(self, name: str, value: Any, filename: str | None = None) -> None:
        self._entries.append((str(name), self._entry(value, filename)))

    def set(self, name: str, value: Any, filename: str | None = None) -> None:
        entry = self._entry(value, filename)
        out: list[tuple[str, str | File]] = []
        placed = False
        for key, old in self._entries:
            if key != name:
                out.append((key, old))
            elif not placed:
                out.append((key, entry))
                placed = True
        if not placed:
            out.append((str(name), entry))
        self._entries = out

    def get(self, name: str) -> str | File | None:
        for key, value in self._entries:
            if key == name:
                return value
        return None

    def getAll(self, name: str) -> JsArray:
        return JsArray(value for key, value in self._entries if key == name)

    def has(self, name: str) -> bool:
        return any(key == name for key, _ in self._entries)

    def delete(self, name: str) -> None:
        self._entries = [(k, v) for k, v in self._entries if k != name]

    def keys(self) -> Iterator[str]:
        return iter([k for k, _ in self._entries])

    def values(self) -> Iterator[str | File]:
        return iter([v for _, v in self._entries])

    def entries(self) -> Iterator[JsArray]:
        return iter([JsArray([k, v]) for k, v in self._entries])

    def __iter__(self) -> Iterator[JsArray]:
        return self.entries()

    def encode(self) -> tuple[bytes, str]:
        """The multipart/form-data body and its Content-Type."""
        boundary = "----formdata-emulator-" + secrets.token_hex(12)
        parts = []
        for name, value in self._entries:
            quoted = _quote(name)
            if isinstance(value, File):
                head = (
                    f'Content-Disposition: form-data; name="{quoted}"; '
                    f'filename="{_quote(value.name)}"\r\n'
                    f"Content-Type: {value.type or 'application/octet-stream'}\r\n\r\n"
                )
                data = value._data
            else:
                head = f'Content-Disposition: form-data; name="{quoted}"\r\n\r\n'
                data = value.encode()
            parts.append(f"--{boundary}\r\n{head}".encode() + data + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return body, f"multipart/form-data; boundary={boundary}"


def _quote(value: str) -> str:
    return value.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")


def extract_body(body: Any) -> tuple[bytes | ReadableStream | None, str | None]:
    """A body value as bytes (or a stream) and the Content-Type it implies, if any."""
    if body is None or body is jsnull:
        return None, None
    if isinstance(body, PyProxy):
        body = body.unwrap()
    if isinstance(body, str):
        return body.encode("utf-8", "surrogatepass"), TEXT_PLAIN
    if isinstance(body, bytes):
        return body, None
    if isinstance(body, bytearray | memoryview):
        return bytes(body), None
    if isinstance(body, TypedArray | ArrayBuffer):
        return body.to_bytes(), None
    if isinstance(body, ReadableStream):
        return body, None
    if isinstance(body, Blob):
        return body._data, body.type or None
    if isinstance(body, FormData):
        return body.encode()
    if isinstance(body, URLSearchParams):
        return body.toString().encode(), FORM_URLENCODED
    # JavaScript converts anything else to a string.
    return str(body).encode(), TEXT_PLAIN


def parse_form(data: bytes, content_type: str | None) -> FormData:
    """``body.formData()``: a multipart or urlencoded body as FormData (TypeError otherwise)."""
    form = FormData()
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if mime == "application/x-www-form-urlencoded":
        for name, value in parse_qsl(data.decode("utf-8", "replace"), keep_blank_values=True):
            form.append(name, value)
        return form
    if mime != "multipart/form-data" or "boundary=" not in (content_type or ""):
        raise JsException(
            "TypeError",
            "Unrecognized Content-Type header value. FormData can only parse the following "
            "MIME types: multipart/form-data, application/x-www-form-urlencoded",
        )
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + data)
    if not message.is_multipart():
        raise JsException("TypeError", "Failed to parse the body as multipart/form-data.")
    for part in message.iter_parts():
        field = part.get_param("name", header="content-disposition")
        if not isinstance(field, str):
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            payload = b""
        filename = part.get_filename()
        if filename is None:
            form.append(field, _utf8_decode(payload))
        else:
            kind = part.get_content_type() if part.get("content-type") else ""
            form.append(field, File([payload], filename, {"type": kind}))
    return form


class BodyReaders:
    """The readers ``Request`` and ``Response`` share (the Fetch standard's Body mixin): each
    takes the body's bytes once, through ``_read_body``, and ``blob``/``formData`` the type
    its Content-Type header names (``_body_type``)."""

    __slots__ = ()

    async def _read_body(self) -> bytes:
        raise NotImplementedError

    def _body_type(self) -> str | None:
        raise NotImplementedError

    async def text(self) -> str:
        return _utf8_decode(await self._read_body())

    async def json(self) -> Any:
        from .json import JSON

        return JSON.parse(await self.text())

    async def arrayBuffer(self) -> ArrayBuffer:
        return ArrayBuffer(await self._read_body())

    async def bytes(self) -> Uint8Array:
        return Uint8Array(await self._read_body())

    async def blob(self) -> Blob:
        return Blob([await self._read_body()], {"type": self._body_type() or ""})

    async def formData(self) -> FormData:
        return parse_form(await self._read_body(), self._body_type())
