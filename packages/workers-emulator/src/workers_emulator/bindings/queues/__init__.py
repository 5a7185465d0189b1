"""The Queues binding: limits, validation and messages, the broker, the producer binding and
the batch a consumer receives."""

from .batch import BatchAnswer, Message, MessageBatch
from .broker import QueueBroker, QueueDelivery, QueuedMessage
from .config import QueueConsumerConfig, QueueProducerConfig, queue_consumers, queue_producers
from .limits import CONSUMER_DEFAULTS, QUEUE_LIMITS, ConsumerDefaults, QueueLimits
from .producer import Queue
from .provider import provide_queue_consumer, provide_queue_producer, queue_broker

__all__ = [
    "CONSUMER_DEFAULTS",
    "QUEUE_LIMITS",
    "BatchAnswer",
    "ConsumerDefaults",
    "Message",
    "MessageBatch",
    "Queue",
    "QueueBroker",
    "QueueConsumerConfig",
    "QueueDelivery",
    "QueueLimits",
    "QueueProducerConfig",
    "QueuedMessage",
    "provide_queue_consumer",
    "provide_queue_producer",
    "queue_broker",
    "queue_consumers",
    "queue_producers",
]
