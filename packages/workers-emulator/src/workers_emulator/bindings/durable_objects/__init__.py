"""The Durable Objects binding: ids, stubs, one instance per id behind an input gate, the
storage (key-value, SQL, transactions, alarms) on SQLite, limits and messages."""

from .config import class_backends
from .ids import DurableObjectId
from .limits import DO_LIMITS, DurableObjectLimits
from .namespace import DurableObjectNamespace, DurableObjectState, DurableObjectStub
from .provider import provide_durable_objects
from .storage import DurableObjectStorage

__all__ = [
    "DO_LIMITS",
    "DurableObjectId",
    "DurableObjectLimits",
    "DurableObjectNamespace",
    "DurableObjectState",
    "DurableObjectStorage",
    "DurableObjectStub",
    "class_backends",
    "provide_durable_objects",
]
