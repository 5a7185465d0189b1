"""Bindings the emulator does not provide are loud: one start-up warning per binding naming
it and its kind, and an error naming it on first use (never ``AttributeError: DB``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from workers_emulator import Emulator
from workers_emulator.bindings.providers import PROVIDERS
from workers_emulator.config import BINDING_KINDS
from workers_emulator.errors import NotEmulatedError, WorkersEmulatorWarning

from tests.support.devserver import DevProcess

ENTRY = """\
from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        if request.url.endswith("/has"):
            return Response(str(hasattr(self.env, "DB")))
        if request.url.endswith("/kv"):
            await self.env.KV.put("k", "v")
            return Response(await self.env.KV.get("k"))
        try:
            await self.env.DB.prepare("SELECT 1").all()
        except NotImplementedError as exc:
            return Response(f"{type(exc).__name__}: {exc}", status=501)
        return Response("unreachable")
"""

CONFIG = {
    "name": "unsupported",
    "main": "src/entry.py",
    "compatibility_date": "2026-04-20",
    "compatibility_flags": ["python_workers"],
    "kv_namespaces": [{"binding": "KV", "id": "kv"}],
    "d1_databases": [{"binding": "DB", "database_name": "d", "database_id": "x"}],
    "r2_buckets": [{"binding": "BUCKET", "bucket_name": "b"}],
    "queues": {"consumers": [{"queue": "jobs"}]},
}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "entry.py").write_text(ENTRY, encoding="utf-8")
    path = tmp_path / "wrangler.jsonc"
    path.write_text("// unsupported bindings\n" + json.dumps(CONFIG), encoding="utf-8")
    return path


def test_one_warning_per_binding_not_provided(config: Path) -> None:
    with pytest.warns(WorkersEmulatorWarning) as caught:
        emu = Emulator(config)
    assert emu.warnings == [
        "Queue Consumer 'jobs' is not emulated by workers-emulator: it is ignored",
        "env.DB (D1 Database) is not emulated by workers-emulator: the Worker starts, "
        "but using env.DB raises NotEmulatedError",
        "env.BUCKET (R2 Bucket) is not emulated by workers-emulator: the Worker starts, "
        "but using env.BUCKET raises NotEmulatedError",
    ]
    assert [str(w.message) for w in caught] == emu.warnings
    assert not any("KV" in w for w in emu.warnings)  # provided: no warning


def test_first_use_names_the_binding_and_says_not_emulated(config: Path) -> None:
    with pytest.warns(WorkersEmulatorWarning):
        emu = Emulator(config)
    client = emu.test_client()
    response = client.get("/")
    assert response.status_code == 501
    assert response.text.startswith("NotEmulatedError: env.DB.prepare: env.DB (D1 Database)")
    assert "does not emulate" in response.text and "d1_databases" in response.text
    assert client.get("/has").text == "True"  # reading env.DB is not using it
    assert client.get("/kv").text == "v"  # the rest of the Worker works


def test_every_use_of_a_missing_binding_raises_not_emulated(config: Path) -> None:
    with pytest.warns(WorkersEmulatorWarning):
        emu = Emulator(config)
    bucket = emu.env.BUCKET
    uses = [
        lambda: bucket.get,
        lambda: bucket(),
        lambda: bucket["k"],
        lambda: iter(bucket),
        lambda: setattr(bucket, "x", 1),
    ]
    for use in uses:
        with pytest.raises(NotEmulatedError, match=r"^env\.BUCKET.*R2 Bucket.*does not emulate"):
            use()
    assert "not emulated" in repr(bucket)


def test_an_uncaught_use_is_a_500_whose_log_names_it(config: Path) -> None:
    (config.parent / "src" / "entry.py").write_text(
        "from workers import WorkerEntrypoint\n\n"
        "class Default(WorkerEntrypoint):\n"
        "    async def fetch(self, request):\n"
        "        return await self.env.DB.prepare('SELECT 1').first()\n",
        encoding="utf-8",
    )
    with pytest.warns(WorkersEmulatorWarning):
        emu = Emulator(config)
    assert emu.test_client().get("/").status_code == 500
    log = "\n".join(emu.log_lines)
    assert "NotEmulatedError: env.DB.prepare: env.DB (D1 Database)" in log
    assert "AttributeError" not in log


def test_every_kind_is_either_provided_or_reported() -> None:
    """The table only names kinds the config reader knows."""
    keys = {kind.key for kind in BINDING_KINDS}
    assert set(PROVIDERS) <= keys
    assert {"kv_namespaces", "ratelimits"} <= set(PROVIDERS)


@pytest.fixture
def dev(config: Path) -> Iterator[DevProcess]:
    server = DevProcess(config)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def test_dev_server_warns_once_per_binding_and_marks_them(dev: DevProcess) -> None:
    err = "\n".join(dev.err)
    for name in ("env.DB (D1 Database)", "env.BUCKET (R2 Bucket)", "Queue Consumer 'jobs'"):
        assert err.count(f"▲ [WARNING] {name} is not emulated") == 1, err
    assert "UserWarning" not in err and "WorkersEmulatorWarning" not in err
    table = [line for line in dev.out if line.startswith("env.")]
    assert any(line.startswith("env.DB ") and line.endswith("not emulated") for line in table)
    assert any(line.startswith("env.KV ") and line.endswith("local") for line in table)
    response = httpx.get(dev.url + "/", timeout=10)
    assert response.status_code == 501 and "env.DB" in response.text
