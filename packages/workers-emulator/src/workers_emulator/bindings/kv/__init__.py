"""The KV binding: limits, validation, storage and the namespace object."""

from .limits import KV_LIMITS, KVLimits
from .namespace import KVNamespace
from .store import KVEntry, KVStore, MemoryKVStore, SqliteKVStore

__all__ = [
    "KV_LIMITS",
    "KVEntry",
    "KVLimits",
    "KVNamespace",
    "KVStore",
    "MemoryKVStore",
    "SqliteKVStore",
]
