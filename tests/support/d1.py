"""D1 helpers shared by the D1 tests: a database in memory and a way to await its calls."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from workers_emulator.bindings.d1 import D1Database, D1Store, Query
from workers_emulator.errors import JsException

SCHEMA = "CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, r REAL, s TEXT, b BLOB, n)"


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


def make_db(name: str = "DB", *, schema: str | None = SCHEMA) -> D1Database:
    """A D1 binding over a fresh in-memory database (with table ``t`` unless ``schema=None``),
    its counters at zero."""
    db = D1Database(name, D1Store(timer=lambda: 0.0))
    if schema is not None:
        run(db.exec(schema))
        db.reset_counters()
    return db


def error_of(coro: Coroutine[Any, Any, Any]) -> str:
    """``str(e)`` of the JsException the call raises, as the Worker would see it."""
    try:
        run(coro)
    except JsException as exc:
        return str(exc)
    raise AssertionError("the call did not fail")


def rows(db: D1Database, sql: str) -> list[list[Any]]:
    """Rows read past the binding (no operation counted): what the database really holds."""
    (result,) = db.store.run([Query(sql)])
    return result.rows
