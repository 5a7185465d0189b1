"""``WorkerEntrypoint``, ``DurableObject``, ``WorkflowEntrypoint`` and ``handler``.

A Worker's module defines these classes at import; the emulator instantiates the entrypoint
per event, and a Durable Object class once per id (``bindings/durable_objects``). Workflows
are not run here (their binding is not emulated), but a Worker defining one loads.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ._context import sdk_env


class DurableObjectAbort(BaseException):
    """Raised by ``ctx.abort()`` to stop the Durable Object's code (not an Exception, so
    ``except Exception`` does not swallow it)."""


class DurableObjectContext:
    """``self.ctx`` of a Durable Object: the state object's attributes, plus ``abort()``."""

    def __init__(self, ctx: Any):
        if ctx is self:
            return
        self._ctx = ctx

    def __new__(cls, ctx: Any = None) -> DurableObjectContext:
        # As in the SDK: wrapping a context twice gives the same wrapper.
        return ctx if isinstance(ctx, cls) else object.__new__(cls)

    def __getattr__(self, name: str):
        return getattr(self._ctx, name)

    def abort(self, reason: str | None = None):
        raise DurableObjectAbort(reason or "Durable Object abort requested")


class DurableObject:
    """Base class used to define a Durable Object."""

    ctx: DurableObjectContext
    env: Any

    def __init__(self, ctx: Any, env: Any):
        self.ctx = DurableObjectContext(ctx)
        self.env = env


class WorkerEntrypoint:
    """Base class used to define a Worker Entrypoint."""

    ctx: Any
    env: Any

    def __init__(self, ctx: Any, env: Any):
        self.ctx = ctx
        self.env = env


class WorkflowEntrypoint:
    """Base class used to define a Workflow Entrypoint."""

    ctx: Any
    env: Any

    def __init__(self, ctx: Any, env: Any):
        self.ctx = ctx
        self.env = env


def handler(func: Callable[..., Any]) -> Callable[..., Any]:
    """Marks a module-level handler (``on_fetch``): the emulator already passes a Python
    request; the env is handed over as the Worker's SDK hands it (``_context.sdk_env``)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if len(args) > 1:
            args = (args[0], sdk_env(args[1]), *args[2:])
        return func(*args, **kwargs)

    return wrapper
