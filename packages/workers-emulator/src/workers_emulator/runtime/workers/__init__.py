"""The emulator's stand-in for the Python Workers SDK (``import workers``).

It has every public name and submodule of ``workers-runtime-sdk``, with the same parameters
and behaviour; ``tests/emulator/test_sdk_drift.py`` holds it to that in both directions.
"""

from typing import Any

from ._context import current_env as _current_env
from ._context import sdk_env as _sdk_env
from ._context import wait_until as _wait_until
from .blob import Blob, BlobEnding, BlobValue, File
from .entrypoints import (
    DurableObject,
    WorkerEntrypoint,
    WorkflowEntrypoint,
    handler,
)
from .fetch import fetch
from .formdata import FormData, FormDataValue
from .request import Request
from .response import FetchResponse, Response
from .rpc import python_from_rpc, python_to_rpc
from .types import (
    Body,
    Context,
    FetchKwargs,
    Headers,
    JSBody,
    RequestInitCfProperties,
)
from .utils import import_from_javascript, patch_env

__all__ = [
    "Blob",
    "BlobEnding",
    "BlobValue",
    "Body",
    "Context",
    "DurableObject",
    "FetchKwargs",
    "FetchResponse",
    "File",
    "FormData",
    "FormDataValue",
    "Headers",
    "JSBody",
    "Request",
    "RequestInitCfProperties",
    "Response",
    "WorkerEntrypoint",
    "WorkflowEntrypoint",
    "env",
    "fetch",
    "handler",
    "import_from_javascript",
    "patch_env",
    "python_from_rpc",
    "python_to_rpc",
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
        return _sdk_env(env)
    if key in ("wait_until", "waitUntil"):
        return _wait_until
    raise AttributeError(f"module {__name__!r} has no attribute {key!r}")
