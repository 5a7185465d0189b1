"""``env.BUCKET``: an R2 bucket as a Python Worker sees it (workerd's R2Bucket through
Pyodide), over an ``R2Store``. Operations count per request as KV's do."""

from __future__ import annotations

import base64
import builtins
import hashlib
import uuid
from typing import Any, ClassVar

from ...clock import Clock
from ...faults import FaultInjector
from ...invocation import OpKind
from ...runtime.js.bodies import extract_body
from ...runtime.js.objects import Date
from ...runtime.jsproxy import JsArray, JsObject, option
from ...runtime.workers._headers import JsHeaders
from ...runtime.workers._streams import ReadableStream
from ..accounting import CountedBinding
from . import validation as v
from .multipart import R2MultipartUpload, new_upload_id
from .objects import R2Object, R2ObjectBody, custom_metadata_of, http_metadata_of
from .store import R2Store, StoredObject


def _ms(value: Any) -> float | None:
    if value is None:
        return None
    return value.getTime() if isinstance(value, Date) else Date(value).getTime()


def _etags(value: Any) -> list[str] | None:
    if value is None:
        return None
    items = list(value) if isinstance(value, list | JsArray) else [value]
    return [str(item).strip().removeprefix("W/").strip('"') for item in items]


def _conditions(only_if: Any) -> dict[str, Any]:
    """``onlyIf`` (an object or a Headers) as etag lists and times in ms."""
    if only_if is None:
        return {}
    if isinstance(only_if, JsHeaders):
        return {
            "etagMatches": _etags(_split(only_if.get("if-match"))),
            "etagDoesNotMatch": _etags(_split(only_if.get("if-none-match"))),
            "uploadedBefore": _ms(only_if.get("if-unmodified-since")),
            "uploadedAfter": _ms(only_if.get("if-modified-since")),
            "seconds": True,
        }
    return {
        "etagMatches": _etags(option(only_if, "etagMatches")),
        "etagDoesNotMatch": _etags(option(only_if, "etagDoesNotMatch")),
        "uploadedBefore": _ms(option(only_if, "uploadedBefore")),
        "uploadedAfter": _ms(option(only_if, "uploadedAfter")),
        "seconds": bool(option(only_if, "secondsGranularity", False)),
    }


def _split(header: str | None) -> list[str] | None:
    return None if header is None else [part for part in header.split(",") if part.strip()]


def _passes(cond: dict[str, Any], item: StoredObject | None) -> bool:
    """RFC 7232's preconditions as R2 evaluates them (miniflare's port of R2's gateway)."""
    matches, not_matches = cond.get("etagMatches"), cond.get("etagDoesNotMatch")
    after, before = cond.get("uploadedAfter"), cond.get("uploadedBefore")
    if item is None:
        return matches is None and after is None
    if_match = matches is None or any(e in ("*", item.etag) for e in matches)
    if_none_match = not_matches is None or not any(e in ("*", item.etag) for e in not_matches)

    def trunc(ms: float) -> float:
        return (ms // 1000) * 1000 if cond.get("seconds") else ms

    modified = trunc(item.uploaded)
    if_modified_since = (
        after is None or trunc(after) < modified or (not_matches is not None and if_none_match)
    )
    if_unmodified_since = (
        before is None or modified < trunc(before) or (matches is not None and if_match)
    )
    return if_match and if_none_match and if_modified_since and if_unmodified_since


def _range(given: Any, size: int) -> tuple[int, int] | None:
    """``range`` (an object or a Headers) as (offset, length); None for the whole object."""
    if given is None:
        return None
    if isinstance(given, JsHeaders):
        header = given.get("range")
        if header is None or not header.startswith("bytes=") or "," in header:
            return None
        start_text, _, end_text = header[len("bytes=") :].strip().partition("-")
        if not start_text:
            suffix = int(end_text) if end_text.isdigit() else 0
            return None if suffix <= 0 else (max(size - suffix, 0), min(suffix, size))
        if not start_text.isdigit() or (end_text and not end_text.isdigit()):
            return None
        start = int(start_text)
        end = min(int(end_text), size - 1) if end_text else size - 1
        return None if start > end else (start, end - start + 1)
    offset, length, suffix = (option(given, n) for n in ("offset", "length", "suffix"))
    if suffix is not None:
        if suffix <= 0:
            raise v.r2_error("get", v.INVALID_RANGE)
        suffix = min(int(suffix), size)
        offset, length = size - suffix, suffix
    offset = 0 if offset is None else int(offset)
    length = size - offset if length is None else int(length)
    if offset < 0 or offset > size or length <= 0:
        raise v.r2_error("get", v.INVALID_RANGE)
    return offset, min(length, size - offset)


def _whole(item: StoredObject) -> dict[str, int]:
    return {"offset": 0, "length": item.size}


class R2Bucket(CountedBinding):
    """``env.<binding>`` for an ``r2_buckets`` entry."""

    # workerd's class name for it: the SDK decides by it what to wrap.
    js_name: ClassVar[str] = "R2Bucket"

    def __init__(
        self,
        binding_name: str,
        store: R2Store,
        *,
        clock: Clock,
        faults: FaultInjector | None = None,
    ) -> None:
        super().__init__(binding_name, faults)
        self.store = store
        self.clock = clock

    def _send(self, kind: OpKind, op: str) -> None:
        if self._count(kind):
            raise v.r2_error(op, v.INTERNAL_ERROR)

    async def head(self, key: Any) -> R2Object | None:
        name = v.check_key("head", key)
        self._send("read", "head")
        item = self.store.head(name)
        return None if item is None else R2Object(item, _whole(item))

    async def get(self, key: Any, options: Any = None, **kwargs: Any) -> R2Object | None:
        options = JsObject(kwargs) if kwargs else options
        name = v.check_key("get", key)
        self._send("read", "get")
        item = self.store.head(name)
        if item is None:
            return None
        if not _passes(_conditions(option(options, "onlyIf")), item):
            return R2Object(item, _whole(item))
        span = _range(option(options, "range"), item.size)
        offset, length = span if span is not None else (0, item.size)
        data = self.store.read(name, offset, length) if length else b""
        return R2ObjectBody(item, data, {"offset": offset, "length": length})

    async def put(
        self, key: Any, value: Any, options: Any = None, **kwargs: Any
    ) -> R2Object | None:
        options = JsObject(kwargs) if kwargs else options
        name = v.check_key("put", key)
        data, _ = extract_body(value)
        if isinstance(data, ReadableStream):
            data = await data._read_all()
        data = data or b""
        if len(data) > v.R2_LIMITS.max_value_size:
            raise v.r2_error("put", v.ENTITY_TOO_LARGE)
        custom = custom_metadata_of(option(options, "customMetadata"))
        v.check_custom_metadata("put", custom)
        http = http_metadata_of(option(options, "httpMetadata"))
        self._send("write", "put")
        only_if = option(options, "onlyIf")
        if only_if is not None and not _passes(_conditions(only_if), self.store.head(name)):
            return None
        item = StoredObject(
            key=name,
            version=uuid.uuid4().hex,
            size=len(data),
            etag=hashlib.md5(data, usedforsecurity=False).hexdigest(),
            uploaded=int(self.clock.now() * 1000),
            http_metadata=http,
            custom_metadata=custom,
        )
        self.store.put(item, data)
        return R2Object(item)

    async def delete(self, keys: Any) -> None:
        items = list(keys) if isinstance(keys, list | JsArray) else [keys]
        names = [v.check_key("delete", k) for k in items]
        self._send("delete", "delete")
        self.store.delete(names)

    async def list(self, options: Any = None, **kwargs: Any) -> JsObject:
        options = JsObject(kwargs) if kwargs else options
        limit = v.check_limit(option(options, "limit"))
        prefix = str(option(options, "prefix") or "")
        delimiter = option(options, "delimiter")
        cursor = option(options, "cursor")
        after = str(option(options, "startAfter") or "")
        include = list(option(options, "include") or [])
        if cursor:
            after = max(after, base64.urlsafe_b64decode(str(cursor) + "==").decode())
        self._send("list", "list")
        objects: list[R2Object] = []
        prefixes: list[str] = []
        last = after
        truncated = False
        while True:
            batch = self.store.keys_after(prefix, last, limit + 1)
            for item in batch:
                if len(objects) + len(prefixes) == limit:
                    truncated = True
                    break
                rest = item.key[len(prefix) :]
                if delimiter and str(delimiter) in rest:
                    group = prefix + rest[: rest.index(str(delimiter)) + len(str(delimiter))]
                    if group not in prefixes:
                        prefixes.append(group)
                    last = item.key
                    continue
                objects.append(self._listed(item, include))
                last = item.key
            if truncated or len(batch) < limit + 1:
                break
        out: dict[str, Any] = {
            "objects": JsArray(objects),
            "truncated": truncated,
            "delimitedPrefixes": JsArray(prefixes),
        }
        if truncated:
            out["cursor"] = base64.urlsafe_b64encode(last.encode()).decode().rstrip("=")
        return JsObject(out)

    def _listed(self, item: StoredObject, include: builtins.list[str]) -> R2Object:
        http = item.http_metadata if "httpMetadata" in include else {}
        custom = item.custom_metadata if "customMetadata" in include else {}
        return R2Object(
            StoredObject(item.key, item.version, item.size, item.etag, item.uploaded, http, custom)
        )

    async def createMultipartUpload(
        self, key: Any, options: Any = None, **kwargs: Any
    ) -> R2MultipartUpload:
        options = JsObject(kwargs) if kwargs else options
        name = v.check_key("createMultipartUpload", key)
        custom = custom_metadata_of(option(options, "customMetadata"))
        v.check_custom_metadata("createMultipartUpload", custom)
        http = http_metadata_of(option(options, "httpMetadata"))
        self._send("write", "createMultipartUpload")
        upload_id = new_upload_id()
        self.store.create_upload(upload_id, name, http, custom)
        return R2MultipartUpload(self, name, upload_id)

    def resumeMultipartUpload(self, key: Any, uploadId: str) -> R2MultipartUpload:
        """A handle on an upload (nothing is checked until it is used, as in workerd)."""
        return R2MultipartUpload(self, v.check_key("resumeMultipartUpload", key), str(uploadId))
