"""The rate limiter's counter table under many keys: pruning never forgets the current window."""

from __future__ import annotations

from workers_emulator.bindings.ratelimit import RateLimiter
from workers_emulator.clock import ManualClock

NOW = 1_800_000_000


def test_counts_hold_across_more_keys_than_the_prune_floor() -> None:
    clock = ManualClock(NOW)
    limiter = RateLimiter("LIMITER", 2, 60, clock=clock)
    assert all(limiter.hit(f"client-{i}") for i in range(250_000))
    # Every key of the current window is still counted: a second call passes, a third not.
    for i in (0, 120_000, 249_999):
        assert limiter.hit(f"client-{i}") is True
        assert limiter.hit(f"client-{i}") is False
    clock.advance(60)  # a new window: old counters no longer matter, and are dropped in time
    assert all(limiter.hit(f"other-{i}") for i in range(300_000))
    assert len(limiter._windows) < 550_000
    assert limiter.hit("client-0") is True
    limiter.reset()
    assert limiter._windows == {}
