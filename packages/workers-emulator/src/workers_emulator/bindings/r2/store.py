"""An R2 bucket's objects on SQLite: ``<persist-to>/r2/<bucket_name>.sqlite`` (in memory
without ``persist_to``), bytes and metadata in one row per key."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS uploads (
    upload_id TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    http_metadata TEXT NOT NULL,
    custom_metadata TEXT NOT NULL,
    state INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS parts (
    upload_id TEXT NOT NULL,
    part_number INTEGER NOT NULL,
    data BLOB NOT NULL,
    etag TEXT NOT NULL,
    md5 TEXT NOT NULL,
    PRIMARY KEY (upload_id, part_number)
);
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


_PUT_OBJECT = "INSERT OR REPLACE INTO objects VALUES (?, ?, ?, ?, ?, ?, ?)"


def _object_row(item: StoredObject, data: bytes) -> tuple[Any, ...]:
    """An object's row, in the objects table's column order."""
    return (
        item.key,
        item.version,
        data,
        item.etag,
        item.uploaded,
        json.dumps(item.http_metadata),
        json.dumps(item.custom_metadata),
    )


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
            self._db.executescript(_SCHEMA)

    def put(self, item: StoredObject, data: bytes) -> None:
        with self._lock, self._db:
            self._db.execute(_PUT_OBJECT, _object_row(item, data))

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

    # -- multipart uploads (state 0: in progress, 1: completed, 2: aborted) ------------------

    def create_upload(
        self, upload_id: str, key: str, http: dict[str, object], custom: dict[str, str]
    ) -> None:
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO uploads (upload_id, key, http_metadata, custom_metadata) "
                "VALUES (?, ?, ?, ?)",
                (upload_id, key, json.dumps(http), json.dumps(custom)),
            )

    def upload_state(self, key: str, upload_id: str) -> int | None:
        with self._lock:
            row = self._db.execute(
                "SELECT state FROM uploads WHERE key = ? AND upload_id = ?", (key, upload_id)
            ).fetchone()
        return None if row is None else int(row[0])

    def put_part(self, upload_id: str, number: int, data: bytes, etag: str, md5: str) -> None:
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO parts VALUES (?, ?, ?, ?, ?)",
                (upload_id, number, data, etag, md5),
            )

    def parts(self, upload_id: str) -> dict[int, tuple[str, str, int]]:
        """Part number -> (etag, md5, size) of an upload's parts."""
        with self._lock:
            rows = self._db.execute(
                "SELECT part_number, etag, md5, length(data) FROM parts WHERE upload_id = ?",
                (upload_id,),
            ).fetchall()
        return {int(n): (str(e), str(m), int(z)) for n, e, m, z in rows}

    def upload_metadata(self, upload_id: str) -> tuple[dict[str, str], dict[str, str]]:
        with self._lock:
            http, custom = self._db.execute(
                "SELECT http_metadata, custom_metadata FROM uploads WHERE upload_id = ?",
                (upload_id,),
            ).fetchone()
        return json.loads(http), json.loads(custom)

    def complete_upload(self, upload_id: str, numbers: list[int], item: StoredObject) -> None:
        """The object made of these parts, in this order, in one transaction."""
        with self._lock, self._db:
            data = b"".join(
                bytes(
                    self._db.execute(
                        "SELECT data FROM parts WHERE upload_id = ? AND part_number = ?",
                        (upload_id, n),
                    ).fetchone()[0]
                )
                for n in numbers
            )
            self._db.execute(_PUT_OBJECT, _object_row(item, data))
            self._finish(upload_id, 1)

    def abort_upload(self, upload_id: str) -> None:
        with self._lock, self._db:
            self._finish(upload_id, 2)

    def _finish(self, upload_id: str, state: int) -> None:
        self._db.execute("DELETE FROM parts WHERE upload_id = ?", (upload_id,))
        self._db.execute("UPDATE uploads SET state = ? WHERE upload_id = ?", (state, upload_id))

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
