"""``python_to_rpc`` / ``python_from_rpc``: Python values across the RPC boundary, as the SDK
converts them (dicts to plain objects, None to null, Response/Request/Blob/FormData to their
JavaScript objects and back, datetimes to Dates); and the env the SDK hands a Worker.

From compatibility date 2026-04-21 (``python_external_sdk``) the SDK is the Worker's own
``workers-runtime-sdk`` (1.9), whose env wraps the storage bindings (KV, R2, D1, Queues, Rate
Limiting): arguments go through ``python_to_rpc``, results come back through
``python_from_rpc`` (plain objects as ``JsDict``, arrays as lists, null as None), and objects
a call returns (a D1 statement, an R2 object) are wrapped the same way. Before that date the
runtime's own SDK hands the bindings over as they are (``_context.sdk_env`` chooses, by
``Env.sdk_wraps_bindings``).
"""

from __future__ import annotations

import datetime
import inspect
from typing import Any

from ..js.bodies import Blob as JsBlob
from ..js.bodies import File as JsFile
from ..js.bodies import FormData as JsFormData
from ..js.objects import Date, Error, Object
from ..jsproxy import JsProxy, create_proxy, jsnull, to_js
from .blob import Blob, File
from .formdata import FormData
from .request import Request, _JsRequest
from .response import Response, _JsResponse
from .utils import RESPONSE_ACCEPTED_TYPES, _is_iterable


class JsDict(dict):
    """A dict whose keys can also be read and written as attributes."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        self[name] = value


def _from_rpc_converter(value: Any, convert: Any, cache: Any) -> Any:
    if value is jsnull:
        return None
    if isinstance(value, _JsResponse):
        return Response(value)
    if isinstance(value, JsFormData):
        return FormData(value)
    if isinstance(value, JsFile):
        return File(value, value.name)
    if isinstance(value, JsBlob):
        return Blob(value)
    if isinstance(value, _JsRequest):
        return Request(value)
    if isinstance(value, Date):
        return datetime.datetime.fromtimestamp(value.getTime() / 1000)
    if isinstance(value, Error):
        return Exception(value.toString())
    return value


def _replace_jsnull_with_none(obj: Any) -> Any:
    if obj is jsnull:
        return None
    if isinstance(obj, dict):
        return JsDict({k: _replace_jsnull_with_none(v) for k, v in obj.items()})
    if isinstance(obj, list):
        return [_replace_jsnull_with_none(v) for v in obj]
    return obj


def python_from_rpc(obj: JsProxy):
    """A JavaScript value from RPC as Python: objects to ``JsDict``, null to None, JS
    Response/Request/Blob/File/FormData/Date to the SDK's Python types."""
    if obj is jsnull:
        return None
    if not isinstance(obj, JsProxy):
        return obj
    result = obj.to_py(default_converter=_from_rpc_converter)
    if result is obj:
        result = _from_rpc_converter(obj, None, None)
    return _replace_jsnull_with_none(result)


def _raise_on_disabled_type(value: Any) -> None:
    if isinstance(value, _BindingWrapper):
        return
    if callable(value) and not isinstance(value, type):
        return
    if isinstance(value, tuple | bytearray):
        raise TypeError(f"{type(value)} cannot be sent over RPC.")
    if inspect.isawaitable(value):
        raise TypeError(f"Awaitable {type(value)} cannot be sent over RPC.")
    if isinstance(value, JsProxy):
        return
    if _is_iterable(value):
        for v in value.values() if isinstance(value, dict) else value:
            _raise_on_disabled_type(v)


def _to_rpc_converter(obj: Any, convert: Any, cache: Any) -> Any:
    if obj is None:
        return jsnull
    if isinstance(obj, _BindingWrapper):
        return obj._binding
    if hasattr(obj, "js_object"):
        return obj.js_object
    if isinstance(obj, datetime.datetime):
        return Date(obj.timestamp() * 1000)
    if isinstance(obj, Exception):
        return Error(str(obj))
    if callable(obj) and not isinstance(obj, type):
        return create_proxy(obj)
    _raise_on_disabled_type(obj)
    return obj


def _replace_none_with_jsnull(value: Any) -> Any:
    if value is None:
        return jsnull
    if isinstance(value, dict):
        return {k: _replace_none_with_jsnull(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_none_with_jsnull(v) for v in value]
    return value


def python_to_rpc(value) -> JsProxy:
    """A Python value as RPC sends it: dicts become plain objects, None null, SDK objects
    their JavaScript objects; tuples, bytearrays and awaitables are refused (TypeError)."""
    if value is None:
        return jsnull  # type: ignore[return-value]
    if isinstance(value, _BindingWrapper):
        return value._binding
    value = _replace_none_with_jsnull(value)
    _raise_on_disabled_type(value)
    return to_js(value, default_converter=_to_rpc_converter, dict_converter=Object.fromEntries)


# -- the env of the Worker's own SDK -----------------------------------------------------------

# The bindings the SDK wraps, by JavaScript class name (the emulator's binding classes carry
# the name workerd's objects have); the rest (vars, service bindings, Durable Objects, which
# the emulator already hands over as the SDK shows them) are passed through.
_WRAPPED_BINDINGS = frozenset(
    {
        "KvNamespace",
        "R2Bucket",
        "D1Database",
        "WorkerQueue",
        "Ratelimit",
        "Ai",
        "VectorizeIndexImpl",
        "AnalyticsEngine",
        "AnalyticsEngineDataset",
        "LocalAnalyticsEngineDataset",
        "ImagesBindingImpl",
        "HostedImagesBindingImpl",
    }
)
# JavaScript values a wrapped call hands back as they are (a Response body, Headers).
_PASSED_THROUGH = frozenset(RESPONSE_ACCEPTED_TYPES | {"Headers"})


def _js_class(value: Any) -> str | None:
    """The JavaScript class name of a value (a JsProxy's constructor, a binding's class)."""
    if isinstance(value, JsProxy):
        return value.constructor.name
    return getattr(type(value), "js_name", None)


class _BindingWrapper:
    """A binding, or an object a binding's call returned, as the SDK 1.9 shows it: calls
    convert their arguments to JavaScript and their results to Python."""

    def __new__(cls, binding: Any) -> _BindingWrapper:
        # As in the SDK: wrapping a wrapper gives it back.
        return binding if isinstance(binding, cls) else object.__new__(cls)

    def __init__(self, binding: Any) -> None:
        if binding is self:
            return
        self._binding = binding

    def __getattr__(self, name: str) -> Any:
        if name == "_binding":  # not set yet (a copy being made): not the binding's
            raise AttributeError(name)
        attr = getattr(self._binding, name)
        if callable(attr):

            def call(*args: Any, **kwargs: Any) -> Any:
                return self._invoke(attr, args, kwargs)

            result: Any = call
        else:
            result = _converted(attr)
        setattr(self, name, result)  # the SDK keeps what it looked up
        return result

    def _invoke(self, fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        result = fn(
            *[python_to_rpc(a) for a in args], **{k: python_to_rpc(v) for k, v in kwargs.items()}
        )
        if inspect.isawaitable(result):

            async def converted_when_done() -> Any:
                return _converted(await result)

            return converted_when_done()
        return _converted(result)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, int):
            return _converted(self._binding[key])
        return _converted(getattr(self._binding, key))

    def __iter__(self) -> Any:
        if not hasattr(self._binding, "__iter__"):
            raise TypeError(f"'{_js_class(self._binding)}' object is not iterable")
        for item in self._binding:
            yield _converted(item)

    def __bool__(self) -> bool:
        return self._binding is not None

    def __len__(self) -> int:
        length = getattr(self._binding, "length", None)
        if not isinstance(length, int):
            raise TypeError(f"'{_js_class(self._binding)}' object has no len()")
        return length


class _CallableWrapper(_BindingWrapper):
    """A function a binding's call returned: calling it converts as a method call does."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._invoke(self._binding, args, kwargs)


def _wrapped(value: Any) -> Any:
    name = _js_class(value)
    if not name or name in _PASSED_THROUGH or isinstance(value, _BindingWrapper):
        return value
    return _CallableWrapper(value) if callable(value) else _BindingWrapper(value)


def _converted(result: Any) -> Any:
    """A wrapped call's result: ``python_from_rpc``, then JavaScript objects left over
    wrapped in turn."""
    converted = python_from_rpc(result)
    if isinstance(converted, list):
        return [_wrapped(item) for item in converted]
    return _wrapped(converted)


class _EnvWrapper:
    """The env of the SDK 1.9: the storage bindings wrapped, everything else as it is."""

    def __new__(cls, env: Any) -> _EnvWrapper:
        return env if isinstance(env, cls) else object.__new__(cls)

    def __init__(self, env: Any) -> None:
        if env is self:
            return
        self._env = env

    def __getattr__(self, name: str) -> Any:
        if name == "_env":
            raise AttributeError(name)
        binding = getattr(self._env, name)
        result = _BindingWrapper(binding) if _js_class(binding) in _WRAPPED_BINDINGS else binding
        setattr(self, name, result)
        return result

    def __dir__(self) -> list[str]:
        return dir(self._env)
