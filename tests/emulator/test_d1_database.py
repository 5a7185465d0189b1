"""The D1 binding as a Python Worker sees it: result shapes, type conversion both ways, first/
all/run/raw, atomic batch and exec, and its errors word for word (as observed under wrangler
dev 4.86; tests/differential/test_d1_differential.py holds the emulator to workerd)."""

from __future__ import annotations

import math

import pytest
from workers_emulator.errors import NotEmulatedError

from tests.support.d1 import error_of, make_db, rows, run

INSERT = "INSERT INTO t (i, r, s, b, n) VALUES (?, ?, ?, ?, ?)"


class Uint8Array:
    """What ``pyodide.ffi.to_js(b"...")`` hands a binding: a typed array with ``to_bytes``."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def to_bytes(self) -> bytes:
        return self.data


def test_all_answers_success_meta_and_rows_as_js_objects() -> None:
    db = make_db()
    run(db.prepare(INSERT).bind(1, 2.5, "héllo", Uint8Array(b"\x00\x01\xff"), "x").run())
    result = run(db.prepare("SELECT * FROM t").all())
    assert result.success is True
    assert result.results[0].s == "héllo"
    assert len(result.results) == 1
    assert result.to_py() == {
        "success": True,
        "meta": {
            "served_by": "miniflare.db",
            "duration": 0,
            "changes": 0,
            "last_row_id": 1,
            "changed_db": False,
            "size_after": result.meta.size_after,
            "rows_read": 1,
            "rows_written": 0,
        },
        "results": [{"id": 1, "i": 1, "r": 2.5, "s": "héllo", "b": [0, 1, 255], "n": "x"}],
    }
    assert result.meta.size_after > 0


def test_js_objects_are_proxies_not_dicts() -> None:
    db = make_db()
    row = run(db.prepare("SELECT 1 AS a").first())
    assert row.a == 1 and row.to_py() == {"a": 1}
    with pytest.raises(TypeError):
        row["a"]  # a JsProxy of a plain object is not subscriptable
    with pytest.raises(AttributeError):
        row.b  # noqa: B018


def test_run_reports_changes_and_last_row_id() -> None:
    db = make_db()
    first = run(db.prepare(INSERT).bind(1, 1.0, "a", "b", "c").run())
    second = run(db.prepare(INSERT).bind(2, 1.0, "a", "b", "c").run())
    assert (first.meta.changes, first.meta.last_row_id, first.meta.changed_db) == (1, 1, True)
    assert second.meta.last_row_id == 2
    assert second.to_py()["results"] == []
    updated = run(db.prepare("UPDATE t SET s = 'z' WHERE id >= ?").bind(1).run())
    assert (updated.meta.changes, updated.meta.rows_written) == (2, 2)
    # run() of a SELECT answers its rows, as wrangler's local D1 does.
    assert run(db.prepare("SELECT id FROM t ORDER BY id").run()).to_py()["results"] == [
        {"id": 1},
        {"id": 2},
    ]


def test_values_arrive_as_pyodide_converts_js_numbers() -> None:
    db = make_db(schema=None)
    row = run(
        db.prepare(
            "SELECT 3.0 AS whole, 2.5 AS half, 9007199254740993 AS big, 1e300 AS huge, "
            "x'00ff' AS blob, NULL AS empty, 'é' AS text"
        ).first()
    ).to_py()
    # A REAL that is an integer arrives as int; past 2**53 JavaScript keeps a double.
    assert row == {
        "whole": 3,
        "half": 2.5,
        "big": 9007199254740992.0,
        "huge": 1e300,
        "blob": [0, 255],
        "empty": None,
        "text": "é",
    }
    assert type(row["whole"]) is int and type(row["big"]) is float


def test_bind_converts_what_javascript_would_send() -> None:
    db = make_db()
    values = [True, False, float("nan"), -0.0, Uint8Array(b"\x07")]
    result = run(db.prepare("SELECT ? AS a, ? AS b, ? AS c, ? AS d, ? AS e").bind(*values).first())
    # booleans are 1/0; NaN travels as JSON null; -0 as 0; typed arrays as a BLOB
    assert result.to_py() == {"a": 1, "b": 0, "c": None, "d": 0, "e": [7]}
    blob = run(db.prepare("SELECT x'0102' AS b").first("b"))
    assert run(db.prepare("SELECT ? AS b").bind(blob).first("b")).to_py() == [1, 2]


def test_numbers_are_bound_as_javascript_doubles() -> None:
    db = make_db()
    # A JS number is a double: REAL, unless the column's affinity makes it INTEGER.
    run(db.prepare("INSERT INTO t (i, n) VALUES (?, ?)").bind(5, 5).run())
    assert rows(db, "SELECT typeof(i), typeof(n), n FROM t") == [["integer", "real", 5.0]]
    assert run(db.prepare("SELECT typeof(?) AS t").bind(1).first("t")) == "real"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "Type 'undefined' not supported for value 'undefined'"),
        (b"\x00\x01", "Type 'object' not supported for value 'b'\\x00\\x01''"),
        ([1, 2], "Type 'object' not supported for value '[1, 2]'"),
        ({"a": 1}, "Type 'object' not supported for value '{'a': 1}'"),
        (2**53, "Type 'bigint' not supported for value '9007199254740992'"),
    ],
)
def test_bind_refuses_what_d1_refuses(value: object, message: str) -> None:
    db = make_db()
    with pytest.raises(Exception) as caught:
        db.prepare("SELECT ?").bind(value)
    assert str(caught.value) == f"Error: D1_TYPE_ERROR: {message}"
    assert db.counters.total == 0  # refused before anything left the isolate


def test_bind_none_via_jsnull_is_null() -> None:
    class JsNull:  # pyodide.ffi.jsnull's class
        pass

    db = make_db()
    assert run(db.prepare("SELECT ? AS a").bind(JsNull()).first("a")) is None


def test_first_answers_a_row_a_column_or_none() -> None:
    db = make_db()
    run(db.prepare(INSERT).bind(1, 1.0, "one", "b", "n").run())
    assert run(db.prepare("SELECT * FROM t").first("s")) == "one"
    assert run(db.prepare("SELECT * FROM t WHERE id = 9").first()) is None
    assert run(db.prepare("SELECT * FROM t WHERE id = 9").first("nope")) is None
    assert run(db.prepare("SELECT NULL AS n").first("n")) is None
    assert (
        error_of(db.prepare("SELECT * FROM t").first("nope"))
        == "Error: D1_COLUMN_NOTFOUND: Column not found (nope)"
    )


def test_raw_answers_arrays_with_column_names_first_when_asked() -> None:
    db = make_db()
    run(db.prepare(INSERT).bind(1, 1.0, "a", "b", "c").run())
    assert run(db.prepare("SELECT id, s FROM t").raw()).to_py() == [[1, "a"]]
    assert run(db.prepare("SELECT id, s FROM t").raw(columnNames=True)).to_py() == [
        ["id", "s"],
        [1, "a"],
    ]
    assert run(db.prepare("SELECT id FROM t WHERE id > 9").raw(columnNames=True)).to_py() == [
        ["id"]
    ]
    # Repeated names: raw() keeps both values, an object the last (in the first's place).
    assert run(db.prepare("SELECT 1 AS a, 2 AS a").raw()).to_py() == [[1, 2]]
    assert run(db.prepare("SELECT 1 AS a, 2 AS a").first()).to_py() == {"a": 2}


def test_batch_answers_one_result_per_statement() -> None:
    db = make_db()
    results = run(
        db.batch(
            [
                db.prepare("INSERT INTO t (s) VALUES (?)").bind("x"),
                db.prepare("INSERT INTO t (s) VALUES (?)").bind("y"),
                db.prepare("SELECT s FROM t ORDER BY id"),
            ]
        )
    )
    assert [r.meta.changes for r in results] == [1, 1, 0]
    assert results[2].to_py()["results"] == [{"s": "x"}, {"s": "y"}]


def test_a_failing_batch_changes_nothing() -> None:
    db = make_db()
    run(db.prepare("INSERT INTO t (id, s) VALUES (1, 'kept')").run())
    message = error_of(
        db.batch(
            [
                db.prepare("INSERT INTO t (s) VALUES ('lost')"),
                db.prepare("UPDATE t SET s = 'changed'"),
                db.prepare("INSERT INTO t (id) VALUES (1)"),
            ]
        )
    )
    assert message == (
        "Error: D1_ERROR: UNIQUE constraint failed: t.id: SQLITE_CONSTRAINT "
        "(extended: SQLITE_CONSTRAINT_PRIMARYKEY)"
    )
    assert rows(db, "SELECT id, s FROM t") == [[1, "kept"]]
    assert error_of(db.batch([])) == "Error: D1_ERROR: No SQL statements detected."


def test_exec_runs_line_by_line_in_one_transaction() -> None:
    db = make_db()
    done = run(
        db.exec("INSERT INTO t (s) VALUES ('a');\n\n  -- note\nINSERT INTO t (s) VALUES ('b');")
    )
    assert done.to_py() == {"count": 2, "duration": 0}
    message = error_of(db.exec("INSERT INTO t (s) VALUES ('c');\nSELEC 1;"))
    # workerd names the first line whichever line failed.
    assert message == (
        "Error: D1_EXEC_ERROR: Error in line 1: INSERT INTO t (s) VALUES ('c');: "
        'near "SELEC": syntax error at offset 0: SQLITE_ERROR'
    )
    assert rows(db, "SELECT s FROM t ORDER BY id") == [["a"], ["b"]]
    assert error_of(db.exec("  \n ")) == (
        "Error: D1_EXEC_ERROR: Error in line 1: : No SQL statements detected."
    )


@pytest.mark.parametrize(
    ("sql", "params", "message"),
    [
        ("SELEC 1", (), 'near "SELEC": syntax error at offset 0: SQLITE_ERROR'),
        ("SELECT nope FROM t", (), "no such column: nope at offset 7: SQLITE_ERROR"),
        ("SELECT 'abc", (), 'unrecognized token: "\'abc" at offset 7: SQLITE_ERROR'),
        ("SELECT 1 +", (), "incomplete input: SQLITE_ERROR"),
        ("SELECT * FROM missing", (), "no such table: missing: SQLITE_ERROR"),
        ("SELECT ?", (), "Wrong number of parameter bindings for SQL query."),
        ("SELECT ?3", (1,), "Wrong number of parameter bindings for SQL query."),
        ("SELECT 1", (1,), "Wrong number of parameter bindings for SQL query."),
        ("", (), "No SQL statements detected."),
        ("-- nothing", (), "SQL code did not contain a statement."),
        ("SELECT 1; -- trailing", (), "SQL code did not contain a statement."),
        (
            "SELECT ?; SELECT 1",
            (1,),
            "When executing multiple SQL statements in a single call, only the last "
            "statement can have parameters.",
        ),
        ("ATTACH 'x.db' AS x", (), "not authorized: SQLITE_AUTH"),
        (
            "SELECT upper(sqlite_version())",
            (),
            "not authorized to use function: sqlite_version at offset 13: SQLITE_ERROR",
        ),
        ("CREATE TABLE _cf_x (a)", (), "not authorized: SQLITE_AUTH"),
        (
            "INSERT INTO t (id) VALUES (NULL), (1), (1)",
            (),
            "UNIQUE constraint failed: t.id: "
            "SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_PRIMARYKEY)",
        ),
        (
            "SELECT " + ",".join("?" * 101),
            tuple(range(101)),
            "too many SQL variables at offset 207: SQLITE_ERROR",
        ),
        ("SELECT 1 -- " + "x" * 100_000, (), "statement too long: SQLITE_TOOBIG"),
    ],
)
def test_errors_are_worded_as_workerd_words_them(
    sql: str, params: tuple[object, ...], message: str
) -> None:
    db = make_db()
    assert error_of(db.prepare(sql).bind(*params).all()) == f"Error: D1_ERROR: {message}"


@pytest.mark.parametrize("sql", ["BEGIN TRANSACTION", "SAVEPOINT a", "COMMIT", "ROLLBACK"])
def test_transactions_in_sql_are_refused(sql: str) -> None:
    db = make_db()
    assert error_of(db.prepare(sql).run()).startswith(
        "Error: D1_ERROR: To execute a transaction, please use the state.storage.transaction()"
    )
    # The emulator's own transaction around the query is untouched: the next query works.
    assert run(db.prepare("SELECT 1 AS a").first("a")) == 1


def test_multiple_statements_answer_the_last_one() -> None:
    db = make_db()
    result = run(db.prepare("INSERT INTO t (s) VALUES ('a'); SELECT s FROM t").all())
    assert result.to_py()["results"] == [{"s": "a"}]
    assert result.meta.changes == 1


def test_foreign_keys_are_enforced_as_in_workerd() -> None:
    db = make_db(schema=None)
    run(db.exec("CREATE TABLE p (id INTEGER PRIMARY KEY)\nCREATE TABLE c (p REFERENCES p(id))"))
    assert error_of(db.prepare("INSERT INTO c VALUES (1)").run()) == (
        "Error: D1_ERROR: FOREIGN KEY constraint failed: SQLITE_CONSTRAINT "
        "(extended: SQLITE_CONSTRAINT_FOREIGNKEY)"
    )


def test_with_session_queries_the_same_database() -> None:
    db = make_db()
    session = db.withSession("first-primary")
    run(session.prepare("INSERT INTO t (s) VALUES ('s')").run())
    assert session.getBookmark() is None
    assert rows(db, "SELECT s FROM t") == [["s"]]


def test_nan_is_stored_as_null() -> None:
    db = make_db()
    run(db.prepare("INSERT INTO t (r) VALUES (?)").bind(math.inf).run())
    assert rows(db, "SELECT r FROM t") == [[None]]


def test_statements_are_immutable_and_rebindable() -> None:
    db = make_db()
    statement = db.prepare("SELECT ? AS a")
    one, two = statement.bind(1), statement.bind(2)
    assert (run(one.first("a")), run(two.first("a"))) == (1, 2)
    assert statement.params == []


@pytest.mark.parametrize("call", ["dump", "query"])
def test_what_is_not_emulated_says_so(call: str) -> None:
    db = make_db()
    with pytest.raises(NotEmulatedError, match=rf"env\.DB\.{call}\(\)"):
        run(getattr(db, call)() if call == "dump" else db.query({"queries": []}))


@pytest.mark.parametrize(
    ("sql", "refused"),
    [
        ("PRAGMA table_info(t)", False),
        ("PRAGMA table_info", True),  # a table name is required
        ("PRAGMA table_info(_cf_x)", True),
        ("PRAGMA temp.table_info(t)", True),
        ("PRAGMA foreign_keys = off", False),
        ("PRAGMA foreign_keys = 2", True),
        ("PRAGMA defer_foreign_keys = on", False),
        ("PRAGMA optimize(-1)", False),
        ("PRAGMA optimize('x')", True),
        ("PRAGMA quick_check", False),
        ("PRAGMA integrity_check", True),
        ("PRAGMA journal_mode = WAL", True),
        ("PRAGMA user_version", True),
        ("PRAGMA data_version = 1", True),
    ],
)
def test_only_d1s_pragmas_are_allowed(sql: str, refused: bool) -> None:
    db = make_db()
    if refused:
        assert error_of(db.prepare(sql).all()) == "Error: D1_ERROR: not authorized: SQLITE_AUTH"
    else:
        assert run(db.prepare(sql).all()).success is True
