"""An R2 bucket's objects on SQLite: ``<persist-to>/r2/<bucket_name>.sqlite`` (in memory
without ``persist_to``), bytes and metadata in one row per key."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    key TEXT PRIMARY KEY,
    version TEXT NOT NULL,
    data BLOB NOT NULL,
    etag TEXT NOT NULL,
    uploaded INTEGER NOT NULL,
    http_metadata TEXT NOT NULL,
    custom_metadata TEXT NOT NULL
)
"""


def bucket_path(persist_to: str | Path, bucket_name: str) -> Path:
    return Path(persist_to) / "r2" / f"{bucket_name}.sqlite"


@dataclasses.dataclass(frozen=True)
class StoredObject:
    key: str
    version: str
    size: int
    etag: str
    uploaded: int  # epoch ms
    http_metadata: dict[str, str]
    custom_metadata: dict[str, str]


class R2Store:
    """One connection shared by the event loop and the test client's thread, behind a lock;
    WAL mode, so another process can read the file while a dev server writes."""

    def __init__(self, path: Path | None = None) -> None:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(
            ":memory:" if path is None else str(path), check_same_thread=False, timeout=10.0
        )
        self._lock = threading.Lock()
        with self._lock:
            if path is not None:
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(_SCHEMA)

    def put(self, item: StoredObject, data: bytes) -> None:
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO objects VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    item.key,
                    item.version,
                    data,
                    item.etag,
                    item.uploaded,
                    json.dumps(item.http_metadata),
                    json.dumps(item.custom_metadata),
                ),
            )

    def head(self, key: str) -> StoredObject | None:
        with self._lock:
            row = self._db.execute(
                "SELECT key, version, length(data), etag, uploaded, http_metadata, custom_metadata "
                "FROM objects WHERE key = ?",
                (key,),
            ).fetchone()
        return None if row is None else _stored(row)

    def read(self, key: str, offset: int, length: int) -> bytes:
        with self._lock:
            row = self._db.execute(
                "SELECT substr(data, ?, ?) FROM objects WHERE key = ?", (offset + 1, length, key)
            ).fetchone()
        return b"" if row is None else bytes(row[0])

    def delete(self, keys: list[str]) -> None:
        with self._lock, self._db:
            self._db.executemany("DELETE FROM objects WHERE key = ?", [(k,) for k in keys])

    def keys_after(self, prefix: str, after: str, limit: int) -> list[StoredObject]:
        """Objects whose key starts with ``prefix`` and sorts after ``after``, in key order
        (keys compared as UTF-8 bytes, as R2 orders them)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT key, version, length(data), etag, uploaded, http_metadata, "
                "custom_metadata FROM objects WHERE CAST(key AS BLOB) > CAST(? AS BLOB) "
                "AND substr(key, 1, ?) = ? ORDER BY CAST(key AS BLOB) LIMIT ?",
                (after, len(prefix), prefix, limit),
            ).fetchall()
        return [_stored(row) for row in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _stored(row: tuple[object, ...]) -> StoredObject:
    key, version, size, etag, uploaded, http, custom = row
    return StoredObject(
        str(key),
        str(version),
        int(size),  # type: ignore[call-overload]
        str(etag),
        int(uploaded),  # type: ignore[call-overload]
        json.loads(str(http)),
        json.loads(str(custom)),
    )
