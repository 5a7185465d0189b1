"""``python_to_rpc`` / ``python_from_rpc``: Python values across the RPC boundary, as the SDK
converts them (dicts to plain objects, None to null, Response/Request/Blob/FormData to their
JavaScript objects and back, datetimes to Dates)."""

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
from .utils import _is_iterable


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
    value = _replace_none_with_jsnull(value)
    _raise_on_disabled_type(value)
    return to_js(value, default_converter=_to_rpc_converter, dict_converter=Object.fromEntries)
