"""The release record (``release``), cached per isolate for ``RELEASE_CACHE_SECONDS``."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from pydantic import ValidationError

from license_server.logs import log_event
from license_server.models import Release
from license_server.storage.kv import StorageUnavailable, get_text, put_with_retry
from license_server.storage.layout import RELEASE_KEY

__all__ = ["read_release", "write_release"]


class _CachedRelease(NamedTuple):
    release: Release | None
    fetched_at: int


# Module state lives as long as the isolate; the emulator loads the modules fresh per isolate.
_release_cache: _CachedRelease | None = None


async def read_release(kv: Any, now: int, cache_seconds: int) -> Release | None:
    """At most one read: the release, from this isolate's cache while it is fresh.

    "No release set" is cached too. A failed read serves a stale cached value when there is
    one, otherwise raises :class:`StorageUnavailable`.
    """
    global _release_cache
    cached = _release_cache
    if cached is not None and 0 <= now - cached.fetched_at < cache_seconds:
        return cached.release
    try:
        text = await get_text(kv, RELEASE_KEY, "read_release")
    except StorageUnavailable:
        if cached is not None:
            return cached.release
        raise
    release: Release | None = None
    if text is not None:
        try:
            release = Release.model_validate_json(text)
        except ValidationError:
            log_event("release_record_invalid")
    _release_cache = _CachedRelease(release, now)
    return release


async def write_release(kv: Any, release: Release, now: int) -> None:
    """One write (two on a retry); this isolate's cache sees the new release at once."""
    global _release_cache
    value = json.dumps(release.model_dump(mode="json"), separators=(",", ":"))
    if not await put_with_retry(kv, RELEASE_KEY, value, "write_release"):
        raise StorageUnavailable("write_release")
    _release_cache = _CachedRelease(release, now)
