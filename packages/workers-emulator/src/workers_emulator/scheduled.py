"""Cron Triggers: the ``controller`` a ``scheduled`` handler gets, and what one run gives back."""

from __future__ import annotations

import dataclasses
import math
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


# -- the trigger's ?time= parameter, as `wrangler dev` reads it ----------------------------------

# What JavaScript's parseInt skips before the number: WhiteSpace (Zs and TAB, VT, FF, BOM) and
# LineTerminator.
_JS_SPACE = (
    "\t\n\v\f\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_DIGITS = {10: frozenset("0123456789"), 16: frozenset("0123456789abcdefABCDEF")}
# A JavaScript Date holds at most 8.64e15 ms either side of the epoch.
_JS_DATE_LIMIT_MS = 8.64e15
# workerd converts the Date to int64 nanoseconds and refuses what does not fit.
_INT64_LIMIT_NS = 2.0**63


class TriggerTimeError(ValueError):
    """A ``?time=`` that workerd refuses; ``str()`` is its ``TypeError`` line, word for word."""


def js_parse_int(text: str) -> float:
    """JavaScript's ``parseInt(text)``: leading spaces, a sign, ``0x``, then as many digits as
    there are (``"12abc"`` is 12, ``"1.5e3"`` is 1); NaN without a digit."""
    rest = text.lstrip(_JS_SPACE)
    sign = 1.0
    if rest[:1] in ("+", "-") and rest:
        sign = -1.0 if rest[0] == "-" else 1.0
        rest = rest[1:]
    radix = 10
    if rest[:2] in ("0x", "0X"):
        radix, rest = 16, rest[2:]
    allowed = _DIGITS[radix]
    end = 0
    while end < len(rest) and rest[end] in allowed:
        end += 1
    if end == 0:
        return math.nan
    try:
        return sign * float(int(rest[:end], radix))
    except OverflowError:  # more than 308 digits: JavaScript says Infinity
        return sign * math.inf


def trigger_time_ms(value: str) -> int:
    """``scheduledTime`` for a trigger's ``?time=`` value: ``new Date(parseInt(value))`` as
    workerd takes it. Raises ``TriggerTimeError`` with workerd's message where it refuses."""
    millis = js_parse_int(value)
    if not math.isfinite(millis) or abs(millis) > _JS_DATE_LIMIT_MS:
        raise TriggerTimeError(
            "TypeError: The value cannot be converted because it is not a valid Date."
        )
    nanos = millis * 1e6
    if nanos >= _INT64_LIMIT_NS:
        raise TriggerTimeError("TypeError: This API doesn't support dates after 2189.")
    if nanos <= -_INT64_LIMIT_NS:
        raise TriggerTimeError("TypeError: This API doesn't support dates before 1687.")
    return int(millis)  # parseInt gave a whole number; int() also turns -0 into 0
