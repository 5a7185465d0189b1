"""The emulator's ``js`` module: the JavaScript globals a Python Worker reaches for.

Names resolve on first use (the stand-ins import each other). A global the runtime has but
the emulator does not provide is a placeholder that raises ``NotEmulatedError`` when used;
a name the runtime does not have either raises AttributeError, as in Pyodide.
"""

from __future__ import annotations

import importlib
from typing import Any

from ...errors import NotEmulatedError

# The SDK stand-in first: its modules and these import each other.
from .. import workers as _workers  # noqa: F401

_HERE = __name__.rpartition(".")[0]  # workers_emulator.runtime

# Each emulated global: (module under runtime/, attribute). No module of this package may
# be named as a global: importing it would set the package attribute of that name.
_GLOBALS: dict[str, tuple[str, str]] = {
    "AbortController": ("js.timers", "AbortController"),
    "AbortSignal": ("js.timers", "AbortSignal"),
    "Array": ("jsproxy", "JsArray"),
    "ArrayBuffer": ("js.buffers", "ArrayBuffer"),
    "Blob": ("js.bodies", "Blob"),
    "Date": ("js.objects", "Date"),
    "Error": ("js.objects", "Error"),
    "File": ("js.bodies", "File"),
    "FormData": ("js.bodies", "FormData"),
    "Headers": ("workers._headers", "JsHeaders"),
    "JSON": ("js.json", "JSON"),
    "Map": ("jsproxy", "JsMap"),
    "Object": ("js.objects", "Object"),
    "Promise": ("js.objects", "JsPromise"),
    "RangeError": ("js.objects", "RangeError"),
    "ReadableStream": ("workers._streams", "ReadableStream"),
    "Request": ("workers.request", "_JsRequest"),
    "Response": ("workers.response", "_JsResponse"),
    "Set": ("jsproxy", "JsSet"),
    "SyntaxError": ("js.objects", "SyntaxError_"),
    "TextDecoder": ("js.buffers", "TextDecoder"),
    "TransformStream": ("js.streams", "TransformStream"),
    "WritableStream": ("js.streams", "WritableStream"),
    "TextEncoder": ("js.buffers", "TextEncoder"),
    "TypeError": ("js.objects", "TypeError_"),
    "URL": ("js.url", "URL"),
    "URLSearchParams": ("js.url", "URLSearchParams"),
    "Uint16Array": ("js.buffers", "Uint16Array"),
    "Uint32Array": ("js.buffers", "Uint32Array"),
    "Uint8Array": ("js.buffers", "Uint8Array"),
    "atob": ("js.functions", "atob"),
    "btoa": ("js.functions", "btoa"),
    "clearInterval": ("js.timers", "clearInterval"),
    "clearTimeout": ("js.timers", "clearTimeout"),
    "console": ("js.console_log", "console"),
    "crypto": ("js.web_crypto", "crypto"),
    "decodeURI": ("js.functions", "decodeURI"),
    "decodeURIComponent": ("js.functions", "decodeURIComponent"),
    "encodeURI": ("js.functions", "encodeURI"),
    "encodeURIComponent": ("js.functions", "encodeURIComponent"),
    "fetch": ("js.functions", "fetch"),
    "performance": ("js.functions", "performance"),
    "queueMicrotask": ("js.timers", "queueMicrotask"),
    "setInterval": ("js.timers", "setInterval"),
    "setTimeout": ("js.timers", "setTimeout"),
    "structuredClone": ("js.functions", "structuredClone"),
}

# Globals of workerd that the emulator does not provide.
NOT_EMULATED: frozenset[str] = frozenset(
    {
        "BigInt",
        "BigInt64Array",
        "BigUint64Array",
        "Boolean",
        "Cache",
        "CacheStorage",
        "CompressionStream",
        "CountQueuingStrategy",
        "CryptoKey",
        "CustomEvent",
        "DOMException",
        "DataView",
        "DecompressionStream",
        "DigestStream",
        "Event",
        "EventSource",
        "EventTarget",
        "FinalizationRegistry",
        "FixedLengthStream",
        "Float32Array",
        "Float64Array",
        "HTMLRewriter",
        "IdentityTransformStream",
        "Int16Array",
        "Int32Array",
        "Int8Array",
        "Intl",
        "Math",
        "MessageChannel",
        "MessagePort",
        "Number",
        "Proxy",
        "Reflect",
        "RegExp",
        "Symbol",
        "String",
        "TextDecoderStream",
        "TextEncoderStream",
        "Uint8ClampedArray",
        "WeakMap",
        "WeakRef",
        "WeakSet",
        "WebSocket",
        "WebSocketPair",
        "caches",
        "connect",
        "navigator",
        "parseFloat",
        "parseInt",
        "reportError",
        "scheduler",
    }
)


class NotEmulated:
    """A JavaScript global the emulator lacks: importing it works, using it raises
    ``NotEmulatedError`` naming it (so a Worker loads and fails only where it needs it)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def _fail(self) -> NotEmulatedError:
        return NotEmulatedError(f"js.{self._name}")

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        raise self._fail()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise self._fail()

    def __repr__(self) -> str:
        return f"<js.{self._name}: not emulated>"


def __getattr__(name: str) -> Any:
    where = _GLOBALS.get(name)
    if where is not None:
        module, attribute = where
        value = getattr(importlib.import_module(f"{_HERE}.{module}"), attribute)
    elif name in NOT_EMULATED:
        value = NotEmulated(name)
    else:
        raise AttributeError(name)
    globals()[name] = value  # resolved once
    return value


def __dir__() -> list[str]:
    return sorted({*_GLOBALS, *NOT_EMULATED})
