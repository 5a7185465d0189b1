"""``ctx.storage.sql``: the SQLite API of a SQLite-backed Durable Object.

``exec(query, *bindings)`` runs one statement (or several separated by ``;``, the last one's
rows returned) and answers a cursor: ``toArray()``, ``one()``, ``raw()``, ``columnNames``,
``rowsRead``, ``rowsWritten``, and iteration over row objects. ``rowsRead`` counts the rows
returned; ``rowsWritten`` the rows changed (workerd reads SQLite's own counters).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

from ...errors import JsException
from ...invocation import OpKind
from ...runtime.js.buffers import ArrayBuffer, TypedArray, buffer_bytes
from ...runtime.jsproxy import JsArray, JsNull, JsObject, jsnull
from ..jsvalues import js_number
from .store import ObjectStore
from .validation import RESERVED_TABLE

_TRANSACTION = (
    "To execute a transaction, please use the state.storage.transaction() or "
    "state.storage.transactionSync() APIs instead of the SQL BEGIN TRANSACTION or SAVEPOINT "
    "statements. The JavaScript API is safer because it will automatically roll back on "
    "exceptions, and because it interacts correctly with Durable Objects' automatic atomic "
    "write coalescing."
)


def _param(value: Any) -> Any:
    if value is None or isinstance(value, JsNull):
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, TypedArray | ArrayBuffer):
        return buffer_bytes(value)
    if isinstance(value, str | int | float | bytes):
        return value
    raise JsException("TypeError", f"Unsupported type for SQL binding: {type(value).__name__}")


def _column(value: Any) -> Any:
    if value is None:
        return jsnull
    if isinstance(value, bytes):
        return ArrayBuffer(value)
    if isinstance(value, int | float):
        return js_number(value)
    return value


class SqlStorageCursor:
    """What ``sql.exec`` answers: the statement's rows, read once."""

    def __init__(self, columns: list[str], rows: list[tuple[Any, ...]], written: int) -> None:
        self.columnNames = JsArray(columns)
        self._rows = [tuple(_column(v) for v in row) for row in rows]
        self._next = 0
        self.rowsRead = len(rows)
        self.rowsWritten = written

    def _take(self) -> list[tuple[Any, ...]]:
        rows, self._next = self._rows[self._next :], len(self._rows)
        return rows

    def _object(self, row: tuple[Any, ...]) -> JsObject:
        return JsObject(dict(zip(self.columnNames, row, strict=True)))

    def toArray(self) -> JsArray:
        return JsArray(self._object(r) for r in self._take())

    def one(self) -> JsObject:
        rows = self._take()
        if not rows:
            raise JsException(
                "Error", "Expected exactly one result from SQL query, but got no results."
            )
        if len(rows) > 1:
            raise JsException(
                "Error", "Expected exactly one result from SQL query, but got multiple results."
            )
        return self._object(rows[0])

    def raw(self) -> Iterator[JsArray]:
        return (JsArray(r) for r in self._take())

    def next(self) -> JsObject:
        if self._next >= len(self._rows):
            return JsObject({"done": True})
        row = self._rows[self._next]
        self._next += 1
        return JsObject({"done": False, "value": self._object(row)})

    def __iter__(self) -> Iterator[JsObject]:
        return (self._object(r) for r in self._take())


class SqlStorage:
    """``ctx.storage.sql`` over the object's database."""

    def __init__(self, store: ObjectStore, record: Callable[[OpKind], None]) -> None:
        self._store = store
        self._record = record

    @staticmethod
    def _authorize(action: int, arg1: str | None, arg2: str | None, *_: Any) -> int:
        if action in (sqlite3.SQLITE_TRANSACTION, sqlite3.SQLITE_SAVEPOINT):
            return sqlite3.SQLITE_OK  # refused before preparing, in exec()
        for name in (arg1, arg2):
            if name and name.startswith("_cf_"):
                return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    @property
    def databaseSize(self) -> int:
        conn = self._store.conn
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        return int(pages * conn.execute("PRAGMA page_size").fetchone()[0])

    def exec(self, query: Any, *bindings: Any) -> SqlStorageCursor:
        text = str(query)
        head = text.lstrip().split(None, 1)[0].upper() if text.strip() else ""
        if head in ("BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"):
            raise JsException("Error", _TRANSACTION)
        conn = self._store.conn
        before = conn.total_changes
        params = [_param(b) for b in bindings]
        try:
            with self._store.atomic(), _internal_tables_guarded(conn, self._authorize):
                cursor = conn.execute(text, params)
                rows = cursor.fetchall()
                columns = [d[0] for d in cursor.description or ()]
        except sqlite3.DatabaseError as exc:
            message = str(exc)
            if "not authorized" in message:
                name = _cf_name(text)
                message = RESERVED_TABLE.format(name=name) if name else message
            raise JsException("Error", f"{message}: SQLITE_ERROR") from None
        written = conn.total_changes - before
        self._record("write" if written else "read")
        return SqlStorageCursor(columns, rows, written)


def _cf_name(sql: str) -> str | None:
    for word in sql.replace("(", " ").replace(",", " ").split():
        if word.strip('"`[]').startswith("_cf_"):
            return word.strip('"`[]')
    return None


class _internal_tables_guarded:
    """The authorizer on for the Worker's statement only (the runtime's own SQL is free)."""

    def __init__(self, conn: sqlite3.Connection, authorize: Callable[..., int]) -> None:
        self._conn, self._authorize = conn, authorize

    def __enter__(self) -> None:
        self._conn.set_authorizer(self._authorize)

    def __exit__(self, *exc: object) -> None:
        self._conn.set_authorizer(None)
