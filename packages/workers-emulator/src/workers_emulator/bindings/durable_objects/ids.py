"""Durable Object ids as workerd makes them: 32 bytes shown as 64 hex digits, the first 16
from the name (an HMAC keyed by the namespace) or random, the last 16 an HMAC of the first,
so an id of another namespace is refused. The key is SHA-256 of the namespace's unique key,
``<worker name>-<class name>`` as miniflare names it, so ids match ``wrangler dev``'s."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from . import validation as v

BASE_LENGTH = 16


class DurableObjectId:
    """``env.NS.idFromName(...)`` and friends: ``toString()``, ``equals()``, ``name``."""

    def __init__(self, raw: bytes, name: str | None) -> None:
        self._raw = raw
        self.name = name

    def toString(self) -> str:
        return self._raw.hex()

    def equals(self, other: object) -> bool:
        return isinstance(other, DurableObjectId) and other._raw == self._raw

    def __eq__(self, other: object) -> bool:
        return self.equals(other)

    def __hash__(self) -> int:
        return hash(self._raw)

    def __str__(self) -> str:
        return self.toString()

    def __repr__(self) -> str:
        return f"DurableObjectId({self.toString()!r})"


class IdFactory:
    """The ids of one namespace."""

    def __init__(self, unique_key: str) -> None:
        self._key = hashlib.sha256(unique_key.encode()).digest()

    def _mac(self, base: bytes) -> bytes:
        return hmac.new(self._key, base, hashlib.sha256).digest()[:BASE_LENGTH]

    def from_name(self, name: str) -> DurableObjectId:
        base = hmac.new(self._key, name.encode(), hashlib.sha256).digest()[:BASE_LENGTH]
        return DurableObjectId(base + self._mac(base), name)

    def unique(self) -> DurableObjectId:
        base = secrets.token_bytes(BASE_LENGTH)
        return DurableObjectId(base + self._mac(base), None)

    def from_string(self, text: str) -> DurableObjectId:
        try:
            raw = bytes.fromhex(text) if len(text) == 64 else b""
        except ValueError:
            raw = b""
        if len(raw) != 32:
            v.type_error(v.INVALID_ID)
        if not hmac.compare_digest(raw[BASE_LENGTH:], self._mac(raw[:BASE_LENGTH])):
            v.type_error(v.ID_OF_OTHER_NAMESPACE)
        return DurableObjectId(raw, None)
