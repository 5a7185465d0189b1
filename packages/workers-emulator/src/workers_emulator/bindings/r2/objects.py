"""``R2Object`` and ``R2ObjectBody`` as a Python Worker sees them through Pyodide: JavaScript
names (``httpEtag``, ``customMetadata``), ``uploaded`` a Date, metadata plain objects."""

from __future__ import annotations

import json
from typing import Any

from ...runtime.js.buffers import ArrayBuffer, Uint8Array
from ...runtime.js.objects import Date
from ...runtime.jsproxy import JsObject, JsProxy
from ...runtime.workers._headers import JsHeaders
from ...runtime.workers._streams import ReadableStream
from .store import StoredObject

# httpMetadata's fields and the headers they are written to.
HTTP_FIELDS = {
    "contentType": "content-type",
    "contentLanguage": "content-language",
    "contentDisposition": "content-disposition",
    "contentEncoding": "content-encoding",
    "cacheControl": "cache-control",
    "cacheExpiry": "expires",
}


class R2Object(JsProxy):
    """An object's metadata (``head``, ``put``, ``list``, a failed ``get`` precondition)."""

    js_name = "R2Object"

    def __init__(self, item: StoredObject, range: dict[str, int] | None = None) -> None:
        self.key = item.key
        self.version = item.version
        self.size = item.size
        self.etag = item.etag
        self.httpEtag = f'"{item.etag}"'
        self.uploaded = Date(item.uploaded)
        self.storageClass = ""  # what workerd's local R2 answers (the platform: "Standard")
        # A multipart object's ETag is no MD5 of its bytes: it has no md5 checksum.
        multipart = "-" in item.etag
        self.checksums = JsObject({} if multipart else {"md5": _md5_buffer(item.etag)})
        http = dict(item.http_metadata)
        if "cacheExpiry" in http:
            http["cacheExpiry"] = Date(http["cacheExpiry"])  # type: ignore[assignment]
        self.httpMetadata = JsObject(http)
        self.customMetadata = JsObject(dict(item.custom_metadata))
        if range is not None:
            self.range = JsObject(range)

    def writeHttpMetadata(self, headers: JsHeaders) -> None:
        """Set the headers httpMetadata stands for on ``headers``."""
        for field, header in HTTP_FIELDS.items():
            value = self.httpMetadata._props.get(field)
            if isinstance(value, Date):
                value = value.toString().split(" (")[0].replace("GMT+0000", "GMT")
            if value is not None:
                headers.set(header, str(value))


class R2ObjectBody(R2Object):
    """An object with its bytes (``get``)."""

    js_name = "R2ObjectBody"

    def __init__(self, item: StoredObject, data: bytes, range: dict[str, int]) -> None:
        super().__init__(item, range)
        self._data = data
        self._used = False
        self._stream: ReadableStream | None = None

    @property
    def body(self) -> ReadableStream:
        if self._stream is None:
            self._stream = ReadableStream.from_bytes(self._data)
        return self._stream

    @property
    def bodyUsed(self) -> bool:
        return self._used or (self._stream is not None and self._stream.disturbed)

    def _take(self) -> bytes:
        if self.bodyUsed:
            from ...errors import JsException

            raise JsException("TypeError", "Body has already been used.")
        self._used = True
        return self._data

    async def arrayBuffer(self) -> ArrayBuffer:
        return ArrayBuffer(self._take())

    async def bytes(self) -> Uint8Array:
        return Uint8Array(self._take())

    async def text(self) -> str:
        return self._take().decode("utf-8", "replace")

    async def json(self) -> Any:
        from ...runtime.js.json import JSON

        return JSON.parse(self._take().decode("utf-8", "replace"))


def _md5_buffer(etag: str) -> ArrayBuffer:
    return ArrayBuffer(bytes.fromhex(etag))


def http_metadata_of(value: Any) -> dict[str, Any]:
    """``httpMetadata`` as given (an object, a dict or a Headers) as stored fields."""
    if value is None:
        return {}
    out: dict[str, Any] = {}
    if isinstance(value, JsHeaders):
        for field, header in HTTP_FIELDS.items():
            found = value.get(header)
            if found is not None:
                out[field] = found if field != "cacheExpiry" else Date(found).getTime()
        return out
    props = value._props if isinstance(value, JsObject) else value
    if not isinstance(props, dict):
        return {}
    for field in HTTP_FIELDS:
        found = props.get(field)
        if found is None:
            continue
        out[field] = found.getTime() if isinstance(found, Date) else str(found)
    return out


def custom_metadata_of(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    props = value._props if isinstance(value, JsObject) else value
    if not isinstance(props, dict):
        return {}
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in props.items()}
