"""Cron Triggers: the ``controller`` a ``scheduled`` handler gets, and what one run gives back."""

from __future__ import annotations

import dataclasses
from typing import Literal

from .invocation import OpCounts

ScheduledOutcome = Literal["ok", "exception"]


class ScheduledController:
    """What the runtime passes as ``controller`` to ``scheduled(controller, env, ctx)``.

    ``scheduledTime`` is milliseconds since the epoch, a whole number as on the platform.
    """

    __slots__ = ("_no_retry", "cron", "scheduledTime", "type")

    def __init__(self, cron: str, scheduled_time_ms: int) -> None:
        self.cron = cron
        self.scheduledTime = scheduled_time_ms
        self.type = "scheduled"
        self._no_retry = False

    def noRetry(self) -> None:
        """Ask the platform not to retry this event if it fails (recorded, nothing retries
        here)."""
        self._no_retry = True

    def __repr__(self) -> str:
        return f"ScheduledController(cron={self.cron!r}, scheduledTime={self.scheduledTime})"


@dataclasses.dataclass
class ScheduledResult:
    """One Cron Trigger run: ``outcome`` is ``"exception"`` when the handler (or its
    ``waitUntil`` work) raised; the traceback is in the emulator's log lines."""

    outcome: ScheduledOutcome
    kv_ops: dict[str, OpCounts]
    no_retry: bool = False  # the handler called controller.noRetry()
    # What the handler itself raised; None when it returned (even if waitUntil work failed).
    error: BaseException | None = None


class NoScheduledHandlerError(TypeError):
    """The Worker defines no ``scheduled`` handler, so it cannot have Cron Triggers."""
