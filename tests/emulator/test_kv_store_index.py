"""The in-memory KV store's sorted key index stays what a sort of the live keys gives, through
puts, deletes and expiry purges, so ``list`` answers in key order from any cursor."""

from __future__ import annotations

import bisect
import random

import pytest
from workers_emulator.bindings.kv import KVEntry, MemoryKVStore


@pytest.mark.parametrize("seed", range(5))
def test_memory_store_index_stays_sorted_through_puts_deletes_and_purges(seed: int) -> None:
    rng = random.Random(seed)
    store = MemoryKVStore()
    live: dict[str, float | None] = {}
    now = 1000.0
    for _ in range(400):
        key = f"k{rng.randrange(60):02d}{rng.choice(['', 'x', 'é'])}"
        action = rng.random()
        if action < 0.55:
            expiration = rng.choice([None, now + 5, now + 50])
            store.put(KVEntry(key, b"v", expiration, None))
            live[key] = expiration
        elif action < 0.8:
            store.delete(key)
            live.pop(key, None)
        elif action < 0.9:
            now += 10
            store.purge_expired(now)
            live = {k: e for k, e in live.items() if e is None or e > now}
        else:
            prefix = rng.choice(["", "k0", "k1", "k3"])
            after = rng.choice([None, b"k2", b"k10x"])
            expected = sorted(
                k.encode()
                for k, e in live.items()
                if k.startswith(prefix) and (e is None or e > now)
            )
            if after is not None:
                expected = expected[bisect.bisect_right(expected, after) :]
            got = store.list(now, prefix=prefix, after=after, limit=7)
            assert [e.key.encode() for e in got] == expected[:7]
