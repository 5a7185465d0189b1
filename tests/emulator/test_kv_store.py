"""Stores: SQLite persistence across instances, readers in other connections, byte order."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from workers_emulator.bindings.kv import KVEntry, KVNamespace, MemoryKVStore, SqliteKVStore
from workers_emulator.clock import ManualClock

NOW = 1_800_000_000


def test_sqlite_store_persists_across_instances(tmp_path: Path) -> None:
    path = tmp_path / "kv" / "ns.sqlite"
    clock = ManualClock(NOW)
    kv = KVNamespace("KV", SqliteKVStore(path), clock=clock)

    async def write() -> None:
        await kv.put("license:1", "rec", expiration=NOW + 3600, metadata={"customer": "Ä"})
        await kv.put("validation:1", "t", expirationTtl=60)
        await kv.put("release", b"\x00\xff")

    asyncio.run(write())
    kv.store.close()

    again = SqliteKVStore(path)
    assert again.entries(NOW) == [
        KVEntry("license:1", b"rec", NOW + 3600, {"customer": "Ä"}),
        KVEntry("release", b"\x00\xff", None, None),
        KVEntry("validation:1", b"t", NOW + 60, None),
    ]
    assert [e.key for e in again.entries(NOW + 60)] == ["license:1", "release"]
    assert again.purge_expired(NOW + 60) == 1
    again.close()


def test_sqlite_can_be_read_by_another_connection_while_written(tmp_path: Path) -> None:
    path = tmp_path / "ns.sqlite"
    store = SqliteKVStore(path)
    store.put(KVEntry("a", b"1"))
    stop = threading.Event()

    def writer() -> None:
        i = 0
        while not stop.is_set():
            store.put(KVEntry(f"k{i % 50:02d}", str(i).encode()))
            i += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        reader = sqlite3.connect(path, timeout=0.5)  # a short timeout: readers must not wait
        assert reader.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        for _ in range(200):
            (count,) = reader.execute("SELECT count(*) FROM kv").fetchone()
            assert count >= 1
        other = SqliteKVStore(path)  # as `workers-emulator kv list` would open it
        assert other.get("a", NOW) == KVEntry("a", b"1")
        other.close()
        reader.close()
    finally:
        stop.set()
        thread.join()
        store.close()


def test_both_stores_order_and_page_by_utf8_bytes(tmp_path: Path) -> None:
    keys = ["b", "é", "e", "\uffff", "😀", "a\x00", "a", "ab"]
    for store in (MemoryKVStore(), SqliteKVStore(tmp_path / "o.sqlite")):
        for k in keys:
            store.put(KVEntry(k, b"v"))
        ordered = sorted(keys, key=lambda s: s.encode())
        assert [e.key for e in store.list(NOW)] == ordered
        assert [e.key for e in store.list(NOW, after=b"a", limit=2)] == ordered[1:3]
        assert [e.key for e in store.list(NOW, prefix="a")] == ["a", "a\x00", "ab"]
        assert [e.key for e in store.list(NOW, prefix="a", after=b"a\x00")] == ["ab"]
        assert [e.key for e in store.list(NOW, prefix="b", after=b"a")] == ["b"]
        store.delete("b")
        store.delete("missing")
        assert store.get("b", NOW) is None
        store.close()


def test_stores_hide_expired_entries(tmp_path: Path) -> None:
    for store in (MemoryKVStore(), SqliteKVStore(tmp_path / "e.sqlite")):
        store.put(KVEntry("a", b"v", expiration=NOW + 10))
        assert store.get("a", NOW + 9.9) is not None
        assert store.get("a", NOW + 10) is None
        assert store.list(NOW + 10) == []
        store.close()


READER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], timeout=0.5)
seen = set()
deadline = time.monotonic() + 5
while time.monotonic() < deadline and len(seen) < 3:
    seen.add(conn.execute("SELECT count(*) FROM kv").fetchone()[0])
print(len(seen))
"""


def test_another_process_reads_while_this_one_writes(tmp_path: Path) -> None:
    path = tmp_path / "ns.sqlite"
    store = SqliteKVStore(path)
    store.put(KVEntry("seed", b"1"))
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(path)], stdout=subprocess.PIPE, text=True
    )
    i = 0
    while reader.poll() is None and i < 100_000:
        store.put(KVEntry(f"k{i:06d}", b"v"))
        i += 1
    out, _ = reader.communicate(timeout=10)
    store.close()
    assert reader.returncode == 0
    assert int(out) == 3  # it saw the table grow, without ever being locked out
