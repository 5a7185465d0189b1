"""Blocking calls inside a request wait without stalling the isolate's other requests.

On the platform a Python Worker may use sync HTTP clients (requests, urllib3, httpx.Client,
urllib): Pyodide suspends the Worker's stack while the call waits (JSPI stack switching) and
the isolate goes on serving other requests. The emulator does the same with greenlets: every
handler runs on a greenlet taken from a per-thread pool (``run_on_greenlet``). A blocking socket
operation, DNS lookup or ``time.sleep`` made on such a greenlet runs in a helper thread while the
greenlet switches back to the event loop, which resumes it when the call is done. Only one
greenlet runs at a time, on the loop's thread: the Worker's code interleaves with other
requests exactly where the platform's would (at awaits and blocking calls), never in parallel.

Outside a handler's greenlet (the event loop's own I/O, the emulator, tests) and for
non-blocking sockets, the patched calls are the originals.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import socket
import ssl
import threading
import time
from collections.abc import Awaitable, Callable, Generator
from types import CoroutineType
from typing import Any

import greenlet  # type: ignore[import-untyped]

# Messages between the awaiting task and a handler's greenlet.
_SEND, _THROW = 0, 1  # into the greenlet: resume with a value / an exception
_YIELD, _DONE, _RAISED = 2, 3, 4  # out of it: a future to wait on / a result / an exception

# Bare yields resumed in a row without the loop running (see _Runner._drive).
MAX_COALESCED_YIELDS = 16

# Helper threads for blocking calls: one per call in flight, so a slow origin never queues
# another request's call behind it (the default executor has cpu_count + 4 threads).
MAX_BLOCKING_CALLS = 256
_executor: concurrent.futures.ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


class _Runner(greenlet.greenlet):
    """A pooled greenlet that runs one handler (job) at a time; ``caller`` is the greenlet
    of the task awaiting it, where every reply goes."""

    def __init__(self) -> None:
        super().__init__(self._serve)
        self.caller: Any = None

    def _serve(self, job: Callable[..., Any], args: tuple[Any, ...]) -> None:
        while True:
            try:
                result = job(*args)
                # A coroutine is driven as it is; another awaitable through its iterator.
                if type(result) is CoroutineType:
                    try:
                        result = self._drive(result, result.send(None))
                    except StopIteration as stop:  # done in one step: the usual case
                        result = stop.value
                elif hasattr(result, "__await__"):
                    steps = result.__await__()
                    try:
                        result = self._drive(steps, steps.send(None))
                    except StopIteration as stop:
                        result = stop.value
                reply: tuple[int, Any] = (_DONE, result)
            except greenlet.GreenletExit:
                raise  # the runner itself is being discarded: let it end
            except BaseException as exc:
                reply = (_RAISED, exc)
            job, args = self.caller.switch(reply)

    def _drive(self, steps: Any, yielded: Any) -> Any:
        """The awaitable's further steps, each yield handed to the task awaiting the job.

        A bare yield (``asyncio.sleep(0)``, the bindings' I/O points) while no other callback
        is ready resumes at once, up to ``MAX_COALESCED_YIELDS`` in a row: handing it to the
        loop would let nobody run at the price of two stack switches (bench/README.md).
        """
        send = steps.send
        # The loop's ready queue (private to asyncio's loops; a loop without one: always yield).
        ready = getattr(asyncio.get_running_loop(), "_ready", None)
        coalesced = 0
        while True:
            # The cap: a handler spinning on sleep(0) still lets timers and I/O come in.
            if (
                yielded is None
                and ready is not None
                and not ready
                and coalesced < MAX_COALESCED_YIELDS
            ):
                coalesced += 1
                kind, payload = _SEND, None
            else:
                coalesced = 0
                kind, payload = self.caller.switch((_YIELD, yielded))
            try:
                yielded = send(payload) if kind == _SEND else steps.throw(payload)
            except StopIteration as stop:
                return stop.value

    def wait(self, future: asyncio.Future[Any]) -> Any:
        """Block this greenlet (not the loop) until ``future`` is done; its result."""
        future._asyncio_future_blocking = True  # what `await future` would set
        kind, payload = self.caller.switch((_YIELD, future))
        if kind == _THROW:
            raise payload
        return future.result()


class _Pool(threading.local):
    """Each thread's idle handler greenlets (a greenlet belongs to the thread that made it)."""

    def __init__(self) -> None:
        self.idle: list[_Runner] = []


_pools = _Pool()


class _Handoff:
    """Awaiting this yields ``value`` (a future, or None for a bare yield) to the task and
    returns what the task resumes with: a handler greenlet's step, passed on."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __await__(self) -> Generator[Any, Any, Any]:
        return (yield self.value)


_getcurrent = greenlet.getcurrent


async def run_on_greenlet(job: Callable[..., Any], *args: Any) -> Any:
    """Call ``job(*args)`` (and await what it returns, if awaitable) on a handler greenlet,
    where blocking calls let the event loop run; its result."""
    current = _getcurrent()
    pool = _pools.idle
    runner = pool.pop() if pool else _Runner()
    # The task's context: contextvars set by the handler are the task's, as without us.
    runner.gr_context = current.gr_context
    runner.caller = current
    kind, value = runner.switch(job, args)
    while kind == _YIELD:
        try:
            sent = await _Handoff(value)
        except BaseException as error:
            runner.caller = _getcurrent()
            kind, value = runner.switch((_THROW, error))
        else:
            runner.caller = _getcurrent()
            kind, value = runner.switch((_SEND, sent))
    pool.append(runner)
    if kind == _DONE:
        return value
    raise value


# Pyodide's refusal when the Python stack cannot be suspended.
NO_STACK_SWITCH = (
    "Cannot stack switch because the Python entrypoint was a synchronous function. "
    "Use pyFunc.callPromising() to fix."
)


def can_run_sync() -> bool:
    """Whether ``run_sync`` can block here: on a handler's greenlet, that is in a request."""
    return type(_getcurrent()) is _Runner


def run_sync(awaitable: Awaitable[Any]) -> Any:
    """Block on ``awaitable`` and return its result, as ``pyodide.ffi.run_sync`` does with
    JSPI: the handler's greenlet is suspended while the event loop serves other requests.
    Outside a handler it raises Pyodide's ``RuntimeError``."""
    runner = _getcurrent()
    if type(runner) is not _Runner:
        raise RuntimeError(NO_STACK_SWITCH)
    steps = awaitable.__await__()
    try:
        first = steps.send(None)
    except StopIteration as stop:  # done without waiting
        return stop.value
    return runner._drive(steps, first)


async def awaited_on_greenlet(awaitable: Awaitable[Any]) -> Any:
    """A coroutine awaiting ``awaitable`` on a handler greenlet (for ``waitUntil`` work)."""
    return await run_on_greenlet(lambda: awaitable)


# -- the blocking calls -----------------------------------------------------------------------


def _blocking_executor() -> concurrent.futures.ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = concurrent.futures.ThreadPoolExecutor(
                MAX_BLOCKING_CALLS, thread_name_prefix="workers-emulator-blocking"
            )
        return _executor


def _in_a_thread(runner: _Runner, call: Callable[[], Any]) -> Any:
    loop = asyncio.get_running_loop()
    return runner.wait(loop.run_in_executor(_blocking_executor(), call))


def _socket_method(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def method(self: socket.socket, *args: Any, **kwargs: Any) -> Any:
        runner = greenlet.getcurrent()
        # A non-blocking socket (the event loop's own) never waits: nothing to hand over.
        if type(runner) is not _Runner or self.gettimeout() == 0.0:
            return original(self, *args, **kwargs)
        return _in_a_thread(runner, lambda: original(self, *args, **kwargs))

    method.__workers_emulator_original__ = original  # type: ignore[attr-defined]
    return method


def _function(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def function(*args: Any, **kwargs: Any) -> Any:
        runner = greenlet.getcurrent()
        if type(runner) is not _Runner:
            return original(*args, **kwargs)
        return _in_a_thread(runner, lambda: original(*args, **kwargs))

    function.__workers_emulator_original__ = original  # type: ignore[attr-defined]
    return function


def _sleep(original: Callable[[Any], None]) -> Callable[[Any], None]:
    @functools.wraps(original)
    def sleep(seconds: Any) -> None:
        runner = greenlet.getcurrent()
        if type(runner) is not _Runner:
            return original(seconds)
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        handle = loop.call_later(max(0.0, seconds), _set_done, future)
        try:
            runner.wait(future)
        finally:
            handle.cancel()
        return None

    sleep.__workers_emulator_original__ = original  # type: ignore[attr-defined]
    return sleep


def _set_done(future: asyncio.Future[Any]) -> None:
    if not future.done():
        future.set_result(None)


_SOCKET_METHODS = (
    "accept",
    "connect",
    "connect_ex",
    "recv",
    "recv_into",
    "recvfrom",
    "recvfrom_into",
    "send",
    "sendall",
    "sendto",
)
_SSL_METHODS = ("do_handshake", "read", "write", "recv", "recv_into", "send", "sendall")
_installed = False
_install_lock = threading.Lock()


def install() -> None:
    """Patch the blocking calls, once per process (outside handler greenlets they are the
    originals)."""
    global _installed
    with _install_lock:
        if _installed:
            return
        for cls, names in ((socket.socket, _SOCKET_METHODS), (ssl.SSLSocket, _SSL_METHODS)):
            for name in names:
                original = cls.__dict__.get(name) or getattr(cls, name)
                setattr(cls, name, _socket_method(original))
        for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex"):
            setattr(socket, name, _function(getattr(socket, name)))
        time.sleep = _sleep(time.sleep)
        _installed = True
