"""Fault injection, one switch for every binding: a share of operations fails as an outage
would (each binding raises its own service's error, see ``bindings/accounting.py``)."""

from __future__ import annotations

import random
from collections.abc import Iterable

from .invocation import OP_KINDS, OpKind


class FaultInjector:
    """Decides, reproducibly, which operations fail.

    Every operation of a kind in ``ops`` draws one number from a generator seeded with
    ``seed``: the same sequence of operations fails at the same places on every run.
    """

    def __init__(self, rate: float, seed: int | None = 0, ops: Iterable[OpKind] = OP_KINDS) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"fault rate must be within [0, 1], got {rate}")
        kinds = tuple(ops)
        unknown = set(kinds) - set(OP_KINDS)
        if unknown:
            raise ValueError(f"unknown operation kinds: {sorted(unknown)}; use {OP_KINDS}")
        self.rate = rate
        self.seed = seed
        self.ops: frozenset[OpKind] = frozenset(kinds)
        self._rng = random.Random(seed)
        self.injected = 0

    def should_fail(self, kind: OpKind) -> bool:
        """Whether this operation fails (consumes a draw only for the kinds it targets)."""
        if kind not in self.ops or self.rate == 0.0:
            return False
        failed = self._rng.random() < self.rate
        if failed:
            self.injected += 1
        return failed
