"""``env.NS``: a Durable Object namespace, its objects and their stubs.

One instance per id, made on its first event and kept for the emulator's life. A stub's
``fetch`` and RPC calls are the object's events: each waits at the object's input gate
(``gates.py``), so they are delivered in the order they were made. What crosses a stub's RPC,
values and errors, is carried as over a service binding (``services/crossing.py``).

Storage operations are counted on the request that causes them, under the namespace's
binding name, and in the namespace's cumulative counters; the shared fault injector may
fail them as a storage outage would. Alarms follow the emulator's clock: ``run_due_alarms``
fires those due (polled while any is pending, except under a ``ManualClock``), retrying a
failed ``alarm()`` with workerd's backoff.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from ...clock import Clock, ManualClock
from ...errors import JsException, NotEmulatedError
from ...faults import FaultInjector
from ...invocation import Invocation, OpKind
from ...runtime.jsproxy import JsObject
from ...runtime.workers._context import sdk_env
from ...runtime.workers.request import Request
from ...runtime.workers.response import FetchResponse
from ..accounting import CountedBinding
from ..services.crossing import crossed_error, rpc_value
from . import validation as v
from .gates import InputGate
from .ids import DurableObjectId, IdFactory
from .limits import DO_LIMITS
from .storage import DurableObjectStorage
from .store import ObjectStore

# Runs one event outside any request (an alarm): the emulator's invocation, clock and logs.
Invoke = Callable[[Callable[[Any], Awaitable[None]]], Awaitable[Any]]
AlarmFailed = Callable[[str, BaseException], None]


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class DurableObjectState:
    """``ctx`` of a Durable Object (the SDK wraps it to add ``abort()``)."""

    def __init__(self, state: ObjectState) -> None:
        self.id = state.id
        self.storage = state.storage
        self._state = state

    def waitUntil(self, awaitable: Any) -> None:
        self._state.background.add(asyncio.ensure_future(awaitable))

    def blockConcurrencyWhile(self, callback: Callable[[], Any]) -> Awaitable[Any]:
        """Run ``callback`` with the gate closed: no event enters until it is done."""
        gate = self._state.gate
        closed_now = gate.try_close()

        async def run() -> Any:
            if not closed_now:
                await gate.close()
            try:
                result = callback()
                return await result if inspect.isawaitable(result) else result
            finally:
                gate.open()

        return asyncio.ensure_future(run())

    def acceptWebSocket(self, *_: Any, **__: Any) -> None:
        raise NotEmulatedError("ctx.acceptWebSocket() (WebSocket hibernation)")

    def getWebSockets(self, *_: Any, **__: Any) -> Any:
        raise NotEmulatedError("ctx.getWebSockets() (WebSocket hibernation)")


class ObjectState:
    """One object: its id, store, storage API, gate, instance and alarm retries."""

    def __init__(self, namespace: DurableObjectNamespace, object_id: DurableObjectId) -> None:
        self.namespace = namespace
        self.id = object_id
        self.store = ObjectStore(namespace.object_path(object_id.toString()))
        self.storage = DurableObjectStorage(self, self.store, namespace.record, namespace.sql)
        self.gate = InputGate()
        self.background: set[asyncio.Future[Any]] = set()
        self.instance: Any = None
        self.alarm_retries = 0
        if self.store.alarm() is not None:
            namespace.alarm_changed(self)

    @property
    def has_alarm_handler(self) -> bool:
        return callable(getattr(self.namespace.object_class(), "alarm", None))

    def alarm_changed(self) -> None:
        self.alarm_retries = 0
        self.namespace.alarm_changed(self)

    def ensure_instance(self) -> Any:
        if self.instance is None:
            cls = self.namespace.object_class()
            self.instance = cls(DurableObjectState(self), sdk_env(self.namespace.env))
        return self.instance


class DurableObjectStub:
    """``env.NS.get(id)``: ``await stub.fetch(...)`` and ``await stub.method(...)``."""

    def __init__(self, state: ObjectState) -> None:
        self._state = state
        self.id = state.id
        self.name = state.id.name

    async def fetch(self, input: Any, init: Any = None, **kwargs: Any) -> FetchResponse:
        state = self._state
        if isinstance(init, JsObject):
            kwargs = {**init.as_object_map(), **kwargs}
        elif isinstance(init, dict):
            kwargs = {**init, **kwargs}
        request = input if isinstance(input, Request) and not kwargs else Request(input, **kwargs)
        state.namespace.record_call()
        instance = state.ensure_instance()
        await state.gate.enter()
        handler = getattr(instance, "fetch", None)
        if not callable(handler):
            raise JsException("Error", "Handler does not export a fetch() function.")
        result = handler(request)
        if inspect.isawaitable(result):
            result = await result
        if not isinstance(result, FetchResponse):
            raise TypeError(
                "Incorrect type for Promise: the Promise did not resolve to 'Response'."
            )
        return FetchResponse(request.url, result.js_response)

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        if name.startswith("_"):
            raise AttributeError(name)
        state = self._state

        async def call(*args: Any, **kwargs: Any) -> Any:
            sent = [rpc_value(a) for a in args]
            named = {k: rpc_value(x) for k, x in kwargs.items()}
            state.namespace.record_call()
            instance = state.ensure_instance()
            await state.gate.enter()
            method = getattr(instance, name, None)
            if not callable(method) or name in ("alarm", "fetch"):
                raise JsException("TypeError", f"Method {name} does not exist")
            try:
                result = method(*sent, **named)
                if inspect.isawaitable(result):
                    result = await result
            except Exception as exc:
                raise crossed_error(exc, enhanced=state.namespace.enhanced_errors) from None
            return rpc_value(result)

        return call


class DurableObjectNamespace(CountedBinding):
    """One ``durable_objects.bindings`` entry of a class this Worker defines.
    ``enhanced_errors``: this Worker's ``enhanced_error_serialization`` (see ``crossed_error``)."""

    def __init__(
        self,
        binding_name: str,
        class_name: str,
        unique_key: str,
        *,
        sql: bool,
        clock: Clock,
        object_path: Callable[[str], Any],
        faults: FaultInjector | None = None,
        enhanced_errors: bool = False,
    ) -> None:
        super().__init__(binding_name, faults)
        self.enhanced_errors = enhanced_errors
        self.class_name = class_name
        self.unique_key = unique_key
        self.sql = sql
        self.clock = clock
        self.object_path = object_path
        self._ids = IdFactory(unique_key)
        self._objects: dict[DurableObjectId, ObjectState] = {}
        self._class: type | None = None
        self.env: Any = None
        self._invoke: Invoke | None = None
        self._alarmed: set[ObjectState] = set()
        self._poller: asyncio.Task[None] | None = None
        self.alarm_failed: AlarmFailed | None = None

    def __repr__(self) -> str:
        return f"<DurableObjectNamespace {self.binding_name} ({self.class_name})>"

    # -- wiring (the emulator, once the Worker is loaded) ---------------------------------

    def attach(self, cls: type, env: Any, invoke: Invoke) -> None:
        self._class, self.env, self._invoke = cls, env, invoke
        self._resume_alarms()

    def _resume_alarms(self) -> None:
        """Pick up the alarms persisted objects had pending when the emulator last stopped."""
        sample = self.object_path("0" * DO_LIMITS.id_hex_digits)
        if sample is None or not sample.parent.is_dir():
            return
        for path in sorted(sample.parent.glob("*.sqlite")):
            try:
                object_id = self._ids.from_string(path.stem)
            except JsException:
                continue  # not one of this namespace's objects
            probe = ObjectStore(path)
            pending = probe.alarm() is not None
            probe.close()
            if pending:
                self.get(object_id)

    def object_class(self) -> type:
        if self._class is None:
            raise JsException("Error", f"Durable Object class {self.class_name} is not loaded")
        return self._class

    # -- accounting -----------------------------------------------------------------------

    def record(self, kind: OpKind) -> None:
        """One storage operation of any of the namespace's objects."""
        if self._count(kind):
            raise JsException("Error", v.FAULT_MESSAGE)

    def record_call(self) -> None:
        """A stub's call leaves the caller's isolate: it counts against its cap."""
        invocation = Invocation.current()
        if invocation is not None and invocation.total >= invocation.max_operations:
            invocation.record(self.binding_name, "read")  # raises the cap's error

    # -- the binding's API ----------------------------------------------------------------

    def idFromName(self, name: Any) -> DurableObjectId:
        return self._ids.from_name(str(name))

    def newUniqueId(self, options: Any = None, **_: Any) -> DurableObjectId:
        return self._ids.unique()

    def idFromString(self, text: Any) -> DurableObjectId:
        return self._ids.from_string(str(text))

    def get(self, object_id: Any, options: Any = None, **_: Any) -> DurableObjectStub:
        if not isinstance(object_id, DurableObjectId):
            v.type_error(
                "Failed to execute 'get' on 'DurableObjectNamespace': parameter 1 is not of "
                "type 'DurableObjectId'."
            )
        # An id made by another namespace's factory: its MAC does not match this one's.
        checked = self._ids.from_string(object_id.toString())
        state = self._objects.get(checked)
        if state is None:
            state = self._objects[checked] = ObjectState(self, object_id)
        return DurableObjectStub(state)

    def getByName(self, name: Any, options: Any = None, **_: Any) -> DurableObjectStub:
        return self.get(self.idFromName(name))

    def jurisdiction(self, name: Any) -> Any:
        raise JsException("Error", "Jurisdiction restrictions are not implemented in workerd.")

    # -- alarms ---------------------------------------------------------------------------

    def alarm_changed(self, state: ObjectState) -> None:
        if state.store.alarm() is None:
            self._alarmed.discard(state)
            return
        self._alarmed.add(state)
        self._start_poller()

    def resume_polling(self) -> None:
        """Poll for the alarms already pending (on the running loop)."""
        if self._alarmed:
            self._start_poller()

    def _start_poller(self) -> None:
        """Poll for due alarms on a running loop; under a ManualClock the caller decides when
        alarms fire (``run_due_alarms``), so that tests stay deterministic."""
        if isinstance(self.clock, ManualClock):
            return
        if self._poller is not None and not self._poller.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        # A fresh context: the poller belongs to no request (nor its clock patch).
        self._poller = loop.create_task(self._poll(), context=contextvars.Context())

    async def _poll(self) -> None:
        loop = asyncio.get_running_loop()
        while self._alarmed:
            pause: asyncio.Future[None] = loop.create_future()
            loop.call_later(0.05, _resolve, pause)
            await pause
            await self.run_due_alarms()

    async def run_due_alarms(self) -> int:
        """Fire every alarm whose time has come on the emulator's clock; how many ran."""
        now_ms = self.clock.now() * 1000
        due = [s for s in self._alarmed if (s.store.alarm() or float("inf")) <= now_ms]
        for state in sorted(due, key=lambda s: s.store.alarm() or 0):
            await self._fire(state)
        return len(due)

    async def _fire(self, state: ObjectState) -> None:
        retry = state.alarm_retries
        state.store.set_alarm(None)  # cleared as it starts; alarm() may set the next one
        self._alarmed.discard(state)
        info = JsObject({"retryCount": retry, "isRetry": retry > 0})

        async def run(_ctx: Any) -> None:
            instance = state.ensure_instance()
            await state.gate.enter()
            handler = instance.alarm
            takes = len(inspect.signature(handler).parameters)
            result = handler(info) if takes else handler()
            if inspect.isawaitable(result):
                await result

        try:
            assert self._invoke is not None
            await self._invoke(run)
        except Exception as exc:
            if self.alarm_failed is not None:
                self.alarm_failed(self.binding_name, exc)
            if retry < DO_LIMITS.alarm_max_retries and state.store.alarm() is None:
                backoff = DO_LIMITS.alarm_first_backoff_seconds * 2**retry
                state.store.set_alarm(self.clock.now() * 1000 + backoff * 1000)
                self._alarmed.add(state)
                state.alarm_retries = retry + 1
                self._start_poller()
            return
        state.alarm_retries = 0
        if state.store.alarm() is not None:
            self._alarmed.add(state)

    # -- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        poller = self._poller
        # A poller whose loop has stopped (a closed test client) is gone with it.
        if poller is not None and not poller.done() and not poller.get_loop().is_closed():
            poller.get_loop().call_soon_threadsafe(poller.cancel)
        for state in self._objects.values():
            state.store.close()
