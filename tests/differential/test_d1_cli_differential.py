"""``d1 execute`` and ``d1 migrations apply``: real ``wrangler`` (its local D1) against
``workers-emulator``, the same commands on the same project, each on its own state folder.

Compared: exit codes, the JSON ``--json`` prints (``meta.duration`` by type: wrangler's local
D1 reports whole milliseconds), failures' JSON and error lines, the migration status table
and what the ``d1_migrations`` table holds afterwards.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.devserver import EXECUTABLE, WRANGLER, require_wrangler

CONFIG = {
    "name": "d1-cli",
    "main": "worker.js",
    "compatibility_date": "2025-06-01",
    "d1_databases": [{"binding": "DB", "database_name": "quotes-db", "database_id": "quotes-id"}],
}
MIGRATIONS = {
    "0001_init.sql": "CREATE TABLE q (id INTEGER PRIMARY KEY, s TEXT, b BLOB, r REAL);\n",
    "2_seed.sql": (
        "-- seed rows\nINSERT INTO q (s, b, r) VALUES ('a', x'0102', 1.5), ('b', NULL, 2);\n"
    ),
    "10_more.sql": "INSERT INTO q (s) VALUES ('it''s');\n",
}
DUMP = (
    "BEGIN TRANSACTION;\nCREATE TABLE d (k TEXT PRIMARY KEY, v);\n"
    "INSERT INTO d VALUES ('x', 1);\n-- a comment\nINSERT INTO d VALUES ('y', 'two');\nCOMMIT;\n"
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_wrangler()
    folder = tmp_path_factory.mktemp("d1-cli")
    (folder / "wrangler.jsonc").write_text("// D1 CLI\n" + json.dumps(CONFIG), encoding="utf-8")
    (folder / "worker.js").write_text("export default { fetch() {} };\n", encoding="utf-8")
    (folder / "migrations").mkdir()
    for name, sql in MIGRATIONS.items():
        (folder / "migrations" / name).write_text(sql, encoding="utf-8")
    (folder / "dump.sql").write_text(DUMP, encoding="utf-8")
    return folder


def run(tool: str, project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """One command under ``wrangler`` or ``workers-emulator``, each with its own state."""
    program = str(WRANGLER) if tool == "wrangler" else str(EXECUTABLE)
    env = {
        **os.environ,
        "WRANGLER_SEND_METRICS": "false",
        "CI": "1",
        "NO_COLOR": "1",
        "WRANGLER_LOG_PATH": str(project / "logs"),  # not the user's ~/.config
    }
    persist = ["--persist-to", str(project / f"{tool}-state")]
    return subprocess.run(
        [program, "d1", *args, "--local", *persist],
        cwd=project,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def both(project: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], ...]:
    return run("wrangler", project, *args), run("emulator", project, *args)


def masked(output: str) -> Any:
    data = json.loads(output)
    if isinstance(data, list):
        for result in data:
            duration = result["meta"].pop("duration")
            assert isinstance(duration, int | float)
    return data


def plain(text: str) -> str:
    """Text without terminal colours (wrangler colours its errors whatever NO_COLOR says)."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def last_table(output: str) -> list[str]:
    lines = output.splitlines()
    start = max(i for i, line in enumerate(lines) if line.startswith("┌"))
    end = max(i for i, line in enumerate(lines) if line.startswith("└"))
    return lines[start : end + 1]


def test_migrations_apply_and_execute_match_wrangler(project: Path) -> None:
    wrangler, emulator = both(project, "migrations", "apply", "quotes-db")
    assert (wrangler.returncode, emulator.returncode) == (0, 0), wrangler.stderr + emulator.stderr
    assert last_table(emulator.stdout) == last_table(wrangler.stdout)
    assert "🚣 2 commands executed successfully." in emulator.stdout

    again = both(project, "migrations", "apply", "quotes-db")
    assert [r.stdout.strip().splitlines()[-1] for r in again] == ["✅ No migrations to apply!"] * 2

    for sql in (
        "SELECT id, name FROM d1_migrations ORDER BY id",
        "SELECT * FROM q ORDER BY id; SELECT count(*) AS n, typeof(r) AS t FROM q",
        "UPDATE q SET s = upper(s) WHERE id < 3",
    ):
        wrangler, emulator = both(project, "execute", "quotes-db", "--json", "--command", sql)
        assert (wrangler.returncode, emulator.returncode) == (0, 0), emulator.stderr
        assert masked(emulator.stdout) == masked(wrangler.stdout), sql

    wrangler, emulator = both(project, "execute", "DB", "--json", "--file", "dump.sql")
    assert (wrangler.returncode, emulator.returncode) == (0, 0), emulator.stdout
    assert masked(emulator.stdout) == masked(wrangler.stdout)
    wrangler, emulator = both(project, "execute", "quotes-db", "--json", "--command",
                              "SELECT * FROM d ORDER BY k")  # fmt: skip
    assert masked(emulator.stdout) == masked(wrangler.stdout)


def test_failures_match_wrangler(project: Path) -> None:
    sql = "INSERT INTO q (s) VALUES ('lost'); SELECT * FROM nope"
    wrangler, emulator = both(project, "execute", "quotes-db", "--json", "--command", sql)
    assert (wrangler.returncode, emulator.returncode) == (1, 1)
    assert json.loads(emulator.stdout) == json.loads(wrangler.stdout)
    assert json.loads(emulator.stdout) == {"error": {"text": "no such table: nope: SQLITE_ERROR"}}

    wrangler, emulator = both(project, "execute", "quotes-db", "--command", sql)
    assert (wrangler.returncode, emulator.returncode) == (1, 1)
    error = "✘ [ERROR] no such table: nope: SQLITE_ERROR"
    assert error in plain(wrangler.stderr) and error in emulator.stderr

    count = "SELECT count(*) AS n FROM q WHERE s = 'lost'"
    for result in both(project, "execute", "quotes-db", "--json", "--command", count):
        assert masked(result.stdout)[0]["results"] == [{"n": 0}]
