"""Queues' limits and consumer defaults, as data: what `wrangler dev`'s local queue broker
(miniflare, in front of workerd) enforces and assumes."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class QueueLimits:
    """What a producer's ``send``/``sendBatch`` may carry (sizes are serialized bytes: the
    JSON text of a json body); past them the broker refuses and workerd throws."""

    max_message_bytes: int = 128_000
    max_batch_messages: int = 100
    # 256 KB of bodies plus 32 KB for per-message overhead, as the local broker counts it.
    max_batch_bytes: int = 288_000
    # The local broker takes whole seconds up to a day (production documents 12 hours).
    max_delay_seconds: int = 86_400
    max_consumer_batch_size: int = 100
    max_consumer_batch_timeout: float = 60.0
    max_consumer_retries: int = 100


@dataclasses.dataclass(frozen=True)
class ConsumerDefaults:
    """A consumer's settings when its config entry leaves them out. These are wrangler dev's
    (miniflare's); the production documentation says 10 messages, 5 s and 3 retries."""

    max_batch_size: int = 5
    max_batch_timeout: float = 1.0
    max_retries: int = 2


QUEUE_LIMITS = QueueLimits()
CONSUMER_DEFAULTS = ConsumerDefaults()
