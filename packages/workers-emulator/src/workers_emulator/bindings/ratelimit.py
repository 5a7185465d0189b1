"""The Rate Limiting binding (``[[ratelimits]]`` with ``simple = { limit, period }``).

Window semantics (documented because the platform's are only approximate: counters are
per Cloudflare location and eventually consistent, so a real limiter may let a few extra
calls through or refuse a little early):

- Fixed windows aligned to the clock: a call at time ``t`` falls in the window
  ``floor(t / period)``; each key has one counter per window, and the counter starts at
  zero in each new window.
- ``limit(key=k)`` returns ``{"success": True}`` and counts the call while the key's
  counter for the current window is below ``limit``; otherwise ``{"success": False}``
  and the refused call is not counted.
- One emulator is one location: all requests share the counters, exactly (no slack).

Each ``limit()`` that passes the option checks is one counted write (``CountedBinding``).
"""

from __future__ import annotations

import asyncio
import math
import threading
from typing import Any, ClassVar

from ..clock import Clock
from ..errors import JsException
from ..faults import FaultInjector
from ..jsdict import JsDict
from ..runtime.jsproxy import JsObject
from .accounting import CountedBinding
from .kv.validation import key_to_str

ALLOWED_PERIODS = (10, 60)
# The bucket of calls made without a key (a string no caller can pass as a key).
_NO_KEY = "\x00undefined"
# The counters of past windows are dropped once the table holds this many keys.
_PRUNE_FLOOR = 100_000
# A failing limit() rejects as its subrequest would (miniflare's); it is in the cap, as KV is.
FAULT_MESSAGE = "Network connection lost."


def _check_config(limit: Any, period: Any) -> None:
    # Wrangler's own checks: a positive number (not necessarily an integer), 10 or 60.
    if isinstance(limit, bool) or not isinstance(limit, int | float) or not limit > 0:
        raise ValueError(f'ratelimit: "simple.limit" must be greater than 0 but got {limit!r}.')
    if isinstance(period, bool) or period not in ALLOWED_PERIODS:
        raise ValueError(f'ratelimit: "simple.period" must be either 10 or 60 but got {period!r}.')


class RateLimiter(CountedBinding):
    """One ``[[ratelimits]]`` binding: at most ``limit`` calls per key per ``period`` s.
    ``hit`` is the uncounted way in for tests; the Worker's ``limit()`` counts one write."""

    # workerd's class name for it: the SDK decides by it what to wrap.
    js_name: ClassVar[str] = "Ratelimit"

    def __init__(
        self,
        binding_name: str,
        limit: float,
        period: int,
        *,
        clock: Clock,
        faults: FaultInjector | None = None,
    ) -> None:
        _check_config(limit, period)
        super().__init__(binding_name, faults)
        self.limit_per_period = limit
        self.period = period
        self.clock = clock
        self._windows: dict[str, tuple[int, int]] = {}  # key -> (window index, count)
        self._prune_at = _PRUNE_FLOOR
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<RateLimiter {self.binding_name} {self.limit_per_period}/{self.period}s>"

    async def limit(self, options: Any = None, /, **kwargs: Any) -> JsDict:
        """``await limiter.limit(key="...")`` -> ``{"success": bool}``."""
        await asyncio.sleep(0)
        if options is None:
            if not kwargs:
                raise JsException("Error", "invalid rate limit options")
            opts = kwargs  # the usual call, keywords only: already a fresh dict
        else:
            if isinstance(options, JsObject):  # an object, as the SDK 1.9 sends a dict
                options = options.as_object_map()
            opts = {**options, **kwargs} if isinstance(options, dict) else kwargs
        # As workerd: an absent key is accepted (one shared bucket), a non-string is not.
        key = opts.get("key", _NO_KEY)
        if key is not _NO_KEY and not isinstance(key, str):
            raise JsException("Error", f"invalid key: {key_to_str(key)}")
        if self._count("write"):  # spends budget: a write, as a Queue send is
            raise JsException("Error", FAULT_MESSAGE)
        return JsDict(success=self.hit(key if isinstance(key, str) else _NO_KEY))

    def hit(self, key: str) -> bool:
        """Count one call for ``key`` now; whether it is within the limit."""
        window = math.floor(self.clock.now() / self.period)
        with self._lock:
            current, count = self._windows.get(key, (window, 0))
            if current != window:
                count = 0
            if count >= self.limit_per_period:
                self._windows[key] = (window, count)
                return False
            self._windows[key] = (window, count + 1)
            if len(self._windows) > self._prune_at:
                self._windows = {k: wc for k, wc in self._windows.items() if wc[0] == window}
                # Next prune once the table has doubled: with more keys than the floor in the
                # current window, a fixed threshold would walk the whole table on every call.
                self._prune_at = max(_PRUNE_FLOOR, 2 * len(self._windows))
            return True

    def reset(self) -> None:
        """Forget every counter."""
        with self._lock:
            self._windows.clear()
            self._prune_at = _PRUNE_FLOOR
