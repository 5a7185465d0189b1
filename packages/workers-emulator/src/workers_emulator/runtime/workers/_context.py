"""The per-request execution context and environment the runtime hands to a Worker."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
from collections.abc import Awaitable
from typing import Any

# What `workers.env` / `workers.waitUntil` resolve to: the isolate and request being served.
current_env: contextvars.ContextVar[Env | None] = contextvars.ContextVar(
    "workers_emulator_env", default=None
)
current_ctx: contextvars.ContextVar[ExecutionContext | None] = contextvars.ContextVar(
    "workers_emulator_ctx", default=None
)


class Env:
    """``self.env``: bindings, vars and secrets as attributes; a missing one raises
    AttributeError, as reading it from the JS env does."""

    # Kept out of __dict__, which holds the bindings alone.
    __slots__ = ("__dict__", "sdk_wraps_bindings")

    def __init__(self, bindings: dict[str, Any], *, sdk_wraps_bindings: bool = False) -> None:
        # The bindings are the instance's own attributes, so reading one is a plain attribute
        # lookup: through __getattr__ it cost ~1.3 us, and Workers read env on every request.
        # JS lets a Worker write to env too; the write stays in this isolate.
        self.__dict__.update(bindings)
        # Whether the Worker's SDK wraps the storage bindings (``_context.sdk_env``).
        self.sdk_wraps_bindings = sdk_wraps_bindings

    def __getattr__(self, name: str) -> Any:
        # Only reached for a name that is not bound.
        raise AttributeError(name)

    def __dir__(self) -> list[str]:
        return sorted(self.__dict__)

    def __repr__(self) -> str:
        return f"[object Object] ({', '.join(sorted(self.__dict__))})"


def sdk_env(env: Any) -> Any:
    """``env`` as the Worker's SDK hands it to the Worker: wrapped by the SDK 1.9 (from
    compatibility date 2026-04-21, ``rpc._EnvWrapper``), else as it is."""
    if isinstance(env, Env) and env.sdk_wraps_bindings:
        from .rpc import _EnvWrapper

        return _EnvWrapper(env)
    return env


def sdk_batch(env: Any, batch: Any) -> Any:
    """A queue batch as the Worker's SDK hands it to a ``WorkerEntrypoint``'s ``queue()``:
    from the SDK 1.9 on, wrapped as a binding's answer (bodies as Python), else as it is."""
    if isinstance(env, Env) and env.sdk_wraps_bindings:
        from .rpc import _BindingWrapper

        return _BindingWrapper(batch)
    return batch


class ExecutionContext:
    """``self.ctx``: ``waitUntil`` keeps work running after the response is sent."""

    def __init__(self, props: dict[str, Any] | None = None) -> None:
        self.props = props or {}
        self._tasks: list[asyncio.Future[Any]] = []

    def waitUntil(self, other: Awaitable[Any]) -> None:
        if not inspect.isawaitable(other):
            raise TypeError(f"waitUntil() expects an awaitable, got {type(other).__name__}")
        # Start it now, as a JS promise would already be running; on a greenlet of its own, so
        # that blocking calls in it leave the event loop to other requests too.
        from ...blocking import awaited_on_greenlet

        self._tasks.append(asyncio.ensure_future(awaited_on_greenlet(other)))

    def passThroughOnException(self) -> None:
        """Accepted for compatibility; there is no origin to fall through to here."""

    def _take_tasks(self) -> list[asyncio.Future[Any]]:
        tasks, self._tasks = self._tasks, []
        return tasks


def wait_until(other: Awaitable[Any]) -> None:
    """``cloudflare:workers``' ``waitUntil``: extends the request being handled."""
    ctx = current_ctx.get()
    if ctx is None:
        raise RuntimeError("waitUntil() called outside of a request")
    ctx.waitUntil(other)
