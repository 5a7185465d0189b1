"""The accounting every counted binding shares: one operation is counted on the current
request (against its cap), in the binding's cumulative counters, and offered once to the
shared fault injector; the binding raises its own service's error when it is chosen."""

from __future__ import annotations

from ..faults import FaultInjector
from ..invocation import Invocation, OpCounts, OpKind


class CountedBinding:
    """A binding whose operations are counted and can be made to fail (``faults``, set by
    ``Emulator.inject_faults``)."""

    def __init__(self, binding_name: str, faults: FaultInjector | None = None) -> None:
        self.binding_name = binding_name
        self.faults = faults
        self._counters = OpCounts()

    @property
    def counters(self) -> OpCounts:
        """Operations since creation (or the last ``reset_counters()``), in and out of requests."""
        return self._counters.copy()

    def reset_counters(self) -> None:
        self._counters = OpCounts()

    def _count(self, kind: OpKind) -> bool:
        """Count one operation leaving the isolate; whether the injector fails it.

        Past the request's cap the cap's error is raised and nothing is counted; the
        injector draws once per operation, so a seed fails the same operations every run.
        """
        invocation = Invocation.current()
        if invocation is not None:
            invocation.record(self.binding_name, kind)
        self._counters.add(kind)
        return self.faults is not None and self.faults.should_fail(kind)
