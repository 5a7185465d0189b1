"""One isolate: the Worker's modules loaded fresh, with the stand-in ``workers`` module."""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import sys
import types
from pathlib import Path
from typing import Any

from .runtime.imports import standin_workers_module as standin_workers_module
from .runtime.imports import worker_imports
from .runtime.workers import entrypoints, request, response
from .runtime.workers._context import Env, ExecutionContext, current_ctx, current_env
from .scheduled import ScheduledController


class WorkerLoadError(Exception):
    """The Worker's main module could not be loaded or has no fetch handler."""


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


def _positional_arity(func: Any) -> int:
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return 3
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return 3
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return min(3, sum(1 for p in params if p.kind in positional))


class Isolate:
    """The loaded Worker: ``await isolate.fetch(request, ctx)`` runs one request."""

    def __init__(self, main: Path, env: Env) -> None:
        self.main = main.resolve()
        self.env = env
        self.module = self._load()
        self.entrypoint: type[entrypoints.WorkerEntrypoint] | None = None
        self.on_fetch: Any = None
        self.on_scheduled: Any = None  # a module-level on_scheduled(controller, env, ctx)
        # How many of (event, env, ctx) the module-level handlers take (unused with Default).
        self._on_fetch_arity = self._on_scheduled_arity = 0
        default = getattr(self.module, "Default", None)
        if isinstance(default, type) and issubclass(default, entrypoints.WorkerEntrypoint):
            if not callable(getattr(default, "fetch", None)):
                raise WorkerLoadError(f"{self.main}: class Default has no fetch() method")
            self.entrypoint = default
        elif callable(getattr(self.module, "on_fetch", None)):
            self.on_fetch = self.module.on_fetch
            self._on_fetch_arity = _positional_arity(self.on_fetch)
            if callable(getattr(self.module, "on_scheduled", None)):
                self.on_scheduled = self.module.on_scheduled
                self._on_scheduled_arity = _positional_arity(self.on_scheduled)
        else:
            raise WorkerLoadError(
                f"{self.main}: no `class Default(WorkerEntrypoint)` with a fetch() method"
            )

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
            with worker_imports(directory, module):
                sys.modules[name] = module
                try:
                    spec.loader.exec_module(module)
                except BaseException:
                    sys.modules.pop(name, None)
                    raise
        finally:
            current_env.reset(token)
        return module

    async def fetch(self, req: request.Request, ctx: ExecutionContext) -> response.FetchResponse:
        """Call the Worker's fetch handler on a fresh entrypoint instance."""
        # Module-level handlers take (request, env) or (request, env, ctx).
        result = await self._call_handler(
            ctx, "fetch", (req,), self.on_fetch, (req, self.env, ctx)[: self._on_fetch_arity]
        )
        if not isinstance(result, response.FetchResponse):
            if not isinstance(result, response._JsResponse):
                # workerd's complaint when a handler resolves to something else.
                raise TypeError(
                    "Incorrect type for Promise: the Promise did not resolve to 'Response'."
                )
            # A JavaScript Response (asgi.fetch's answer) serves as it is, as in workerd.
            result = response.Response(result)
        return result

    async def scheduled(self, controller: ScheduledController, ctx: ExecutionContext) -> None:
        """Call the Worker's scheduled handler (``has_scheduled`` must be true)."""
        # Module-level handlers take (controller, env, ctx) or fewer.
        module_args = (controller, self.env, ctx)[: self._on_scheduled_arity]
        await self._call_handler(
            ctx, "scheduled", (controller, self.env, ctx), self.on_scheduled, module_args
        )

    async def _call_handler(
        self,
        ctx: ExecutionContext,
        method: str,
        method_args: tuple[Any, ...],
        module_handler: Any,
        module_args: tuple[Any, ...],
    ) -> Any:
        """One event's handler, with the invocation's env and ctx current: ``method`` of a fresh
        entrypoint instance (made inside, as the runtime does per event), or the module-level
        handler. Its result, awaited if it is awaitable."""
        env_token = current_env.set(self.env)
        ctx_token = current_ctx.set(ctx)
        try:
            if self.entrypoint is not None:
                instance: Any = self.entrypoint(ctx, self.env)
                result = getattr(instance, method)(*method_args)
            else:
                result = module_handler(*module_args)
            if inspect.isawaitable(result):
                result = await result
            return result
        finally:
            current_ctx.reset(ctx_token)
            current_env.reset(env_token)
