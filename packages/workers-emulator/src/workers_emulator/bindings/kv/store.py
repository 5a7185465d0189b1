"""Where KV entries live: in memory, or in SQLite (persisted, readable by other processes).

Stores are dumb: no validation, no limits, no clock. They keep every entry, expired or not,
and filter by the ``now`` they are given, so one store can serve several namespaces' clocks.
Keys sort by their UTF-8 bytes, as the platform's ``list()`` does.
"""

from __future__ import annotations

import bisect
import builtins
import dataclasses
import json
import sqlite3
import threading
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any


@dataclasses.dataclass(frozen=True)
class KVEntry:
    """One stored key: raw value bytes, absolute expiration (epoch s) and parsed metadata."""

    key: str
    value: bytes
    expiration: int | None = None
    metadata: Any = None

    def is_live(self, now: float) -> bool:
        """Whether the entry still exists at ``now`` (it is gone from its expiration second on)."""
        return self.expiration is None or self.expiration > now


class KVStore(ABC):
    """The storage behind one KV namespace."""

    @abstractmethod
    def get(self, key: str, now: float) -> KVEntry | None:
        """The live entry for ``key``, or None."""

    def get_value(self, key: str, now: float) -> bytes | None:
        """The live entry's value alone, or None: what ``KVNamespace.get`` needs (a store can
        skip building the entry and decoding its metadata)."""
        entry = self.get(key, now)
        return None if entry is None else entry.value

    @abstractmethod
    def put(self, entry: KVEntry) -> None:
        """Create or replace an entry, atomically."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove a key (no error if absent)."""

    @abstractmethod
    def list(
        self, now: float, *, prefix: str = "", after: bytes | None = None, limit: int = 1000
    ) -> list[KVEntry]:
        """Up to ``limit`` live entries whose key starts with ``prefix`` and sorts after
        ``after`` (UTF-8 bytes), in byte order."""

    def entries(self, now: float, prefix: str = "") -> builtins.list[KVEntry]:
        """Every live entry, in key order."""
        out: builtins.list[KVEntry] = []
        after: bytes | None = None
        while True:
            page = self.list(now, prefix=prefix, after=after, limit=1000)
            out.extend(page)
            if len(page) < 1000:
                return out
            after = page[-1].key.encode()

    def purge_expired(self, now: float) -> int:
        """Drop expired entries; returns how many. Optional housekeeping."""
        return 0

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release resources."""


class MemoryKVStore(KVStore):
    """A store in a dict plus a key index sorted when it is needed; lost when the process ends.

    New keys are appended to the index and sorted in by the next ``list()`` or ``delete()``:
    inserting each one in place would move the whole index in memory on every new key (a
    heartbeat writes one), while sorting a sorted run plus a few new keys is one linear merge.
    """

    def __init__(self) -> None:
        self._entries: dict[bytes, KVEntry] = {}
        self._order: list[bytes] = []  # every key; sorted unless ``_unsorted``
        self._unsorted = False
        self._lock = threading.Lock()

    def get(self, key: str, now: float) -> KVEntry | None:
        entry = self._entries.get(key.encode())
        return entry if entry is not None and entry.is_live(now) else None

    def get_value(self, key: str, now: float) -> bytes | None:
        entry = self._entries.get(key.encode())
        return entry.value if entry is not None and entry.is_live(now) else None

    def put(self, entry: KVEntry) -> None:
        k = entry.key.encode()
        with self._lock:
            if k not in self._entries:
                self._order.append(k)
                self._unsorted = True
            self._entries[k] = entry

    def _sorted_keys(self) -> list[bytes]:
        """The key index in byte order (lock held)."""
        if self._unsorted:
            self._order.sort()
            self._unsorted = False
        return self._order

    def delete(self, key: str) -> None:
        k = key.encode()
        with self._lock:
            if self._entries.pop(k, None) is not None:
                order = self._sorted_keys()
                order.pop(bisect.bisect_left(order, k))

    def list(
        self, now: float, *, prefix: str = "", after: bytes | None = None, limit: int = 1000
    ) -> list[KVEntry]:
        p = prefix.encode()
        with self._lock:
            order = self._sorted_keys()
            start = bisect.bisect_left(order, p)
            if after is not None:
                start = max(start, bisect.bisect_right(order, after))
            out: list[KVEntry] = []
            for i in range(start, len(order)):  # by index: no copy of the index's tail
                k = order[i]
                if not k.startswith(p) or len(out) >= limit:
                    break
                entry = self._entries[k]
                if entry.is_live(now):
                    out.append(entry)
            return out

    def purge_expired(self, now: float) -> int:
        with self._lock:
            dead = [k for k, e in self._entries.items() if not e.is_live(now)]
            for k in dead:
                del self._entries[k]
            if dead:
                # One pass over the index, not one removal (a memory move) per dead key.
                self._order = [k for k in self._order if k in self._entries]
            return len(dead)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (
    key BLOB PRIMARY KEY,       -- UTF-8 bytes: BLOB comparison is the platform's byte order
    value BLOB NOT NULL,
    expiration INTEGER,         -- epoch seconds, NULL = never
    metadata TEXT               -- JSON, NULL = none
) WITHOUT ROWID;
"""


# The key is the one asked for: not read back (nor decoded) from the row.
_GET = """
SELECT value, expiration, metadata FROM kv
WHERE key = ? AND (expiration IS NULL OR expiration > ?)
"""
_GET_VALUE = "SELECT value FROM kv WHERE key = ? AND (expiration IS NULL OR expiration > ?)"

# An upsert rewrites an existing row in place; INSERT OR REPLACE deleted it and inserted it
# again, touching more of the b-tree (up to twice the time for a rewritten key).
_PUT = """
INSERT INTO kv (key, value, expiration, metadata) VALUES (?, ?, ?, ?)
ON CONFLICT (key) DO UPDATE
SET value = excluded.value, expiration = excluded.expiration, metadata = excluded.metadata
"""

# Keys are never empty, so "key > X''" holds for all of them when there is no cursor.
_LIST = """
SELECT key, value, expiration, metadata FROM kv
WHERE key >= ? AND key > ? AND substr(key, 1, ?) = ?
  AND (expiration IS NULL OR expiration > ?)
ORDER BY key LIMIT ?
"""


class SqliteKVStore(KVStore):
    """A store in one SQLite file.

    WAL mode and one statement per transaction (autocommit), so another process (e.g.
    ``workers-emulator kv list`` beside a running dev server) can read at any moment
    and never waits for long.

    Durability: a ``put`` (or ``delete``) that has returned is committed, its WAL frames
    handed to the operating system with ``write()``: it survives a crash or kill of the
    process that made it. ``synchronous=NORMAL``: a commit does not wait for the disk, so a
    power loss or an operating-system crash can lose the transactions made since the last
    checkpoint (which syncs the WAL first); the database file stays consistent either way.
    That is acceptable for local development state.

    Checkpoints (copying the WAL back into the database, with an fsync) run on a thread of
    their own, every ``CHECKPOINT_EVERY`` seconds once this store has written: SQLite's
    automatic checkpoint would run inside whichever ``put`` crosses 1,000 WAL pages and
    block the dev server's event loop for 10-30 ms of disk waits.
    """

    CHECKPOINT_EVERY = 0.25
    RESTART_FRAMES = 8192  # 32 MiB of WAL at the default 4 KiB page
    CACHE_KIB = 65536  # the connection's page cache, at most (filled only as pages are read)

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One connection shared by the event loop and any worker threads, behind a lock.
        self._conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=10.0
        )
        self._lock = threading.Lock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA busy_timeout=10000")
            self._conn.execute("PRAGMA wal_autocheckpoint=0")
            # Up to 64 MiB of pages kept between transactions (the default is 2 MiB): a dev
            # server's records outgrow 2 MiB quickly, and each page missed is a read() again.
            self._conn.execute(f"PRAGMA cache_size=-{self.CACHE_KIB}")
            self._conn.executescript(_SCHEMA)
        self._stop_checkpoints = threading.Event()
        self._checkpointer: threading.Thread | None = None

    def _wrote(self) -> None:
        """Called after each write (lock held): starts the checkpoint thread once."""
        if self._checkpointer is None and not self._stop_checkpoints.is_set():
            self._checkpointer = threading.Thread(
                target=self._checkpoint_loop, name="kv-checkpoint", daemon=True
            )
            self._checkpointer.start()

    def _checkpoint_loop(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=10.0)
        try:
            while not self._stop_checkpoints.wait(self.CHECKPOINT_EVERY):
                try:
                    # PASSIVE: copies what it can without waiting for, or blocking, the
                    # writer. The WAL starts over at the next write once a checkpoint has
                    # copied all of it, which a writer that never pauses can prevent: past
                    # RESTART_FRAMES, RESTART waits for it and makes the next write start over.
                    _, frames, _ = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    if frames > self.RESTART_FRAMES:
                        conn.execute("PRAGMA wal_checkpoint(RESTART)").fetchall()
                except sqlite3.Error:
                    pass  # busy or locked: the next round catches up
        finally:
            conn.close()

    @staticmethod
    def _row(row: tuple[bytes, bytes, int | None, str | None]) -> KVEntry:
        key, value, expiration, metadata = row
        return KVEntry(
            key=bytes(key).decode(),
            value=bytes(value),
            expiration=expiration,
            metadata=json.loads(metadata) if metadata is not None else None,
        )

    def get(self, key: str, now: float) -> KVEntry | None:
        with self._lock:
            row = self._conn.execute(_GET, (key.encode(), now)).fetchone()
        if row is None:
            return None
        value, expiration, metadata = row
        return KVEntry(key, value, expiration, None if metadata is None else json.loads(metadata))

    def get_value(self, key: str, now: float) -> bytes | None:
        with self._lock:
            row = self._conn.execute(_GET_VALUE, (key.encode(), now)).fetchone()
        return None if row is None else row[0]

    def put(self, entry: KVEntry) -> None:
        metadata = None if entry.metadata is None else json.dumps(entry.metadata)
        with self._lock:
            self._conn.execute(_PUT, (entry.key.encode(), entry.value, entry.expiration, metadata))
            self._wrote()

    def delete(self, key: str) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM kv WHERE key = ?", (key.encode(),))
            self._wrote()

    def list(
        self, now: float, *, prefix: str = "", after: bytes | None = None, limit: int = 1000
    ) -> list[KVEntry]:
        p = prefix.encode()
        with self._lock:
            rows = self._conn.execute(_LIST, (p, after or b"", len(p), p, now, limit)).fetchall()
        return [self._row(r) for r in rows]

    def purge_expired(self, now: float) -> int:
        with self._lock:
            cur = self._conn.execute(
                "DELETE FROM kv WHERE expiration IS NOT NULL AND expiration <= ?", (now,)
            )
            self._wrote()
            return cur.rowcount

    def close(self) -> None:
        self._stop_checkpoints.set()
        if self._checkpointer is not None:
            self._checkpointer.join()
        with self._lock:
            # The last connection to close checkpoints the WAL into the database.
            self._conn.close()
