"""The Queues binding: producers, the consumer's batches, retries and dead-letter queues."""

from .broker import ConsumerConfig, Message, MessageBatch, QueueBroker
from .limits import QUEUE_LIMITS, QueueLimits
from .producer import Queue
from .provider import provide_queue_consumer, provide_queue_producer

__all__ = [
    "QUEUE_LIMITS",
    "ConsumerConfig",
    "Message",
    "MessageBatch",
    "Queue",
    "QueueBroker",
    "QueueLimits",
    "provide_queue_consumer",
    "provide_queue_producer",
]
