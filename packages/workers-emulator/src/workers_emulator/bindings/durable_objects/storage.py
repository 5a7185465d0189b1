"""``ctx.storage``: a Durable Object's key-value API, its transactions and its alarm.

Every call is one storage operation (counted, and open to fault injection, through
``record``). Calls resolve without yielding to the event loop: no other event of the object
runs between a call and its result, as workerd's input gate keeps them out while storage
answers. ``transaction()`` holds the object's gate for its whole closure.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ...errors import JsException
from ...invocation import OpKind
from ...runtime.js.objects import Date
from ...runtime.jsproxy import JsArray, JsMap, JsObject, option
from . import validation as v
from .sql import SqlStorage
from .store import ObjectStore
from .values import deserialize, serialize

if TYPE_CHECKING:
    from .namespace import ObjectState

_KEY_LISTS = (list, tuple, JsArray)


def _entries(value: Any) -> dict[str, Any] | None:
    """``put({...})``'s entries, or None when ``value`` is a single key."""
    if isinstance(value, JsObject):
        return dict(value.as_object_map())
    if isinstance(value, JsMap):
        return {str(k): x for k, x in value.entries()}
    if isinstance(value, dict):
        return dict(value)
    return None


class DurableObjectStorage:
    """The storage of one object; ``DurableObjectTransaction`` shares it inside a transaction."""

    def __init__(
        self, state: ObjectState, store: ObjectStore, record: Callable[[OpKind], None], sql: bool
    ) -> None:
        self._state = state
        self._store = store
        self._record = record
        self._sql = SqlStorage(store, record) if sql else None

    @property
    def sql(self) -> SqlStorage:
        if self._sql is None:
            raise JsException("Error", v.NO_SQL_BACKEND)
        return self._sql

    # -- key-value ------------------------------------------------------------------------

    async def get(self, keys: Any, options: Any = None, **_: Any) -> Any:
        if isinstance(keys, _KEY_LISTS):
            checked = v.check_keys(list(keys))
            self._record("read")
            found = self._store.get(checked)
            return JsMap(JsArray([k, deserialize(found[k])]) for k in sorted(found))
        key = v.check_key(keys)
        self._record("read")
        data = self._store.get([key]).get(key)
        return None if data is None else deserialize(data)

    async def put(self, key_or_entries: Any, value: Any = None, *_: Any, **__: Any) -> None:
        entries = _entries(key_or_entries)
        if entries is None:
            entries = {v.check_key(key_or_entries): value}
        else:
            v.check_keys(list(entries))
        stored = {key: serialize(item) for key, item in entries.items()}
        self._record("write")
        self._store.put(stored)

    async def delete(self, keys: Any, *_: Any, **__: Any) -> Any:
        if isinstance(keys, _KEY_LISTS):
            checked = v.check_keys(list(keys))
            self._record("delete")
            return self._store.delete(checked)
        key = v.check_key(keys)
        self._record("delete")
        return self._store.delete([key]) == 1

    async def list(self, options: Any = None, **kwargs: Any) -> JsMap:
        opts = JsObject(kwargs) if kwargs and options is None else options
        start = option(opts, "start")
        start_after = option(opts, "startAfter")
        end = option(opts, "end")
        prefix = option(opts, "prefix")
        reverse = bool(option(opts, "reverse", False))
        limit = v.check_limit(option(opts, "limit"))
        if start is not None and start_after is not None:
            v.type_error("list() cannot be called with both start and startAfter values.")
        self._record("list")
        rows = self._store.list(
            start=None if start is None else str(start),
            end=None if end is None else str(end),
            prefix=None if prefix is None else str(prefix),
            reverse=reverse,
            limit=None if (limit is None or start_after is not None) else limit,
        )
        if start_after is not None:
            rows = [r for r in rows if r[0] > str(start_after)]
            rows = rows if limit is None else rows[:limit]
        return JsMap(JsArray([k, deserialize(data)]) for k, data in rows)

    async def deleteAll(self, *_: Any, **__: Any) -> None:
        self._record("delete")
        self._store.delete_all()

    async def sync(self) -> None:
        """Writes are durable as soon as they are made here."""

    # -- transactions ---------------------------------------------------------------------

    async def transaction(self, closure: Callable[[Any], Any]) -> Any:
        """Run ``closure(txn)`` atomically: its writes all land, or none if it raises or
        calls ``txn.rollback()``. No other event of this object runs meanwhile."""
        async with self._state.gate.exclusive():
            txn = DurableObjectTransaction(self)
            try:
                with self._store.atomic():
                    result = closure(txn)
                    if inspect.isawaitable(result):
                        result = await result
                    if txn._rolled_back:
                        raise _RolledBack
            except _RolledBack:
                return None
            return result

    def transactionSync(self, closure: Callable[[], Any]) -> Any:
        with self._store.atomic():
            return closure()

    # -- alarm ----------------------------------------------------------------------------

    async def getAlarm(self, *_: Any, **__: Any) -> Any:
        self._record("read")
        at = self._store.alarm()
        return None if at is None else js_ms(at)

    async def setAlarm(self, scheduled_time: Any, *_: Any, **__: Any) -> None:
        if not self._state.has_alarm_handler:
            raise JsException("Error", v.NO_ALARM_HANDLER)
        if isinstance(scheduled_time, Date):
            at = scheduled_time.getTime()
        elif isinstance(scheduled_time, int | float) and not isinstance(scheduled_time, bool):
            at = float(scheduled_time)
        else:
            v.type_error("setAlarm() requires a Date or a number of milliseconds since the epoch")
        self._record("write")
        self._store.set_alarm(at)
        self._state.alarm_changed()

    async def deleteAlarm(self, *_: Any, **__: Any) -> None:
        self._record("delete")
        self._store.set_alarm(None)
        self._state.alarm_changed()


def js_ms(at: float) -> int | float:
    return int(at) if float(at).is_integer() else at


class _RolledBack(Exception):
    pass


class DurableObjectTransaction:
    """``txn`` inside ``storage.transaction()``: the storage's calls, plus ``rollback()``."""

    def __init__(self, storage: DurableObjectStorage) -> None:
        self._storage = storage
        self._rolled_back = False

    def rollback(self) -> None:
        self._rolled_back = True

    def __getattr__(self, name: str) -> Any:
        if name in ("get", "put", "delete", "list", "getAlarm", "setAlarm", "deleteAlarm"):
            return getattr(self._storage, name)
        raise AttributeError(name)
