"""The D1 store: real SQLite on disk that outlives the process and can be read beside a
running server, and the statement splitting multi-statement queries rely on."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from workers_emulator.bindings.d1 import D1Database, D1Store, Query, database_path
from workers_emulator.bindings.d1.store import has_statement, split_statements
from workers_emulator.bindings.d1.validation import D1QueryError

from tests.support.d1 import run


def test_a_persisted_database_survives_a_new_store(tmp_path: Path) -> None:
    path = database_path(tmp_path / "state", "db-id")
    assert path == tmp_path / "state" / "d1" / "db-id.sqlite"
    db = D1Database("DB", D1Store(path))
    run(db.exec("CREATE TABLE t (s TEXT)\nINSERT INTO t VALUES ('kept')"))
    db.store.close()
    again = D1Database("DB", D1Store(path))
    assert run(again.prepare("SELECT s FROM t").first("s")) == "kept"
    again.store.close()


def test_another_process_reads_while_the_store_is_open(tmp_path: Path) -> None:
    path = tmp_path / "d1" / "x.sqlite"
    store = D1Store(path)
    store.run([Query("CREATE TABLE t (s TEXT)"), Query("INSERT INTO t VALUES ('seen')")])
    code = (
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
        "print(c.execute('SELECT s FROM t').fetchone()[0])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=30
    )
    assert done.stdout.strip() == "seen", done.stderr
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()


def test_in_memory_stores_are_separate() -> None:
    one, two = D1Store(), D1Store()
    one.run([Query("CREATE TABLE t (a)")])
    (result,) = two.run([Query("SELECT count(*) FROM sqlite_master")])
    assert result.rows == [[0]]


@pytest.mark.parametrize(
    ("sql", "pieces"),
    [
        ("SELECT 1", ["SELECT 1"]),
        ("SELECT 1; SELECT 2", ["SELECT 1;", "SELECT 2"]),
        ("SELECT ';'; SELECT 2;", ["SELECT ';';", "SELECT 2;"]),
        (
            "CREATE TRIGGER g AFTER INSERT ON t BEGIN SELECT 1; END; SELECT 2",
            ["CREATE TRIGGER g AFTER INSERT ON t BEGIN SELECT 1; END;", "SELECT 2"],
        ),
        ("SELECT 1;  \n", ["SELECT 1;"]),
        ("SELECT 1; -- c", ["SELECT 1;", "-- c"]),
        ("", [""]),
    ],
)
def test_split_statements_follows_sqlites_parser(sql: str, pieces: list[str]) -> None:
    assert split_statements(sql) == pieces


@pytest.mark.parametrize(
    ("piece", "expected"),
    [("SELECT 1", True), ("-- c", False), ("/* c */ ;", False), (";", False), ("", False)],
)
def test_has_statement(piece: str, expected: bool) -> None:
    assert has_statement(piece) is expected


def test_without_the_c_library_errors_carry_no_offset(monkeypatch: pytest.MonkeyPatch) -> None:
    import ctypes

    def unavailable(name: str) -> None:
        raise OSError(f"cannot load {name}")

    monkeypatch.setattr(ctypes, "CDLL", unavailable)
    store = D1Store()
    with pytest.raises(D1QueryError) as caught:
        store.run([Query("SELEC 1")])
    assert caught.value.message == 'near "SELEC": syntax error: SQLITE_ERROR'
    store.close()
