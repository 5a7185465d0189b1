"""What crosses a service binding between two Python Workers, as workerd carries it.

RPC values go through the SDK's conversions and a structured clone: the callee gets a copy,
and a whole float an int (Pyodide reads a JavaScript number that is a safe integer as an int).
An error reaches the caller as workerd tunnels it (``crossed_error``). A request's body gets
the ``Content-Length`` workerd frames it with.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

from ...compat import compat_enabled
from ...config import WorkerConfig
from ...errors import JsException
from ...runtime.js.buffers import ArrayBuffer, Uint8Array
from ...runtime.js.objects import Date
from ...runtime.jsproxy import JsArray, JsMap, JsObject, JsSet
from ...runtime.workers.request import Request
from ...runtime.workers.rpc import python_from_rpc, python_to_rpc

MAX_SAFE_INTEGER = 2**53 - 1

# The DOMException names of WebIDL: the emulator raises a DOMException as a JsException so named.
DOM_EXCEPTION_NAMES = frozenset(
    {
        "IndexSizeError", "HierarchyRequestError", "WrongDocumentError", "InvalidCharacterError",
        "NoModificationAllowedError", "NotFoundError", "NotSupportedError", "InvalidStateError",
        "InUseAttributeError", "SyntaxError", "InvalidModificationError", "NamespaceError",
        "InvalidAccessError", "TypeMismatchError", "SecurityError", "NetworkError", "AbortError",
        "URLMismatchError", "QuotaExceededError", "TimeoutError", "InvalidNodeTypeError",
        "DataCloneError", "EncodingError", "NotReadableError", "UnknownError", "ConstraintError",
        "DataError", "TransactionInactiveError", "ReadOnlyError", "VersionError", "OperationError",
        "NotAllowedError", "OptOutError",
    }
)  # fmt: skip

# The error names workerd's legacy tunnelling keeps (jsg's decodeTunneledException): the standard
# JS error types and DOMExceptions; any other arrives as an Error whose message starts with the
# name (observed from workerd 1.20260426, compatibility 2025-06-01).
TUNNELED_NAMES = (
    frozenset({"Error", "TypeError", "RangeError", "SyntaxError", "ReferenceError"})
    | DOM_EXCEPTION_NAMES
)

# Frames of the emulator itself, left out of a Python error's traceback as Pyodide leaves its own.
_PACKAGE = Path(__file__).resolve().parents[2]


def rpc_value(value: Any) -> Any:
    """``value`` as the other Worker receives it over RPC: a copy, converted as the SDK
    converts it on each side (``python_to_rpc``, then ``python_from_rpc``)."""
    return python_from_rpc(_cloned(python_to_rpc(value)))


def _cloned(value: Any) -> Any:
    """A structured clone of a JavaScript value, as Pyodide then shows it to Python."""
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) <= MAX_SAFE_INTEGER else value
    if isinstance(value, JsArray):
        return JsArray(_cloned(v) for v in value)
    if isinstance(value, JsObject):
        return JsObject({k: _cloned(v) for k, v in value.as_object_map().items()})
    if isinstance(value, JsMap):
        return JsMap(JsArray([_cloned(k), _cloned(v)]) for k, v in value.entries())
    if isinstance(value, JsSet):
        return JsSet(_cloned(v) for v in value)
    if isinstance(value, Uint8Array):
        return Uint8Array(value.to_bytes())
    if isinstance(value, ArrayBuffer):
        return ArrayBuffer(value.to_bytes())
    if isinstance(value, Date):
        return Date(value.getTime())
    # Strings, booleans, ints, null; Responses, Requests and stubs are handed over, not copied.
    return value


def enhanced_error_serialization(config: WorkerConfig) -> bool:
    """Whether errors reach this Worker with their own name (workerd's
    ``enhanced_error_serialization``, on from 2026-04-21)."""
    return compat_enabled(
        config, "enhanced_error_serialization", "legacy_error_serialization", "2026-04-21"
    )


def crossed_error(exc: Exception, *, enhanced: bool) -> JsException:
    """What the caller catches when the other Worker's call raised ``exc``.

    A JavaScript error (``js.Error.new(...)`` raised, or a ``JsException`` let through) crosses
    as itself; a Python exception as Pyodide throws it, a ``PythonError`` whose message is the
    traceback (``src/pyodide`` in workerd). The caller sees the name if it is one workerd
    tunnels or if ``enhanced``; otherwise an ``Error`` whose message is ``Name: message``.
    """
    if isinstance(exc, JsException):
        name, message = exc.name, exc.message
    else:
        name, message = "PythonError", _traceback_text(exc)
    if enhanced or name in TUNNELED_NAMES:
        return JsException(name, message)
    return JsException("Error", f"{name}: {message}")


def _traceback_text(exc: BaseException) -> str:
    tb = exc.__traceback__
    while tb is not None and Path(tb.tb_frame.f_code.co_filename).is_relative_to(_PACKAGE):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


def crossing_request(request: Request) -> Request:
    """The request the other Worker receives: a new one that takes the body over (the
    caller's counts as used, as after ``fetch``), with the ``Content-Length`` workerd sends
    for a body of known length."""
    sent = Request(request)
    body = sent.body
    if body is not None and not sent._headers.has("content-length"):
        length = body.known_length
        if length is not None:
            sent._headers.set("content-length", str(length))
    return sent
