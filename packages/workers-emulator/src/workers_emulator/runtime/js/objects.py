"""``Object``, ``Date``, ``Error`` and ``Promise``: the language built-ins Workers call."""

from __future__ import annotations

import asyncio
import datetime
import time
from collections.abc import Callable, Generator, Iterable
from typing import Any

from ...errors import JsException
from ..jsproxy import JsArray, JsMap, JsObject, JsProxy, _JsNull


class _Object(JsProxy):
    js_name = "Object"

    @staticmethod
    def new(*args: Any, **kwargs: Any) -> JsObject:
        return JsObject(kwargs)

    @staticmethod
    def fromEntries(entries: Iterable[Any]) -> JsObject:
        if isinstance(entries, JsMap):
            entries = entries.entries()
        props = {}
        for entry in entries:
            key, value = entry
            props[str(key)] = value
        return JsObject(props)

    @staticmethod
    def _members(obj: Any) -> dict[str, Any]:
        if isinstance(obj, JsObject):
            return obj.as_object_map()
        if isinstance(obj, dict):
            return obj
        if obj is None or isinstance(obj, _JsNull):
            raise JsException("TypeError", "Cannot convert undefined or null to object")
        return {}

    @staticmethod
    def keys(obj: Any) -> JsArray:
        return JsArray(_Object._members(obj))

    @staticmethod
    def values(obj: Any) -> JsArray:
        return JsArray(_Object._members(obj).values())

    @staticmethod
    def entries(obj: Any) -> JsArray:
        return JsArray(JsArray([k, v]) for k, v in _Object._members(obj).items())

    @staticmethod
    def assign(target: JsObject, *sources: Any) -> JsObject:
        for source in sources:
            for key, value in _Object._members(source).items():
                setattr(target, key, value)
        return target


Object = _Object()


class Date(JsProxy):
    """A point in time in epoch milliseconds (``Date.now()`` follows ``time.time()``)."""

    js_name = "Date"

    def __init__(self, value: Any = None) -> None:
        if value is None:
            self._ms = float(int(time.time() * 1000))
        elif isinstance(value, Date):
            self._ms = value._ms
        elif isinstance(value, int | float):
            self._ms = float(value)
        else:
            try:
                parsed = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            except ValueError:
                self._ms = float("nan")
            else:
                if parsed.tzinfo is None:
                    parsed = parsed.replace(tzinfo=datetime.UTC)
                self._ms = parsed.timestamp() * 1000

    @staticmethod
    def now() -> int:
        return int(time.time() * 1000)

    def getTime(self) -> float:
        return self._ms

    def valueOf(self) -> float:
        return self._ms

    def toISOString(self) -> str:
        if self._ms != self._ms:
            raise JsException("RangeError", "Invalid time value")
        moment = datetime.datetime.fromtimestamp(self._ms / 1000, datetime.UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(self._ms % 1000):03d}Z"

    def toJSON(self) -> str | None:
        return None if self._ms != self._ms else self.toISOString()

    def toString(self) -> str:
        moment = datetime.datetime.fromtimestamp(self._ms / 1000, datetime.UTC)
        return moment.strftime("%a %b %d %Y %H:%M:%S GMT+0000 (Coordinated Universal Time)")

    def to_py(self, *, depth: int = -1, default_converter: Any = None) -> Any:
        if default_converter is not None:
            return default_converter(self, lambda v: v, lambda a, b: None)
        return self


class Error(JsProxy, JsException):
    """A JavaScript Error value (``js.Error.new(message)``). As in Pyodide, where a JS error's
    proxy is a ``JsException``, Python can raise it: JavaScript then sees the error itself."""

    js_name = "Error"

    def __init__(self, message: Any = "", options: Any = None) -> None:
        JsException.__init__(self, self.js_name, "" if message is None else str(message))

    def __str__(self) -> str:
        # ``name`` may be set after creation (``error.name = "CustomError"``).
        return f"{self.name}: {self.message}"

    def toString(self) -> str:
        return f"{self.name}: {self.message}" if self.message else self.name

    def as_exception(self) -> JsException:
        return JsException(self.name, self.message)


class TypeError_(Error):
    js_name = "TypeError"


class RangeError(Error):
    js_name = "RangeError"


class SyntaxError_(Error):
    js_name = "SyntaxError"


class JsPromise(JsProxy):
    """A JavaScript Promise: awaitable, with ``then`` / ``catch`` / ``finally_``."""

    js_name = "Promise"

    def __init__(self, awaitable: Any = None) -> None:
        self._future: asyncio.Future[Any] = asyncio.ensure_future(
            awaitable if awaitable is not None else _resolved(None)
        )

    @classmethod
    def new(cls, executor: Callable[..., Any], *args: Any, **kwargs: Any) -> JsPromise:
        future: asyncio.Future[Any] = asyncio.get_event_loop().create_future()

        def resolve(value: Any = None) -> None:
            if not future.done():
                future.set_result(value)

        def reject(reason: Any = None) -> None:
            if not future.done():
                future.set_exception(_as_exception(reason))

        try:
            executor(resolve, reject)
        except Exception as exc:
            reject(exc)
        return cls(future)

    @classmethod
    def resolve(cls, value: Any = None) -> JsPromise:
        return cls(_resolved(value))

    @classmethod
    def reject(cls, reason: Any = None) -> JsPromise:
        async def rejected() -> Any:
            raise _as_exception(reason)

        return cls(rejected())

    @classmethod
    def all(cls, values: Iterable[Any]) -> JsPromise:
        async def gather() -> JsArray:
            return JsArray(await asyncio.gather(*(_awaitable(v) for v in values)))

        return cls(gather())

    def then(self, on_fulfilled: Any = None, on_rejected: Any = None) -> JsPromise:
        async def chained() -> Any:
            try:
                value = await self._future
            except Exception as exc:
                if on_rejected is None:
                    raise
                return await _awaitable(on_rejected(exc))
            return value if on_fulfilled is None else await _awaitable(on_fulfilled(value))

        return JsPromise(chained())

    def catch(self, on_rejected: Any) -> JsPromise:
        return self.then(None, on_rejected)

    def finally_(self, on_finally: Any) -> JsPromise:
        async def chained() -> Any:
            try:
                return await self._future
            finally:
                await _awaitable(on_finally())

        return JsPromise(chained())

    def __await__(self) -> Generator[Any, None, Any]:
        return self._future.__await__()


async def _resolved(value: Any) -> Any:
    return await _awaitable(value)


async def _awaitable(value: Any) -> Any:
    if hasattr(value, "__await__"):
        return await value
    return value


def _as_exception(reason: Any) -> BaseException:
    if isinstance(reason, BaseException):
        return reason
    if isinstance(reason, Error):
        return reason.as_exception()
    return JsException("Error", str(reason))
