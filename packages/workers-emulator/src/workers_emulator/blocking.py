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
import contextlib
import functools
import socket
import ssl
import threading
import time
from collections.abc import Awaitable, Callable, Generator
from typing import Any

import greenlet  # type: ignore[import-untyped]

# Messages between the awaiting task and a handler's greenlet.
_SEND, _THROW = 0, 1  # into the greenlet: resume with a value / an exception
_YIELD, _DONE, _RAISED = 2, 3, 4  # out of it: a future to wait on / a result / an exception

# Helper threads for blocking calls: one per call in flight, so a slow origin never queues
# another request's call behind it (the default executor has cpu_count + 4 threads).
MAX_BLOCKING_CALLS = 256
_executor: concurrent.futures.ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


class _Runner(greenlet.greenlet):
    """A pooled greenlet that runs one handler (job) at a time."""

    def __init__(self) -> None:
        super().__init__(self._serve)
        self.caller: greenlet.greenlet | None = None

    def _serve(self, job: Callable[[], Any]) -> None:
        while True:
            try:
                result = job()
                if hasattr(result, "__await__"):
                    result = self._drive(result.__await__())
                reply: tuple[int, Any] = (_DONE, result)
            except BaseException as exc:
                reply = (_RAISED, exc)
            caller, self.caller = self.caller, None
            assert caller is not None
            job = caller.switch(reply)

    def _drive(self, steps: Generator[Any, Any, Any]) -> Any:
        """The awaitable's steps, each yield handed to the task that awaits the job."""
        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                yielded = steps.send(value) if error is None else steps.throw(error)
            except StopIteration as stop:
                return stop.value
            value, error = self.suspend(yielded)

    def suspend(self, yielded: Any) -> tuple[Any, BaseException | None]:
        """Give ``yielded`` to the awaiting task; back with (value, None) or (None, error)."""
        assert self.caller is not None
        kind, payload = self.caller.switch((_YIELD, yielded))
        return (payload, None) if kind == _SEND else (None, payload)

    def wait(self, future: asyncio.Future[Any]) -> Any:
        """Block this greenlet (not the loop) until ``future`` is done; its result."""
        future._asyncio_future_blocking = True  # what `await future` would set
        _, error = self.suspend(future)
        if error is not None:
            raise error
        return future.result()


_pools = threading.local()


def _take_runner() -> _Runner:
    pool: list[_Runner] | None = getattr(_pools, "idle", None)
    if pool:
        return pool.pop()
    return _Runner()


def _give_back(runner: _Runner) -> None:
    pool: list[_Runner] | None = getattr(_pools, "idle", None)
    if pool is None:
        pool = _pools.idle = []
    pool.append(runner)


class _OnGreenlet:
    """``await run_on_greenlet(job)``: the job and the awaitable it returns, on a pooled
    greenlet, driven by the task that awaits this (the iterator ``yield from`` delegates to)."""

    __slots__ = ("_job", "_runner")

    def __init__(self, job: Callable[[], Any]) -> None:
        self._job: Callable[[], Any] | None = job
        self._runner: _Runner | None = None

    def __await__(self) -> _OnGreenlet:
        return self

    def __iter__(self) -> _OnGreenlet:
        return self

    def __next__(self) -> Any:
        return self.send(None)

    def send(self, value: Any) -> Any:
        return self._resume(_SEND, value)

    def throw(self, error: Any, value: Any = None, traceback: Any = None) -> Any:
        if not isinstance(error, BaseException):
            error = error() if value is None else value
        return self._resume(_THROW, error)

    def close(self) -> None:
        if self._runner is not None:
            with contextlib.suppress(GeneratorExit, StopIteration):
                self._resume(_THROW, GeneratorExit())

    def _resume(self, kind: int, payload: Any) -> Any:
        current = greenlet.getcurrent()
        runner = self._runner
        if runner is None:
            job, self._job = self._job, None
            if job is None:
                raise RuntimeError("cannot reuse an already awaited run_on_greenlet()")
            if kind == _THROW:
                raise payload
            runner = self._runner = _take_runner()
            # The task's context: contextvars set by the handler are the task's, as without us.
            runner.gr_context = current.gr_context
            runner.caller = current
            reply, result = runner.switch(job)
        else:
            runner.caller = current
            reply, result = runner.switch((kind, payload))
        if reply == _YIELD:
            return result
        self._runner = None
        _give_back(runner)
        if reply == _DONE:
            raise StopIteration(result)
        raise result


def run_on_greenlet(job: Callable[[], Any]) -> Awaitable[Any]:
    """Call ``job()`` (and await what it returns, if awaitable) on a handler greenlet, where
    blocking calls let the event loop run; awaiting this gives its result."""
    return _OnGreenlet(job)


async def awaited_on_greenlet(awaitable: Awaitable[Any]) -> Any:
    """A coroutine awaiting ``awaitable`` on a handler greenlet (for ``waitUntil`` work)."""
    return await _OnGreenlet(lambda: awaitable)


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
