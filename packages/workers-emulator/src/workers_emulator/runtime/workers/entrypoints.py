"""``workers.WorkerEntrypoint`` and ``workers.handler``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


class WorkerEntrypoint:
    """Base class used to define a Worker Entrypoint."""

    ctx: Any
    env: Any

    def __init__(self, ctx: Any, env: Any):
        self.ctx = ctx
        self.env = env


def handler(func: Callable[..., Any]) -> Callable[..., Any]:
    """Marks a module-level handler (``on_fetch``); the emulator already passes Python
    objects, so there is nothing left to convert."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return wrapper
