"""One isolate: the Worker's modules loaded fresh, with the stand-in ``workers`` module."""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import sys
import types
from pathlib import Path
from typing import Any

from . import blocking, entropy
from .errors import JsException
from .runtime.imports import standin_workers_module as standin_workers_module
from .runtime.imports import worker_imports
from .runtime.workers import entrypoints, request, response
from .runtime.workers._context import (
    Env,
    ExecutionContext,
    current_ctx,
    current_env,
    sdk_batch,
    sdk_env,
)
from .scheduled import ScheduledController

# What workerd throws for a request to an entrypoint class without a fetch() method.
NO_FETCH_MESSAGE = "Handler does not export a fetch() function."
# workerd's answer when a queue delivers to a Worker without a queue handler.
NO_QUEUE_MESSAGE = "Handler does not export a queue() function."


class WorkerLoadError(Exception):
    """The Worker's main module could not be loaded."""


# From this compatibility date on (or with the flag), workerd ignores module-level handlers.
NO_GLOBAL_HANDLERS_DATE = "2025-08-14"


def global_handlers_allowed(compatibility_date: str | None, flags: list[str]) -> bool:
    """Whether module-level ``on_fetch`` / ``on_scheduled`` are the Worker's handlers when it
    has no ``Default`` class (workerd's ``python_no_global_handlers`` compatibility flag)."""
    if "disable_python_no_global_handlers" in flags:
        return True
    if "python_no_global_handlers" in flags:
        return False
    return compatibility_date is None or compatibility_date < NO_GLOBAL_HANDLERS_DATE


# From this compatibility date on (or with the flag), the Worker runs its own
# workers-runtime-sdk, whose env wraps the storage bindings (``_context.sdk_env``).
EXTERNAL_SDK_DATE = "2026-04-21"


def sdk_wraps_bindings(compatibility_date: str | None, flags: list[str]) -> bool:
    """Whether the Worker's SDK is its own ``workers-runtime-sdk`` (workerd's
    ``python_external_sdk`` compatibility flag), which wraps the bindings on ``self.env``."""
    if "disable_python_external_sdk" in flags:
        return False
    if "enable_python_external_sdk" in flags:
        return True
    return compatibility_date is not None and compatibility_date >= EXTERNAL_SDK_DATE


def _top_level_names(directory: Path) -> set[str]:
    """Module and package names importable from ``directory``."""
    names = set()
    for entry in directory.iterdir():
        if entry.is_dir() and entry.name.isidentifier():
            names.add(entry.name)
        elif entry.suffix == ".py" and entry.stem.isidentifier():
            names.add(entry.stem)
    return names


def _purge_modules(directory: Path) -> None:
    """Forget modules from ``directory`` (or shadowing its names) so they load afresh."""
    names = _top_level_names(directory)
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        inside = False
        if file:
            with contextlib.suppress(ValueError, OSError):
                inside = Path(file).resolve().is_relative_to(directory)
        if inside or name.split(".", 1)[0] in names:
            del sys.modules[name]


def _positional_limit(func: Any) -> int | None:
    """How many positional arguments a relaxed call passes ``func``: None for all of them."""
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return None
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(1 for p in params if p.kind in positional)


def exported_classes(module: types.ModuleType, base: type) -> dict[str, type]:
    """The module's public classes deriving from ``base``, by class name, as workerd's
    introspection finds them (``__all__`` if the module has one, else every public name)."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [name for name in dir(module) if not name.startswith("_")]
    found: dict[str, type] = {}
    for name in names:
        value = getattr(module, name, None)
        if isinstance(value, type) and issubclass(value, base) and value is not base:
            found[value.__name__] = value
    return found


class Isolate:
    """The loaded Worker: ``await isolate.fetch(request, ctx)`` runs one request.

    Dispatch follows workerd's Python entrypoint: a class named ``Default`` deriving from
    ``WorkerEntrypoint`` is the Worker's default export (a fresh instance per event); without
    one, the module-level ``on_fetch`` / ``on_scheduled`` functions are its handlers. Other
    exported ``WorkerEntrypoint`` classes are named entrypoints (``entrypoints``). ``fetch`` is
    called "relaxed" (with as many of ``request, env, ctx`` as it takes), as are module-level
    handlers; other entrypoint methods get every argument. Module-level handlers count only
    with ``global_handlers`` (see ``global_handlers_allowed``).
    """

    def __init__(self, main: Path, env: Env, *, global_handlers: bool = True) -> None:
        self.main = main.resolve()
        self.env = env
        blocking.install()
        self.module = self._load()
        classes = exported_classes(self.module, entrypoints.WorkerEntrypoint)
        self.entrypoint: type[entrypoints.WorkerEntrypoint] | None = classes.pop("Default", None)
        # Named entrypoints (exported besides Default), reachable through service bindings.
        self.entrypoints: dict[str, type[entrypoints.WorkerEntrypoint]] = classes
        self.on_fetch: Any = None
        self.on_scheduled: Any = None
        self.on_queue: Any = None
        if self.entrypoint is None and global_handlers:
            # The default export is then the module-level handlers.
            on_fetch = getattr(self.module, "on_fetch", None)
            self.on_fetch = on_fetch if callable(on_fetch) else None
            on_scheduled = getattr(self.module, "on_scheduled", None)
            self.on_scheduled = on_scheduled if callable(on_scheduled) else None
            on_queue = getattr(self.module, "on_queue", None)
            self.on_queue = on_queue if callable(on_queue) else None
        # What a request gets when the default export has no fetch handler.
        self._no_fetch_message = (
            f'Python entrypoint "{self.main.name}" does not export a handler named "on_fetch"'
            if global_handlers and self.entrypoint is None
            else NO_FETCH_MESSAGE
        )
        # Relaxed calls' positional limits, per handler function (inspect is slow per call).
        self._limits: dict[Any, int | None] = {}

    @property
    def has_scheduled(self) -> bool:
        """Whether the Worker handles Cron Triggers (``scheduled`` / ``on_scheduled``)."""
        if self.entrypoint is not None:
            return callable(getattr(self.entrypoint, "scheduled", None))
        return self.on_scheduled is not None

    def _load(self) -> types.ModuleType:
        directory = self.main.parent
        _purge_modules(directory)
        # The Worker's directory is its module root, as in the uploaded bundle.
        with contextlib.suppress(ValueError):
            sys.path.remove(str(directory))
        sys.path.insert(0, str(directory))
        name = self.main.stem
        spec = importlib.util.spec_from_file_location(name, self.main)
        if spec is None or spec.loader is None:
            raise WorkerLoadError(f"cannot load {self.main}")
        module = importlib.util.module_from_spec(spec)
        token = current_env.set(self.env)
        try:
            with worker_imports(directory, module), entropy.refused_at_top_level(str(directory)):
                sys.modules[name] = module
                try:
                    spec.loader.exec_module(module)
                except BaseException:
                    sys.modules.pop(name, None)
                    raise
        finally:
            current_env.reset(token)
        return module

    def _entrypoint_class(self, name: str | None) -> type[entrypoints.WorkerEntrypoint] | None:
        if name is None:
            return self.entrypoint
        try:
            return self.entrypoints[name]
        except KeyError:
            raise LookupError(
                f"{self.main.name} exports no WorkerEntrypoint class named {name!r}"
            ) from None

    async def fetch(
        self, req: request.Request, ctx: ExecutionContext, entrypoint: str | None = None
    ) -> response.FetchResponse:
        """Call the Worker's fetch handler (of the named entrypoint, if given)."""
        cls = self.entrypoint if entrypoint is None else self._entrypoint_class(entrypoint)
        if cls is None:
            if self.on_fetch is None:
                raise JsException("Error", self._no_fetch_message)
            cls, name = None, self.on_fetch
        else:
            name = "fetch"
        # _call inlined: one coroutine less on every request's path.
        env_token = current_env.set(self.env)
        ctx_token = current_ctx.set(ctx)
        try:
            result = await blocking.run_on_greenlet(
                self._run_handler, ctx, cls, name, (req, self.env, ctx), True
            )
        finally:
            current_ctx.reset(ctx_token)
            current_env.reset(env_token)
        if not isinstance(result, response.FetchResponse):
            if isinstance(result, response._JsResponse):
                # A JavaScript Response (asgi.fetch's answer) serves as it is, as in workerd.
                return response.Response(result)
            # workerd's complaint when a handler resolves to something else.
            raise TypeError(
                "Incorrect type for Promise: the Promise did not resolve to 'Response'."
            )
        return result

    async def scheduled(self, controller: ScheduledController, ctx: ExecutionContext) -> None:
        """Call the Worker's scheduled handler (``has_scheduled`` must be true)."""
        args = (controller, self.env, ctx)
        if self.entrypoint is not None:
            await self._call(ctx, self.entrypoint, "scheduled", args, False)
        else:
            await self._call(ctx, None, self.on_scheduled, args, True)

    async def queue(self, batch: Any, ctx: ExecutionContext) -> None:
        """Call the Worker's queue handler on a batch (workerd's error when it has none)."""
        args = (batch, self.env, ctx)
        if self.entrypoint is not None:
            if not callable(getattr(self.entrypoint, "queue", None)):
                raise JsException("Error", NO_QUEUE_MESSAGE)
            # The SDK 1.9 hands an entrypoint's queue() the batch wrapped as a binding's answer.
            args = (sdk_batch(self.env, batch), self.env, ctx)
            await self._call(ctx, self.entrypoint, "queue", args, False)
        elif self.on_queue is not None:
            await self._call(ctx, None, self.on_queue, args, True)
        else:
            raise JsException("Error", NO_QUEUE_MESSAGE)

    async def call(
        self, entrypoint: str | None, method: str, args: tuple[Any, ...], ctx: ExecutionContext
    ) -> Any:
        """An RPC call: ``method`` of a fresh instance of the entrypoint, every argument
        passed (only ``fetch`` is relaxed). A method it lacks is the JavaScript TypeError
        workerd's Python entrypoint wrapper throws."""
        cls = self._entrypoint_class(entrypoint)
        if cls is None or method.startswith("_") or not callable(getattr(cls, method, None)):
            raise JsException("TypeError", f"Method {method} does not exist")
        return await self._call(ctx, cls, method, args, method == "fetch")

    async def _call(
        self,
        ctx: ExecutionContext,
        cls: type[entrypoints.WorkerEntrypoint] | None,
        handler: Any,
        args: tuple[Any, ...],
        relaxed: bool,
    ) -> Any:
        """One event's handler with the invocation's env and ctx current: method ``handler``
        of a fresh instance of ``cls`` (made inside, as the runtime does per event), or the
        module-level function ``handler``. Runs on a greenlet, so that blocking calls in it
        leave the event loop to other requests; its result, awaited if it is awaitable."""
        env_token = current_env.set(self.env)
        ctx_token = current_ctx.set(ctx)
        try:
            return await blocking.run_on_greenlet(
                self._run_handler, ctx, cls, handler, args, relaxed
            )
        finally:
            current_ctx.reset(ctx_token)
            current_env.reset(env_token)

    def _run_handler(
        self,
        ctx: ExecutionContext,
        cls: type[entrypoints.WorkerEntrypoint] | None,
        handler: Any,
        args: tuple[Any, ...],
        relaxed: bool,
    ) -> Any:
        if cls is None:
            func = handler
        else:
            func = getattr(cls(ctx, sdk_env(self.env)), handler, None)
            if not callable(func):  # only fetch gets here without checks
                raise JsException("Error", NO_FETCH_MESSAGE)
        if not relaxed:
            return func(*args)
        key = handler if cls is None else (cls, handler)
        try:
            limit = self._limits[key]
        except KeyError:
            limit = self._limits[key] = _positional_limit(func)
        return func(*args[:limit])
