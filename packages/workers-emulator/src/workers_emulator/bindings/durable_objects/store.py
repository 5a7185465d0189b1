"""One Durable Object's data: one SQLite database (a file under ``--persist-to``, else in
memory), holding the key-value API's table, the alarm, and the object's own SQL tables.

``<persist-to>/do/<worker name>-<class name>/<id>.sqlite``, as miniflare lays them out. The
key-value pairs live in ``_cf_KV`` as in workerd's SQLite-backed objects; ``_cf_*`` tables
are the runtime's and refused to the Worker's SQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS _cf_KV (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS _cf_ALARM (id INTEGER PRIMARY KEY CHECK (id = 0), at REAL)",
)


def object_path(persist_to: str | Path, namespace_key: str, object_id: str) -> Path:
    return Path(persist_to) / "do" / namespace_key / f"{object_id}.sqlite"


class ObjectStore:
    """The SQLite database behind one object's ``ctx.storage``."""

    def __init__(self, path: Path | None) -> None:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # autocommit: transactions are ours (SAVEPOINTs), never implicit.
        self.conn = sqlite3.connect(
            ":memory:" if path is None else str(path),
            isolation_level=None,
            check_same_thread=False,  # the test client runs the event loop in its own thread
        )
        for statement in _SCHEMA:
            self.conn.execute(statement)
        self._depth = 0

    # -- key-value ------------------------------------------------------------------------

    def get(self, keys: list[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        for key in keys:
            row = self.conn.execute("SELECT value FROM _cf_KV WHERE key = ?", (key,)).fetchone()
            if row is not None:
                found[key] = row[0]
        return found

    def put(self, entries: dict[str, bytes]) -> None:
        with self.atomic():
            self.conn.executemany(
                "INSERT OR REPLACE INTO _cf_KV (key, value) VALUES (?, ?)", entries.items()
            )

    def delete(self, keys: list[str]) -> int:
        deleted = 0
        with self.atomic():
            for key in keys:
                deleted += self.conn.execute("DELETE FROM _cf_KV WHERE key = ?", (key,)).rowcount
        return deleted

    def list(
        self,
        *,
        start: str | None,
        end: str | None,
        prefix: str | None,
        reverse: bool,
        limit: int | None,
    ) -> list[tuple[str, bytes]]:
        where: list[str] = []
        params: list[str | int] = []
        if start is not None:
            where.append("key >= ?")
            params.append(start)
        if end is not None:
            where.append("key < ?")
            params.append(end)
        if prefix:
            # Keys are compared as bytes (BINARY collation): a prefix range, LIKE-free.
            where.append("substr(key, 1, ?) = ?")
            params.extend([len(prefix), prefix])
        sql = "SELECT key, value FROM _cf_KV"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY key " + ("DESC" if reverse else "ASC")
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return list(self.conn.execute(sql, params))

    def delete_all(self) -> None:
        with self.atomic():
            self.conn.execute("DELETE FROM _cf_KV")
            self.conn.execute("DELETE FROM _cf_ALARM")
            tables = self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%'"
                " ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
            ).fetchall()
            for (name,) in tables:
                self.conn.execute(f'DROP TABLE IF EXISTS "{name}"')

    # -- alarm ----------------------------------------------------------------------------

    def alarm(self) -> float | None:
        row = self.conn.execute("SELECT at FROM _cf_ALARM WHERE id = 0").fetchone()
        return None if row is None else float(row[0])

    def set_alarm(self, at_ms: float | None) -> None:
        if at_ms is None:
            self.conn.execute("DELETE FROM _cf_ALARM")
        else:
            self.conn.execute("INSERT OR REPLACE INTO _cf_ALARM (id, at) VALUES (0, ?)", (at_ms,))

    # -- transactions ---------------------------------------------------------------------

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """All or nothing: a SAVEPOINT, so it nests inside a ``transaction()``."""
        name = f"sp{self._depth}"
        self._depth += 1
        self.conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self.conn.execute(f"ROLLBACK TO {name}")
            self.conn.execute(f"RELEASE {name}")
            raise
        else:
            self.conn.execute(f"RELEASE {name}")
        finally:
            self._depth -= 1

    def close(self) -> None:
        self.conn.close()
