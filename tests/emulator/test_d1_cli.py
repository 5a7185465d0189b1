"""``workers-emulator d1 execute`` and ``d1 migrations apply``: wrangler's command shapes and
output, on the same database a Worker under ``workers-emulator dev`` (or ``Emulator``) uses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from workers_emulator import Emulator
from workers_emulator.bindings.d1.commands import table
from workers_emulator.cli import main

ENTRY = """\
from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        result = await self.env.DB.prepare("SELECT quote FROM quotes ORDER BY id").all()
        return Response.json(result.to_py()["results"])
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "entry.py").write_text(ENTRY, encoding="utf-8")
    config = {
        "name": "d1-cli",
        "main": "src/entry.py",
        "compatibility_flags": ["python_workers"],
        "d1_databases": [
            {"binding": "DB", "database_name": "quotes-db", "database_id": "quotes-id"}
        ],
    }
    (tmp_path / "wrangler.jsonc").write_text(
        "// a D1 Worker\n" + json.dumps(config), encoding="utf-8"
    )
    return tmp_path / "wrangler.jsonc"


def execute(project: Path, capsys: Any, *args: str) -> tuple[int, str, str]:
    code = main(["d1", "execute", "quotes-db", "--local", "--config", str(project), *args])
    out, err = capsys.readouterr()
    return code, out, err


def without_durations(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for result in results:
        assert isinstance(result["meta"].pop("duration"), int | float)
    return results


def test_execute_json_prints_what_wrangler_prints(project: Path, capsys: Any) -> None:
    sql = (
        "CREATE TABLE quotes (id INTEGER PRIMARY KEY, quote TEXT, b BLOB);"
        "INSERT INTO quotes (quote, b) VALUES ('a', x'0102'), ('b', NULL);"
        "SELECT * FROM quotes ORDER BY id"
    )
    code, out, err = execute(project, capsys, "--command", sql, "--json")
    assert (code, err) == (0, "")
    assert without_durations(json.loads(out)) == [
        {"results": [], "success": True, "meta": {}},
        {"results": [], "success": True, "meta": {}},
        {
            "results": [{"id": 1, "quote": "a", "b": "[1, 2]"}, {"id": 2, "quote": "b", "b": None}],
            "success": True,
            "meta": {},
        },
    ]


def test_execute_file_then_the_worker_reads_the_same_database(
    project: Path, capsys: Any, tmp_path: Path
) -> None:
    sql_file = tmp_path / "init.sql"
    sql_file.write_text(
        "BEGIN TRANSACTION;\nCREATE TABLE quotes (id INTEGER PRIMARY KEY, quote TEXT);\n"
        "-- seed\nINSERT INTO quotes (quote) VALUES ('first'), ('second');\nCOMMIT;\n",
        encoding="utf-8",
    )
    code, out, _ = execute(project, capsys, "--file", str(sql_file))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("🌀 Executing on local database quotes-db (quotes-id) from ")
    assert lines[1] == "🚣 2 commands executed successfully."
    assert json.loads("\n".join(lines[2:]))[1]["success"] is True  # stdout is no terminal
    emulator = Emulator(project, persist_to=tmp_path / ".wrangler" / "state")
    response = emulator.test_client().get("/")
    assert response.json() == [{"quote": "first"}, {"quote": "second"}]
    emulator.close()


def test_execute_failures_are_exit_1_and_change_nothing(project: Path, capsys: Any) -> None:
    execute(project, capsys, "--command", "CREATE TABLE quotes (quote TEXT)")
    sql = "INSERT INTO quotes VALUES ('lost'); SELECT * FROM missing"
    code, out, err = execute(project, capsys, "--command", sql, "--json")
    assert (code, err) == (1, "")
    assert json.loads(out) == {"error": {"text": "no such table: missing: SQLITE_ERROR"}}
    code, _, err = execute(project, capsys, "--command", sql)
    assert (code, err) == (1, "✘ [ERROR] no such table: missing: SQLITE_ERROR\n")
    code, out, _ = execute(
        project, capsys, "--command", "SELECT count(*) AS n FROM quotes", "--json"
    )
    assert json.loads(out)[0]["results"] == [{"n": 0}]


def test_an_unknown_database_is_a_usage_error_in_wranglers_words(
    project: Path, capsys: Any
) -> None:
    code = main(["d1", "execute", "nope", "--command", "SELECT 1", "--config", str(project)])
    assert code == 2
    assert capsys.readouterr().err == (
        "workers-emulator: Couldn't find a D1 DB with the name or binding 'nope' in your "
        "wrangler.jsonc file.\n"
    )


def test_the_binding_name_finds_the_database_too(project: Path, capsys: Any) -> None:
    code = main(["d1", "execute", "DB", "--command", "SELECT 1 AS one", "--json",
                 "--config", str(project)])  # fmt: skip
    assert code == 0
    assert json.loads(capsys.readouterr().out)[0]["results"] == [{"one": 1}]


def write_migrations(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, sql in files.items():
        (folder / name).write_text(sql, encoding="utf-8")


def applied(project: Path, capsys: Any, table_name: str = "d1_migrations") -> list[Any]:
    sql = f"SELECT id, name FROM {table_name} ORDER BY id"
    code, out, _ = execute(project, capsys, "--command", sql, "--json")
    assert code == 0
    return [[r["id"], r["name"]] for r in json.loads(out)[0]["results"]]


def apply(project: Path) -> int:
    return main(["d1", "migrations", "apply", "quotes-db", "--local", "--config", str(project)])


def test_migrations_apply_in_wranglers_order_once(project: Path, capsys: Any) -> None:
    write_migrations(
        project.parent / "migrations",
        {
            "10_c.sql": "INSERT INTO quotes (quote) VALUES ('ten');",
            "2_b.sql": "INSERT INTO quotes (quote) VALUES ('two');",
            "0001_a.sql": "CREATE TABLE quotes (id INTEGER PRIMARY KEY, quote TEXT);",
            "notes.txt": "not a migration",
        },
    )
    assert apply(project) == 0
    out = capsys.readouterr().out
    assert out.startswith("Migrations to be applied:\n")
    assert "│ 0001_a.sql │ ✅" in out and "│ 10_c.sql   │ ✅" in out
    assert applied(project, capsys) == [[1, "0001_a.sql"], [2, "2_b.sql"], [3, "10_c.sql"]]
    assert apply(project) == 0
    assert capsys.readouterr().out == "✅ No migrations to apply!\n"


def test_a_failing_migration_is_not_recorded_and_changes_nothing(
    project: Path, capsys: Any
) -> None:
    write_migrations(
        project.parent / "migrations",
        {
            "1_ok.sql": "CREATE TABLE quotes (quote TEXT);",
            "2_bad.sql": "INSERT INTO quotes VALUES ('half');\nINSERT INTO nowhere VALUES (1);",
        },
    )
    assert apply(project) == 1
    captured = capsys.readouterr()
    assert "│ 2_bad.sql │ ❌" in captured.out
    assert captured.err.endswith(
        "✘ [ERROR] Migration 2_bad.sql failed with the following errors:\n"
        "✘ [ERROR] no such table: nowhere: SQLITE_ERROR\n"
    )
    assert applied(project, capsys) == [[1, "1_ok.sql"]]
    _, out, _ = execute(project, capsys, "--command", "SELECT count(*) AS n FROM quotes", "--json")
    assert json.loads(out)[0]["results"] == [{"n": 0}]


def test_migrations_dir_and_table_come_from_the_binding(project: Path, capsys: Any) -> None:
    config = json.loads(project.read_text(encoding="utf-8").split("\n", 1)[1])
    config["d1_databases"][0].update(migrations_dir="db/changes", migrations_table="done")
    project.write_text(json.dumps(config), encoding="utf-8")
    write_migrations(project.parent / "db" / "changes", {"1.sql": "CREATE TABLE x (a);"})
    assert apply(project) == 0
    capsys.readouterr()
    assert applied(project, capsys, "done") == [[1, "1.sql"]]


def test_a_missing_migrations_folder_says_so(project: Path, capsys: Any) -> None:
    assert apply(project) == 1
    err = capsys.readouterr().err
    assert err == (
        "▲ [WARNING] No migrations folder found. Set `migrations_dir` in your wrangler.jsonc "
        "file to choose a different path.\n"
        f"✘ [ERROR] No migrations present at {project.parent / 'migrations'}.\n"
    )


def test_table_draws_wranglers_boxes() -> None:
    assert table([{"name": "a", "status": "✅"}, {"name": "bb", "status": "x"}]) == (
        "┌──────┬────────┐\n"
        "│ name │ status │\n"
        "├──────┼────────┤\n"
        "│ a    │ ✅     │\n"
        "├──────┼────────┤\n"
        "│ bb   │ x      │\n"
        "└──────┴────────┘"
    )
