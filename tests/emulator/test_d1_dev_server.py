"""D1 under ``workers-emulator dev``: ``d1 migrations apply`` and ``d1 execute`` work on the
database while the server holds it open, the Worker sees their writes at once, and the data
outlives a restart of the server."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.support.devserver import DevProcess, emulator_command

ENTRY = """\
from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        if request.method == "POST":
            text = (await request.json())["text"]
            await self.env.DB.prepare("INSERT INTO notes (text) VALUES (?)").bind(text).run()
        result = await self.env.DB.prepare("SELECT text FROM notes ORDER BY id").all()
        return Response.json([row.text for row in result.results])
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "entry.py").write_text(ENTRY, encoding="utf-8")
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "0001_notes.sql").write_text(
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);", encoding="utf-8"
    )
    config = {
        "name": "notes",
        "main": "src/entry.py",
        "compatibility_flags": ["python_workers"],
        "d1_databases": [{"binding": "DB", "database_name": "notes", "database_id": "notes-id"}],
    }
    (tmp_path / "wrangler.json").write_text(json.dumps(config), encoding="utf-8")
    return tmp_path / "wrangler.json"


def d1(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        emulator_command("d1", *args, "--local", "--config", str(project)),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_cli_and_the_dev_server_share_the_database(project: Path) -> None:
    assert d1(project, "migrations", "apply", "notes").returncode == 0
    server = DevProcess(project)
    try:
        server.wait_ready()
        assert any("env.DB (notes-id)" in line and "D1 Database" in line for line in server.out)
        assert httpx.post(f"{server.url}/", json={"text": "from http"}).json() == ["from http"]
        sql = "INSERT INTO notes (text) VALUES ('from the cli')"
        assert d1(project, "execute", "notes", "--command", sql).returncode == 0
        assert httpx.get(f"{server.url}/").json() == ["from http", "from the cli"]
    finally:
        assert server.stop() == 0
    restarted = DevProcess(project)
    try:
        restarted.wait_ready()
        assert httpx.get(f"{restarted.url}/").json() == ["from http", "from the cli"]
    finally:
        restarted.stop()
    listing = d1(
        project, "execute", "notes", "--json", "--command", "SELECT count(*) AS n FROM notes"
    )
    assert json.loads(listing.stdout)[0]["results"] == [{"n": 2}]
