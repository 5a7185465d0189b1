"""The platform's KV limits, in one table (as miniflare's ``KVLimits``)."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class KVLimits:
    """KV limits; sizes are UTF-8 bytes, times seconds."""

    max_key_size: int = 512
    max_value_size: int = 25 * 1024 * 1024
    # Measured on the metadata's JSON serialisation.
    max_metadata_size: int = 1024
    min_expiration_ttl: int = 60
    # An absolute expiration must be at least this far in the future.
    min_expiration_ahead: int = 60
    min_cache_ttl: int = 30
    min_list_keys: int = 1
    max_list_keys: int = 1000
    min_bulk_get_keys: int = 1
    max_bulk_get_keys: int = 100
    # One write per second per key (binding API); faster writes get a 429.
    min_seconds_between_writes: float = 1.0


KV_LIMITS = KVLimits()
