"""Per-request accounting of binding operations, and the platform's per-invocation cap."""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
from collections.abc import Awaitable, Callable
from typing import Literal

from .errors import JsException

OpKind = Literal["read", "write", "delete", "list"]
OP_KINDS: tuple[OpKind, ...] = ("read", "write", "delete", "list")

# A Worker invocation may make at most 1000 operations on external services (KV, R2, ...);
# a bulk KV get counts as one. Past that, workerd throws this Error on the next operation.
MAX_OPERATIONS_PER_INVOCATION = 1000
TOO_MANY_OPERATIONS_MESSAGE = "Too many API requests by single worker invocation."


@dataclasses.dataclass
class OpCounts:
    """How many operations of each kind a binding received."""

    reads: int = 0
    writes: int = 0
    deletes: int = 0
    lists: int = 0

    @property
    def total(self) -> int:
        return self.reads + self.writes + self.deletes + self.lists

    def add(self, kind: OpKind, n: int = 1) -> None:
        """Count ``n`` operations of ``kind``."""
        if kind == "read":
            self.reads += n
        elif kind == "write":
            self.writes += n
        else:
            field = _FIELD_OF[kind]
            setattr(self, field, getattr(self, field) + n)

    def copy(self) -> OpCounts:
        return OpCounts(self.reads, self.writes, self.deletes, self.lists)

    def __add__(self, other: OpCounts) -> OpCounts:
        return OpCounts(
            self.reads + other.reads,
            self.writes + other.writes,
            self.deletes + other.deletes,
            self.lists + other.lists,
        )


_FIELD_OF: dict[OpKind, str] = {
    "read": "reads",
    "write": "writes",
    "delete": "deletes",
    "list": "lists",
}

_current: contextvars.ContextVar[Invocation | None] = contextvars.ContextVar(
    "workers_emulator_invocation", default=None
)


class Invocation:
    """One Worker invocation (one request): its operation counts per binding and its cap."""

    __slots__ = ("_cleanups", "_recorded", "max_operations", "ops")  # one per request

    def __init__(self, max_operations: int = MAX_OPERATIONS_PER_INVOCATION) -> None:
        self.max_operations = max_operations
        self.ops: dict[str, OpCounts] = {}
        self._recorded = 0  # the sum over ``ops``, kept as operations are recorded
        # What the invocation holds open until it ends (outbound response bodies).
        self._cleanups: list[Callable[[], Awaitable[object]]] | None = None

    def on_end(self, cleanup: Callable[[], Awaitable[object]]) -> None:
        """Have ``cleanup`` awaited when the invocation ends (after its waitUntil work)."""
        if self._cleanups is None:
            self._cleanups = []
        self._cleanups.append(cleanup)

    async def end(self) -> None:
        """Await every ``on_end`` cleanup; one that fails does not stop the others."""
        cleanups, self._cleanups = self._cleanups or [], None
        for cleanup in cleanups:
            with contextlib.suppress(Exception):
                await cleanup()

    @property
    def total(self) -> int:
        """Operations on every binding so far; the cap applies to this sum."""
        return self._recorded

    def counts(self, binding: str) -> OpCounts:
        """The counts for one binding (zero if it was never used)."""
        counts = self.ops.get(binding)
        return OpCounts() if counts is None else counts.copy()

    def record(self, binding: str, kind: OpKind) -> None:
        """Count one operation, or raise as workerd does once the cap is used up.

        The refused operation is not counted: it never left the isolate.
        """
        if self._recorded >= self.max_operations:
            raise JsException("Error", TOO_MANY_OPERATIONS_MESSAGE)
        counts = self.ops.get(binding)
        if counts is None:
            counts = self.ops[binding] = OpCounts()
        counts.add(kind)
        self._recorded += 1

    @staticmethod
    def current() -> Invocation | None:
        """The invocation of the request being handled, or None outside a request."""
        return _current.get()

    def activate(self) -> _Activation:
        """Make this the current invocation for the block (per asyncio task/context)."""
        return _Activation(self)


class _Activation:
    """``with invocation.activate():`` (a plain class: every request enters one)."""

    __slots__ = ("_invocation", "_token")

    def __init__(self, invocation: Invocation) -> None:
        self._invocation = invocation

    def __enter__(self) -> Invocation:
        self._token = _current.set(self._invocation)
        return self._invocation

    def __exit__(self, *exc_info: object) -> None:
        _current.reset(self._token)
