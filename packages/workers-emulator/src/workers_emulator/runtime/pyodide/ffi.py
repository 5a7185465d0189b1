"""``pyodide.ffi``: conversions between Python and the stand-ins' JavaScript values."""

from __future__ import annotations

from typing import Any

from ... import blocking
from ...errors import JsException, NotEmulatedError
from ..js.buffers import ArrayBuffer, TypedArray
from ..js.objects import JsPromise
from ..jsproxy import (
    ConversionError,
    JsArray,
    JsMap,
    JsNull,
    JsProxy,
    PyProxy,
    create_once_callable,
    create_proxy,
    destroy_proxies,
    jsnull,
    to_js,
)
from ..workers._streams import ReadableStream

IN_BROWSER = False

# Pyodide's names for the kinds of proxy; here the stand-in classes they correspond to.
JsBuffer = TypedArray | ArrayBuffer
JsTypedArray = TypedArray
JsMutableMap = JsMap
JsDoubleProxy = PyProxy
JsCallableDoubleProxy = PyProxy
JsOnceCallable = PyProxy
JsCallable = JsProxy
JsIterable = JsProxy
JsIterator = JsProxy
JsGenerator = JsProxy
JsAsyncIterable = ReadableStream
JsAsyncIterator = JsProxy
JsAsyncGenerator = JsProxy
JsFetchResponse = JsProxy
JsDomElement = JsProxy
JsWeakRef = JsProxy
ToJsConverter = Any


def run_sync(awaitable: Any) -> Any:
    """Block until ``awaitable`` is resolved; its result. Inside a request the handler's
    greenlet waits while the event loop goes on (JSPI's stack switching, here); outside one,
    Pyodide's ``RuntimeError``."""
    return blocking.run_sync(awaitable)


def can_run_sync() -> bool:
    """Whether ``run_sync`` can be called here (inside a request)."""
    return blocking.can_run_sync()


def register_js_module(name: str, jsproxy: Any) -> None:
    raise NotEmulatedError("pyodide.ffi.register_js_module()")


def unregister_js_module(name: str) -> None:
    raise NotEmulatedError("pyodide.ffi.unregister_js_module()")


__all__ = [
    "IN_BROWSER",
    "ConversionError",
    "JsArray",
    "JsAsyncGenerator",
    "JsAsyncIterable",
    "JsAsyncIterator",
    "JsBuffer",
    "JsCallable",
    "JsCallableDoubleProxy",
    "JsDomElement",
    "JsDoubleProxy",
    "JsException",
    "JsFetchResponse",
    "JsGenerator",
    "JsIterable",
    "JsIterator",
    "JsMap",
    "JsMutableMap",
    "JsNull",
    "JsOnceCallable",
    "JsPromise",
    "JsProxy",
    "JsTypedArray",
    "JsWeakRef",
    "ToJsConverter",
    "can_run_sync",
    "create_once_callable",
    "create_proxy",
    "destroy_proxies",
    "jsnull",
    "register_js_module",
    "run_sync",
    "to_js",
    "unregister_js_module",
]
