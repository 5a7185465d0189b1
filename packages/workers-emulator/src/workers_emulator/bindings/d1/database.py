"""``D1Database``: the D1 binding object a Python Worker finds on ``self.env``.

It behaves as workerd's D1 binding seen through Pyodide: ``prepare(sql).bind(...)`` builds a
statement, ``first(col?)``, ``all()``, ``run()``, ``raw(columnNames=...)``, ``batch([...])``
and ``exec(sql)`` answer JavaScript objects (``JsObject``/``JsArray``: attributes, indexing,
``to_py()``), and every failure is a ``JsException`` worded as workerd words it.

Operations are counted per request (``Invocation``) and in cumulative counters: ``first``,
``all`` and ``raw`` as reads; ``run``, ``batch`` and ``exec`` as writes (one each, whatever
the SQL). A fault injector makes a share of them fail with D1's retryable network error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, ClassVar

from ...errors import NotEmulatedError
from ...faults import FaultInjector
from ...invocation import OpKind
from ...runtime.jsproxy import JsArray, JsObject
from ..accounting import CountedBinding
from ..jsvalues import js_number, js_string
from . import validation as v
from .store import D1Store, Query, QueryResult


def _js_value(value: Any) -> Any:
    """A column value as Python receives it from the JS result (numbers, arrays, null)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return js_number(value)
    if isinstance(value, list):
        return JsArray([_js_value(x) for x in value])
    return value


def _rows(result: QueryResult) -> list[JsObject]:
    out = []
    for row in result.rows:
        # Object.fromEntries: a repeated column name keeps its first place and last value.
        fields = {name: _js_value(x) for name, x in zip(result.columns, row, strict=True)}
        out.append(JsObject(fields))
    return out


def _meta(result: QueryResult) -> JsObject:
    return JsObject({k: _js_value(x) for k, x in result.meta.items()})


def _result(result: QueryResult) -> JsObject:
    return JsObject(
        {"success": True, "meta": _meta(result), "results": JsArray(list(_rows(result)))}
    )


class D1Database(CountedBinding):
    """One D1 binding over a ``D1Store``."""

    # workerd's class name for it: the SDK decides by it what to wrap.
    js_name: ClassVar[str] = "D1Database"

    def __init__(
        self, binding_name: str, store: D1Store, *, faults: FaultInjector | None = None
    ) -> None:
        super().__init__(binding_name, faults)
        self.store = store

    def __repr__(self) -> str:
        return f"<D1Database {self.binding_name}>"

    # -- accounting -------------------------------------------------------------------------

    def _send(self, kind: OpKind) -> None:
        """Account for one call leaving the isolate; may fail it as a D1 outage would."""
        if self._count(kind):
            raise v.d1_error(v.FAULT_MESSAGE)

    def _run(self, kind: OpKind, queries: Sequence[Query]) -> list[QueryResult]:
        self._send(kind)
        try:
            return self.store.run(queries)
        except v.D1QueryError as exc:
            raise v.d1_error(exc.message) from None

    # -- the binding's API ------------------------------------------------------------------

    def prepare(self, query: Any) -> D1PreparedStatement:
        return D1PreparedStatement(self, js_string(query))

    async def batch(self, statements: Any) -> JsArray:
        """Run the statements in one transaction: all of them take effect, or none."""
        await asyncio.sleep(0)  # D1 calls are I/O: let other tasks run
        items = list(statements) if isinstance(statements, list | tuple | JsArray) else None
        if items is None or not all(isinstance(s, D1PreparedStatement) for s in items):
            raise v.d1_error("batch() takes a list of statements made by prepare()")
        queries = [Query(s.statement, s.params) for s in items]
        return JsArray([_result(r) for r in self._run("write", queries)])

    async def exec(self, query: Any) -> JsObject:
        """Run SQL line by line (one query per line, in one transaction): ``{count, duration}``."""
        await asyncio.sleep(0)
        lines = js_string(query).strip().split("\n")
        try:
            self._send("write")
            results = self.store.run([Query(line) for line in lines])
        except v.D1QueryError as exc:
            raise v.exec_error(lines[0], exc.message) from None
        duration = sum(r.meta["duration"] for r in results)
        return JsObject({"count": len(results), "duration": js_number(duration)})

    async def dump(self) -> Any:
        raise NotEmulatedError(f"env.{self.binding_name}.dump() (D1's deprecated export)")

    async def query(self, request: Any) -> Any:
        raise NotEmulatedError(
            f"env.{self.binding_name}.query() (D1's raw query API, d1_binding_jsrpc)"
        )

    def withSession(self, constraint_or_bookmark: Any = None) -> D1DatabaseSession:
        """A session: one database here, so every query reads its own writes."""
        return D1DatabaseSession(self)


class D1DatabaseSession:
    """``withSession()``: the same queries; no replicas, so no bookmark to follow."""

    js_name: ClassVar[str] = "D1DatabaseSession"

    def __init__(self, database: D1Database) -> None:
        self._database = database

    def prepare(self, query: Any) -> D1PreparedStatement:
        return self._database.prepare(query)

    async def batch(self, statements: Any) -> JsArray:
        return await self._database.batch(statements)

    def getBookmark(self) -> None:
        return None


class D1PreparedStatement:
    """A statement and its bound values; ``bind`` returns a new statement."""

    js_name: ClassVar[str] = "D1PreparedStatement"

    def __init__(
        self, database: D1Database, statement: str, params: Sequence[v.D1Value] = ()
    ) -> None:
        self._database = database
        self.statement = statement
        self.params = list(params)

    def __repr__(self) -> str:
        return f"<D1PreparedStatement {self.statement!r}>"

    def bind(self, *values: Any) -> D1PreparedStatement:
        return D1PreparedStatement(
            self._database, self.statement, [v.bind_value(x) for x in values]
        )

    def _query(self, kind: OpKind) -> QueryResult:
        return self._database._run(kind, [Query(self.statement, self.params)])[0]

    async def first(self, *column: Any) -> Any:
        """The first row (None if there is none), or one column of it."""
        await asyncio.sleep(0)
        rows = _rows(self._query("read"))
        if not rows:
            return None
        row = rows[0]
        if not column or column[0] is None:
            return row
        name = js_string(column[0])
        fields = row.as_object_map()
        if name not in fields:
            raise v.column_not_found(column[0])
        return fields[name]

    async def all(self) -> JsObject:
        await asyncio.sleep(0)
        return _result(self._query("read"))

    async def run(self) -> JsObject:
        await asyncio.sleep(0)
        return _result(self._query("write"))

    async def raw(self, **options: Any) -> JsArray:
        """The rows as arrays; ``columnNames=True`` puts the column names first."""
        await asyncio.sleep(0)
        result = self._query("read")
        rows = [JsArray([_js_value(x) for x in row]) for row in result.rows]
        if options.get("columnNames"):
            rows.insert(0, JsArray(list(result.columns)))
        return JsArray(rows)
