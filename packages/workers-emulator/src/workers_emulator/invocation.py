"""Per-request accounting of binding operations, and the platform's per-invocation cap."""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
from collections.abc import Iterator
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
        field = _FIELD_OF[kind]
        setattr(self, field, getattr(self, field) + n)

    def copy(self) -> OpCounts:
        return dataclasses.replace(self)

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

    def __init__(self, max_operations: int = MAX_OPERATIONS_PER_INVOCATION) -> None:
        self.max_operations = max_operations
        self.ops: dict[str, OpCounts] = {}

    @property
    def total(self) -> int:
        """Operations on every binding so far; the cap applies to this sum."""
        return sum(c.total for c in self.ops.values())

    def counts(self, binding: str) -> OpCounts:
        """The counts for one binding (zero if it was never used)."""
        return self.ops.get(binding, OpCounts()).copy()

    def record(self, binding: str, kind: OpKind) -> None:
        """Count one operation, or raise as workerd does once the cap is used up.

        The refused operation is not counted: it never left the isolate.
        """
        if self.total >= self.max_operations:
            raise JsException("Error", TOO_MANY_OPERATIONS_MESSAGE)
        self.ops.setdefault(binding, OpCounts()).add(kind)

    @staticmethod
    def current() -> Invocation | None:
        """The invocation of the request being handled, or None outside a request."""
        return _current.get()

    @contextlib.contextmanager
    def activate(self) -> Iterator[Invocation]:
        """Make this the current invocation for the block (per asyncio task/context)."""
        token = _current.set(self)
        try:
            yield self
        finally:
            _current.reset(token)
