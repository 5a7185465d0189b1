"""Queues' limits and the consumer defaults local workerd (miniflare's broker) applies, as data."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class QueueLimits:
    max_message_bytes: int = 128 * 1000
    max_batch_messages: int = 100  # sendBatch
    max_batch_bytes: int = (256 + 32) * 1000
    max_delay_seconds: int = 24 * 60 * 60  # 24 hours
    # A consumer without these settings gets miniflare's defaults.
    default_batch_size: int = 5
    default_batch_timeout_seconds: float = 1.0
    default_max_retries: int = 2


QUEUE_LIMITS = QueueLimits()
CONTENT_TYPES = ("text", "json", "bytes", "v8")
