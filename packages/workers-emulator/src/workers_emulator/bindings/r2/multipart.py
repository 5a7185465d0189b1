"""``R2MultipartUpload``: ``uploadPart``, ``complete`` and ``abort`` as workerd's local R2
answers them (miniflare's rules: parts but the last at least 5 MiB and of one size, the
object's ETag the MD5 of the parts' MD5s with ``-<count>``)."""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from typing import TYPE_CHECKING, Any

from ...runtime.js.bodies import extract_body
from ...runtime.jsproxy import JsObject, JsProxy, option
from ...runtime.workers._streams import ReadableStream
from . import validation as v
from .limits import R2_LIMITS
from .objects import R2Object
from .store import StoredObject

if TYPE_CHECKING:
    from .bucket import R2Bucket


def new_upload_id() -> str:
    return base64.urlsafe_b64encode(os.urandom(128)).decode().rstrip("=")


class R2MultipartUpload(JsProxy):
    js_name = "R2MultipartUpload"

    def __init__(self, bucket: R2Bucket, key: str, upload_id: str) -> None:
        self._bucket = bucket
        self.key = key
        self.uploadId = upload_id

    def _in_progress(self, op: str) -> None:
        if self._bucket.store.upload_state(self.key, self.uploadId) != 0:
            raise v.r2_error(op, v.NO_SUCH_UPLOAD)

    async def uploadPart(self, partNumber: int, value: Any, options: Any = None) -> JsObject:
        data, _ = extract_body(value)
        if isinstance(data, ReadableStream):
            data = await data._read_all()
        data = data or b""
        self._bucket._send("write", "uploadPart")
        self._in_progress("uploadPart")
        etag = new_upload_id()
        md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
        self._bucket.store.put_part(self.uploadId, int(partNumber), data, etag, md5)
        return JsObject({"partNumber": int(partNumber), "etag": etag})

    async def abort(self) -> None:
        self._bucket._send("delete", "abortMultipartUpload")
        self._in_progress("abortMultipartUpload")
        self._bucket.store.abort_upload(self.uploadId)

    async def complete(self, uploadedParts: Any) -> R2Object:
        op = "completeMultipartUpload"
        self._bucket._send("write", op)
        store = self._bucket.store
        state = store.upload_state(self.key, self.uploadId)
        if state is None:
            raise v.r2_error(op, v.INTERNAL_ERROR)
        if state != 0:
            raise v.r2_error(op, v.NO_SUCH_UPLOAD)
        chosen = [(int(option(p, "partNumber")), str(option(p, "etag"))) for p in uploadedParts]
        if len({n for n, _ in chosen}) != len(chosen):
            raise v.r2_error(op, v.INTERNAL_ERROR)
        stored = store.parts(self.uploadId)
        parts = []
        for number, etag in chosen:
            found = stored.get(number)
            if found is None or found[0] != etag:
                raise v.r2_error(op, v.INVALID_PART)
            parts.append((number, *found))
        minimum = R2_LIMITS.min_multipart_part_size
        if any(size < minimum for *_, size in parts[:-1]):
            raise v.r2_error(op, v.ENTITY_TOO_SMALL)
        parts.sort()
        sizes = [size for *_, size in parts]
        if sizes[:-1] and (
            any(s < minimum or s != sizes[0] for s in sizes[:-1]) or sizes[-1] > sizes[0]
        ):
            raise v.r2_error(op, v.BAD_UPLOAD)
        digest = hashlib.md5(usedforsecurity=False)
        for _, _, md5, _ in parts:
            digest.update(bytes.fromhex(md5))
        http, custom = store.upload_metadata(self.uploadId)
        item = StoredObject(
            key=self.key,
            version=uuid.uuid4().hex,
            size=sum(sizes),
            etag=f"{digest.hexdigest()}-{len(parts)}",
            uploaded=int(self._bucket.clock.now() * 1000),
            http_metadata=http,
            custom_metadata=custom,
        )
        store.complete_upload(self.uploadId, [n for n, *_ in parts], item)
        return R2Object(item)
