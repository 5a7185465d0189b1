"""``workers.Blob`` and ``workers.File``: Python wrappers over the JavaScript ones."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from ..js.bodies import Blob as JsBlob
from ..js.bodies import File as JsFile
from .utils import _is_iterable

BlobValue = "str | bytes | js.ArrayBuffer | js.TypedArray | js.DataView | js.Blob | Blob | File"


class BlobEnding(StrEnum):
    TRANSPARENT = "transparent"
    NATIVE = "native"


def _blob_parts(parts: Any) -> list[Any]:
    items = list(parts) if _is_iterable(parts) else [parts]
    out: list[Any] = []
    for item in items:
        if isinstance(item, Blob):
            out.append(item._js_blob)
        elif isinstance(item, str | bytes | bytearray | memoryview | JsBlob):
            out.append(item)
        elif hasattr(item, "to_bytes"):
            out.append(item.to_bytes())
        else:
            raise TypeError(f"Don't know how to handle {type(item)} for Blob()")
    return out


class Blob:
    """Bytes with a content type (``size``, ``content_type``, ``text()``, ``bytes()``...)."""

    def __init__(
        self,
        blob_parts: Iterable[Any] | Any,  # BlobValue
        content_type: str | None = None,
        endings: BlobEnding | str | None = None,
    ):
        single = not _is_iterable(blob_parts)
        if single and not content_type:
            # A single Blob or File passed in lends its type (a File's name is lost).
            if isinstance(blob_parts, Blob):
                content_type = blob_parts.content_type
            elif isinstance(blob_parts, JsBlob):
                content_type = blob_parts.type
        self._js_blob = JsBlob(_blob_parts(blob_parts), {"type": content_type or ""})

    @property
    def size(self) -> int:
        return self._js_blob.size

    @property
    def content_type(self) -> str:
        return self._js_blob.type

    @property
    def js_object(self) -> JsBlob:
        return self._js_blob

    async def text(self) -> str:
        return await self.js_object.text()

    async def bytes(self) -> bytes:
        return (await self.js_object.arrayBuffer()).to_bytes()

    def slice(
        self,
        start: int | None = None,
        end: int | None = None,
        content_type: str | None = None,
    ):
        return Blob([self.js_object.slice(start, end, content_type)])


class File(Blob):
    """A Blob with a ``name`` and ``last_modified`` (epoch milliseconds)."""

    def __init__(
        self,
        blob_parts: Iterable[Any] | Any,  # BlobValue
        filename: str,
        content_type: str | None = None,
        endings: BlobEnding | str | None = None,
        last_modified: int | None = None,
    ):
        if not _is_iterable(blob_parts):
            if not content_type and isinstance(blob_parts, Blob):
                content_type = blob_parts.content_type
            if not last_modified and isinstance(blob_parts, File):
                last_modified = blob_parts.last_modified
            if isinstance(blob_parts, JsBlob):
                content_type = content_type or blob_parts.type
            if isinstance(blob_parts, JsFile) and not last_modified:
                last_modified = blob_parts.lastModified
        options: dict[str, Any] = {"type": content_type or ""}
        if last_modified is not None:
            options["lastModified"] = last_modified
        self._js_blob = JsFile(_blob_parts(blob_parts), filename, options)

    _js_blob: JsFile

    @property
    def name(self) -> str:
        return self._js_blob.name

    @property
    def last_modified(self) -> int:
        return self._js_blob.lastModified
