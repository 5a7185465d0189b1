"""The emulator's stand-in for the Python Workers SDK (``import workers``).

It mirrors the names, parameters and behaviour of ``workers-runtime-sdk`` for what a
Worker's ``fetch`` handler uses; ``tests/emulator/test_sdk_drift.py`` holds it to that.
"""

from typing import Any

from ._context import current_env as _current_env
from ._context import wait_until as _wait_until
from .entrypoints import WorkerEntrypoint, handler
from .fetch import fetch
from .request import Request
from .response import FetchResponse, Response
from .types import (
    Body,
    Context,
    FetchKwargs,
    Headers,
    JSBody,
    RequestInitCfProperties,
)

__all__ = [
    "Body",
    "Context",
    "FetchKwargs",
    "FetchResponse",
    "Headers",
    "JSBody",
    "Request",
    "RequestInitCfProperties",
    "Response",
    "WorkerEntrypoint",
    "env",
    "fetch",
    "handler",
    "waitUntil",
    "wait_until",
]


def __getattr__(key: str) -> Any:
    # `from workers import env` / `waitUntil`: the isolate's env and the current request's
    # context, as `cloudflare:workers` gives them.
    if key == "env":
        env = _current_env.get()
        if env is None:
            raise AttributeError("workers.env is only available inside a Worker")
        return env
    if key in ("wait_until", "waitUntil"):
        return _wait_until
    raise AttributeError(f"module {__name__!r} has no attribute {key!r}")
