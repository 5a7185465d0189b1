"""``crypto``: ``getRandomValues``, ``randomUUID`` and ``subtle.digest`` (other SubtleCrypto
operations raise NotEmulatedError)."""

from __future__ import annotations

import hashlib
import hmac
import os
import uuid
from typing import Any

from ...errors import JsException, NotEmulatedError
from ..jsproxy import JsProxy, option
from .buffers import ArrayBuffer, TypedArray, buffer_bytes

_DIGESTS = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}
_MAX_RANDOM_BYTES = 65536  # the Web Crypto quota per call (64K)


class SubtleCrypto(JsProxy):
    js_name = "SubtleCrypto"

    async def digest(self, algorithm: Any, data: Any) -> ArrayBuffer:
        name = algorithm if isinstance(algorithm, str) else option(algorithm, "name", "")
        digest = _DIGESTS.get(str(name).upper())
        if digest is None:
            raise JsException(
                "NotSupportedError", "Unrecognized or unimplemented digest algorithm requested."
            )
        return ArrayBuffer(hashlib.new(digest, buffer_bytes(data)).digest())

    def timingSafeEqual(self, a: Any, b: Any) -> bool:
        left, right = buffer_bytes(a), buffer_bytes(b)
        if len(left) != len(right):
            raise JsException("TypeError", "Input buffers must have the same byte length")
        return hmac.compare_digest(left, right)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        raise NotEmulatedError(f"crypto.subtle.{name}")


class Crypto(JsProxy):
    js_name = "Crypto"

    def __init__(self) -> None:
        self.subtle = SubtleCrypto()

    def getRandomValues(self, array: TypedArray) -> TypedArray:
        if not isinstance(array, TypedArray):
            raise JsException("TypeError", "getRandomValues() expects an integer typed array")
        if array.byteLength > _MAX_RANDOM_BYTES:
            raise JsException(
                "QuotaExceededError",
                "getRandomValues() only accepts buffers of size <= 64K but provided "
                f"{array.byteLength} bytes.",
            )
        data = os.urandom(array.byteLength)
        array.buffer._writable()[array.byteOffset : array.byteOffset + len(data)] = data
        return array

    def randomUUID(self) -> str:
        return str(uuid.UUID(bytes=os.urandom(16), version=4))


crypto = Crypto()
