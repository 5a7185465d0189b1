"""A Worker with a ``d1_databases`` binding under the Emulator: ``env.DB`` is D1, each
request's D1 operations are counted with its KV ones, and the one fault switch reaches it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from workers_emulator import Emulator, OpCounts
from workers_emulator.server import banner

from tests.support.d1 import run

ENTRY = """\
from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        db = self.env.DB
        try:
            await db.prepare("INSERT INTO notes (text) VALUES (?)").bind("hi").run()
            await self.env.KV.put("last", "hi")
            result = await db.prepare("SELECT id, text FROM notes").all()
        except Exception as exc:
            return Response(str(exc), status=503)
        return Response.json(result.to_py()["results"])
"""


@pytest.fixture
def emulator(tmp_path: Path) -> Emulator:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "entry.py").write_text(ENTRY, encoding="utf-8")
    config = {
        "name": "d1-worker",
        "main": "src/entry.py",
        "compatibility_flags": ["python_workers"],
        "kv_namespaces": [{"binding": "KV", "id": "kv"}],
        "d1_databases": [{"binding": "DB", "database_name": "notes", "database_id": "n"}],
    }
    (tmp_path / "wrangler.json").write_text(json.dumps(config), encoding="utf-8")
    emu = Emulator(tmp_path / "wrangler.json", kv_write_limit=False)
    run(emu.d1("DB").exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)"))
    emu.reset_counters()
    return emu


def test_the_worker_queries_d1_and_its_operations_are_counted(emulator: Emulator) -> None:
    client = emulator.test_client()
    first = client.get("/")
    assert first.json() == [{"id": 1, "text": "hi"}]
    assert first.kv_ops == {"KV": OpCounts(writes=1), "DB": OpCounts(reads=1, writes=1)}
    assert client.get("/").json() == [{"id": 1, "text": "hi"}, {"id": 2, "text": "hi"}]
    assert emulator.d1("DB").counters == OpCounts(reads=2, writes=2)


def test_one_fault_switch_fails_kv_and_d1(emulator: Emulator) -> None:
    injector = emulator.inject_faults(1.0, seed=0, ops=("write",))
    response = emulator.test_client().get("/")
    assert (response.status_code, response.text) == (
        503,
        "Error: D1_ERROR: Network connection lost.",
    )
    assert emulator.kv("KV").faults is injector and emulator.d1("DB").faults is injector
    emulator.inject_faults(0.0)
    assert emulator.test_client().get("/").json() == [{"id": 1, "text": "hi"}]


def test_the_banner_lists_d1_as_local(emulator: Emulator) -> None:
    lines = banner(emulator)
    # As wrangler shows it: the binding, the database id, the kind, local.
    assert any(line.startswith("env.DB (n) ") and "D1 Database" in line and line.endswith("local")
               for line in lines)  # fmt: skip
    assert emulator.warnings == []


QUOTES = """\
from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        results = await self.env.DB.prepare("SELECT quote, author FROM quotes LIMIT 1").all()
        return Response.json(results.results[0])
"""


def test_a_row_answers_as_json_straight_from_the_result(tmp_path: Path) -> None:
    """The pattern of Cloudflare's D1 example: Response.json() of a row as D1 returned it."""
    (tmp_path / "entry.py").write_text(QUOTES, encoding="utf-8")
    config = {
        "main": "entry.py",
        "compatibility_flags": ["python_workers"],
        "d1_databases": [{"binding": "DB", "database_name": "quotes", "database_id": "q"}],
    }
    (tmp_path / "wrangler.json").write_text(json.dumps(config), encoding="utf-8")
    emu = Emulator(tmp_path / "wrangler.json")
    seed = (
        "CREATE TABLE quotes (quote TEXT, author TEXT)\n"
        "INSERT INTO quotes VALUES ('Some words of wisdom', 'Dominik Picheta')"
    )
    run(emu.d1("DB").exec(seed))
    response = emu.test_client().get("/")
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"quote": "Some words of wisdom", "author": "Dominik Picheta"}


def test_meta_duration_follows_the_fake_clock(tmp_path: Path) -> None:
    from workers_emulator import ManualClock

    (tmp_path / "entry.py").write_text(QUOTES, encoding="utf-8")
    config = {
        "main": "entry.py",
        "compatibility_flags": ["python_workers"],
        "d1_databases": [{"binding": "DB", "database_name": "quotes", "database_id": "q"}],
    }
    (tmp_path / "wrangler.json").write_text(json.dumps(config), encoding="utf-8")
    emu = Emulator(tmp_path / "wrangler.json", clock=ManualClock(start=1_800_000_000.0))
    result = run(emu.d1("DB").prepare("SELECT 1 AS one").all())
    assert result.meta.duration == 0  # a frozen clock measures nothing, as workerd's timers
