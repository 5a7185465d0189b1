"""``queues.producers`` and ``queues.consumers`` entries of the Worker's config, as wrangler
reads them (defaults and bounds from ``limits``)."""

from __future__ import annotations

import dataclasses
from typing import Any

from ...compat import compat_enabled
from ...config import BindingConfig, ConfigError, WorkerConfig
from .limits import CONSUMER_DEFAULTS, QUEUE_LIMITS


@dataclasses.dataclass(frozen=True)
class QueueProducerConfig:
    """One producer binding: its name on ``env``, its queue, its default delivery delay."""

    binding: str
    queue: str
    delivery_delay: int | None = None


@dataclasses.dataclass(frozen=True)
class QueueConsumerConfig:
    """The Worker consumes ``queue`` with these settings."""

    queue: str
    max_batch_size: int = CONSUMER_DEFAULTS.max_batch_size
    max_batch_timeout: float = CONSUMER_DEFAULTS.max_batch_timeout
    max_retries: int = CONSUMER_DEFAULTS.max_retries
    dead_letter_queue: str | None = None
    retry_delay: int | None = None


def _number(
    config: WorkerConfig, what: str, options: dict[str, Any], key: str, top: float, whole: bool
) -> Any:
    value = options.get(key)
    if value is None:
        return None
    fits = isinstance(value, int) if whole else isinstance(value, int | float)
    if isinstance(value, bool) or not fits or not 0 <= value <= top:
        kind = "a whole number" if whole else "a number"
        raise ConfigError(f"{config.path}: {what}: `{key}` must be {kind} from 0 to {top:g}")
    return value


def _queue_name(config: WorkerConfig, what: str, options: dict[str, Any], key: str) -> Any:
    value = options.get(key)
    if value is not None and (not isinstance(value, str) or not value):
        raise ConfigError(f"{config.path}: {what}: `{key}` must be a queue name")
    return value


def queue_producer(config: WorkerConfig, entry: BindingConfig) -> QueueProducerConfig:
    """The settings of one ``queues.producers`` binding of ``config``."""
    what = f"queues.producers {entry.name}"
    queue = _queue_name(config, what, entry.options, "queue")
    if queue is None:
        raise ConfigError(f"{config.path}: {what}: `queue` must be a queue name")
    delay = _number(
        config, what, entry.options, "delivery_delay", QUEUE_LIMITS.max_delay_seconds, True
    )
    return QueueProducerConfig(entry.name, queue, delay)


def queue_consumer(config: WorkerConfig, entry: BindingConfig) -> QueueConsumerConfig:
    """The settings of one ``queues.consumers`` entry of ``config`` (``entry.name`` is its
    queue)."""
    what = f"queues.consumers {entry.name}"
    options = entry.options
    limits = QUEUE_LIMITS
    size = _number(config, what, options, "max_batch_size", limits.max_consumer_batch_size, True)
    timeout = _number(
        config, what, options, "max_batch_timeout", limits.max_consumer_batch_timeout, False
    )
    retries = _number(config, what, options, "max_retries", limits.max_consumer_retries, True)
    delay = _number(config, what, options, "retry_delay", limits.max_delay_seconds, True)
    return QueueConsumerConfig(
        queue=entry.name,
        # A batch of 0 messages would never be delivered: taken as 1.
        max_batch_size=max(1, size) if size is not None else CONSUMER_DEFAULTS.max_batch_size,
        max_batch_timeout=(
            float(timeout) if timeout is not None else CONSUMER_DEFAULTS.max_batch_timeout
        ),
        max_retries=retries if retries is not None else CONSUMER_DEFAULTS.max_retries,
        dead_letter_queue=_queue_name(config, what, options, "dead_letter_queue"),
        retry_delay=delay,
    )


def queue_consumers(config: WorkerConfig) -> dict[str, QueueConsumerConfig]:
    """The queues the Worker consumes, by queue name."""
    return {
        b.name: queue_consumer(config, b)
        for b in config.bindings
        if b.kind.key == "queues.consumers"
    }


def queue_producers(config: WorkerConfig) -> dict[str, QueueProducerConfig]:
    """The Worker's producer bindings, by binding name."""
    return {
        b.name: queue_producer(config, b)
        for b in config.bindings
        if b.kind.key == "queues.producers"
    }


@dataclasses.dataclass(frozen=True)
class QueueCompat:
    """The compatibility flags that change what a producer does (workerd's
    ``compatibility-date.capnp``)."""

    json_messages: bool = True  # queues_json_messages: json, not v8, is the default type
    expose_error_codes: bool = False  # queue_expose_error_codes: the broker's code, not status


def queue_compat(config: WorkerConfig) -> QueueCompat:
    """The Queues behaviour the Worker's compatibility date and flags select."""
    return QueueCompat(
        json_messages=compat_enabled(
            config, "queues_json_messages", "no_queues_json_messages", "2024-03-18"
        ),
        expose_error_codes=compat_enabled(
            config, "queue_expose_error_codes", "no_queue_expose_error_codes", "2026-03-12"
        ),
    )


DEFAULT_COMPAT = QueueCompat()
