"""R2's limits as data (miniflare's ``R2Limits``, the platform's documented limits)."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class R2Limits:
    max_list_keys: int = 1_000
    max_key_size: int = 1024  # bytes of UTF-8
    max_value_size: int = 5_368_709_120 - 5_242_880  # 5 GiB - 5 MiB
    max_metadata_size: int = 2048  # custom metadata, keys and values in bytes
    min_multipart_part_size: int = 5 * 1024 * 1024  # every part but the last


R2_LIMITS = R2Limits()
