"""Both KV stores against a plain model, under any interleaving of writes, deletes and reads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from workers_emulator.bindings.kv import KVEntry, KVStore, MemoryKVStore, SqliteKVStore

NOW = 1_800_000_000

_keys = st.sampled_from(["a", "ab", "b", "é", "z", "a\x00", "ä", "a/b", "aa", "😀", "Z"])
_ops = st.lists(
    st.one_of(
        st.tuples(
            st.just("put"),
            _keys,
            st.sampled_from([None, NOW - 1, NOW + 100]),
            st.sampled_from([None, {"m": 1}, ["x"]]),
        ),
        st.tuples(st.just("delete"), _keys),
        st.tuples(
            st.just("list"), st.sampled_from(["", "a", "z"]), st.sampled_from([None, "a", "é"])
        ),
        st.tuples(st.just("get"), _keys),
        st.tuples(st.just("purge")),
    ),
    max_size=40,
)


@pytest.fixture(params=["memory", "sqlite"])
def make_store(request: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    stores: list[KVStore] = []

    def make() -> KVStore:
        if request.param == "memory":
            store: KVStore = MemoryKVStore()
        else:
            path = tmp_path_factory.mktemp("kv") / "kv.sqlite"
            store = SqliteKVStore(path)
        stores.append(store)
        return store

    yield make
    for store in stores:
        store.close()


def _live(model: dict[str, KVEntry], now: float) -> list[KVEntry]:
    return sorted((e for e in model.values() if e.is_live(now)), key=lambda e: e.key.encode())


# make_store is a factory: each example makes a fresh store.
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=_ops)
def test_a_store_behaves_as_a_sorted_dict(make_store: Any, ops: list[tuple[Any, ...]]) -> None:
    store = make_store()
    model: dict[str, KVEntry] = {}
    for op in ops:
        if op[0] == "put":
            _, key, expiration, metadata = op
            entry = KVEntry(key, key.encode() * 2, expiration, metadata)
            store.put(entry)
            model[key] = entry
        elif op[0] == "delete":
            store.delete(op[1])
            model.pop(op[1], None)
        elif op[0] == "get":
            expected = model.get(op[1])
            if expected is not None and not expected.is_live(NOW):
                expected = None
            assert store.get(op[1], NOW) == expected
            assert store.get_value(op[1], NOW) == (None if expected is None else expected.value)
        elif op[0] == "list":
            _, prefix, after = op
            after_bytes = None if after is None else after.encode()
            expected_list = [
                e
                for e in _live(model, NOW)
                if e.key.startswith(prefix)
                and (after_bytes is None or e.key.encode() > after_bytes)
            ]
            assert store.list(NOW, prefix=prefix, after=after_bytes, limit=3) == expected_list[:3]
        else:
            dead = [k for k, e in model.items() if not e.is_live(NOW)]
            assert store.purge_expired(NOW) == len(dead)
            for key in dead:
                del model[key]
    assert store.entries(NOW) == _live(model, NOW)


def test_many_new_keys_then_list_and_delete(tmp_path: Path) -> None:
    store = MemoryKVStore()
    keys = [f"validation:{(i * 7919) % 5000:05d}" for i in range(5000)]
    for key in keys:
        store.put(KVEntry(key, b"v"))
    store.delete("validation:00010")
    store.put(KVEntry("validation:00010x", b"v"))
    listed = [e.key for e in store.entries(NOW)]
    assert listed == sorted(set(keys) - {"validation:00010"} | {"validation:00010x"})


_KILLED_WRITER = """
import os, signal, sys
from workers_emulator.bindings.kv import KVEntry, SqliteKVStore

store = SqliteKVStore(sys.argv[1])
store.put(KVEntry("license:1", b"record", None, {"plan": "pro"}))
store.put(KVEntry("license:1", b"record v2", None, {"plan": "team"}))
store.put(KVEntry("validation:1", b"t", 1_900_000_000, None))
print("acknowledged", flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # no close(), no checkpoint, no cleanup
"""


def test_an_acknowledged_put_survives_a_killed_process(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "kv.sqlite"
    child = subprocess.run(
        [sys.executable, "-c", _KILLED_WRITER, str(path)], capture_output=True, text=True
    )
    assert child.stdout == "acknowledged\n", child.stderr
    assert child.returncode == -9
    store = SqliteKVStore(path)
    try:
        assert store.get("license:1", NOW) == KVEntry(
            "license:1", b"record v2", None, {"plan": "team"}
        )
        assert store.get_value("validation:1", NOW) == b"t"
    finally:
        store.close()
