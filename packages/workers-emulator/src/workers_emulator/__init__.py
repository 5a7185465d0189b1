"""An emulated Cloudflare Python Workers runtime for CPython.

``Emulator`` loads a Worker's ``src/entry.py`` unchanged, with KV and Rate Limiting
bindings that behave like the platform's; ``workers-emulator dev`` serves it over HTTP.
"""

from .bindings.kv import KVEntry
from .clock import ManualClock, SystemClock
from .config import ConfigError, WorkerConfig, load_config
from .emulator import Emulator
from .errors import JsException, NotEmulatedError
from .invocation import OpCounts
from .isolate import WorkerLoadError
from .responses import EmulatorResponse
from .scheduled import NoScheduledHandlerError, ScheduledResult
from .testclient import TestClient

__all__ = [
    "ConfigError",
    "Emulator",
    "EmulatorResponse",
    "JsException",
    "KVEntry",
    "ManualClock",
    "NoScheduledHandlerError",
    "NotEmulatedError",
    "OpCounts",
    "ScheduledResult",
    "SystemClock",
    "TestClient",
    "WorkerConfig",
    "WorkerLoadError",
    "load_config",
]
