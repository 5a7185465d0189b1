"""Every counted binding kind, one Worker using them all: each operation shows in the request's
``kv_ops`` and in the binding's cumulative counters, and the one fault switch reaches every kind
(issue #13). A new binding kind fails ``test_every_provided_kind_is_accounted_for`` until it is
added here, so it cannot be left out of the accounting."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from workers_emulator import Emulator, OpCounts
from workers_emulator.bindings.accounting import CountedBinding
from workers_emulator.bindings.providers import PROVIDERS

CALLER = """\
from urllib.parse import urlsplit

from workers import DurableObject, Response, WorkerEntrypoint


class Counter(DurableObject):
    async def bump(self):
        await self.ctx.storage.put("n", 1)


OPERATIONS = {
    "kv": lambda env: env.KV.get("k"),
    "ratelimit": lambda env: env.LIMITER.limit(key="k"),
    "d1": lambda env: env.DB.prepare("SELECT 1").first(),
    "r2": lambda env: env.BUCKET.head("k"),
    "queue": lambda env: env.JOBS.send("m"),
    "assets": lambda env: env.ASSETS.fetch("http://assets.local/index.html"),
    "service": lambda env: env.OTHER.ping(),
    "durable_object": lambda env: env.COUNTERS.get(env.COUNTERS.idFromName("a")).bump(),
}


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        try:
            await OPERATIONS[urlsplit(request.url).path.strip("/")](self.env)
        except Exception as exc:
            return Response(f"failed: {exc}")
        return Response("ok")
"""

CALLEE = """\
from workers import WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def ping(self):
        return "pong"
"""


class Kind(NamedTuple):
    """One counted binding kind: its config key, the binding the Worker uses, the kind of
    the one operation its route makes, the binding as the emulator hands it to a test, and
    what the Worker sees when that operation is made to fail."""

    config_key: str
    binding: str
    op: str
    binding_of: Callable[[Emulator, str], CountedBinding]
    fault: str


KINDS: dict[str, Kind] = {
    "kv": Kind(
        "kv_namespaces", "KV", "reads", Emulator.kv, "KV GET failed: 500 Internal Server Error"
    ),
    "ratelimit": Kind(
        "ratelimits", "LIMITER", "writes", Emulator.ratelimiter, "Network connection lost."
    ),
    "d1": Kind("d1_databases", "DB", "reads", Emulator.d1, "D1_ERROR: Network connection lost."),
    "r2": Kind(
        "r2_buckets",
        "BUCKET",
        "reads",
        Emulator.r2,
        "head: We encountered an internal error. Please try again. (10001)",
    ),
    "queue": Kind(
        "queues.producers",
        "JOBS",
        "writes",
        Emulator.queue,
        "Queue send failed: Internal Server Error",
    ),
    "assets": Kind("assets", "ASSETS", "reads", Emulator.assets, "Network connection lost."),
    "service": Kind("services", "OTHER", "reads", Emulator.service, "Network connection lost."),
    "durable_object": Kind(
        "durable_objects.bindings",
        "COUNTERS",
        "writes",
        Emulator.durable_objects,
        "Internal error in Durable Object storage caused object to be reset.",
    ),
}

# The provided kind whose calls are not counted operations: a consumer puts nothing on ``env``.
NOT_COUNTED = {"queues.consumers"}


def _write(folder: Path, source: str, config: dict[str, object]) -> Path:
    (folder / "src").mkdir(parents=True)
    (folder / "src" / "entry.py").write_text(source, encoding="utf-8")
    base = {"main": "src/entry.py", "compatibility_date": "2025-11-02"}
    path = folder / "wrangler.json"
    path.write_text(json.dumps({**base, "compatibility_flags": ["python_workers"], **config}))
    return path


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    (tmp_path / "caller" / "public").mkdir(parents=True)
    (tmp_path / "caller" / "public" / "index.html").write_text("<h1>home</h1>")
    caller = _write(
        tmp_path / "caller",
        CALLER,
        {
            "name": "caller",
            "kv_namespaces": [{"binding": "KV", "id": "kv"}],
            "ratelimits": [
                {"name": "LIMITER", "namespace_id": "1001", "simple": {"limit": 9, "period": 60}}
            ],
            "d1_databases": [{"binding": "DB", "database_name": "db", "database_id": "db"}],
            "r2_buckets": [{"binding": "BUCKET", "bucket_name": "files"}],
            "queues": {"producers": [{"binding": "JOBS", "queue": "jobs"}]},
            "assets": {"directory": "public", "binding": "ASSETS"},
            "services": [{"binding": "OTHER", "service": "callee"}],
            "durable_objects": {"bindings": [{"name": "COUNTERS", "class_name": "Counter"}]},
            "migrations": [{"tag": "v1", "new_sqlite_classes": ["Counter"]}],
        },
    )
    callee = _write(tmp_path / "callee", CALLEE, {"name": "callee"})
    workers: dict[str, Emulator] = {}
    with Emulator(caller, workers=workers) as emu, Emulator(callee, workers=workers):
        yield emu


def _one(op: str) -> OpCounts:
    counts = OpCounts()
    setattr(counts, op, 1)
    return counts


def test_every_provided_kind_is_accounted_for() -> None:
    assert set(PROVIDERS) - NOT_COUNTED == {kind.config_key for kind in KINDS.values()}


@pytest.mark.parametrize("name", KINDS)
def test_every_binding_kind_counts_its_operations_per_request_and_cumulatively(
    emulator: Emulator, name: str
) -> None:
    kind = KINDS[name]
    binding = kind.binding_of(emulator, kind.binding)
    assert isinstance(binding, CountedBinding)
    client = emulator.test_client()
    first, second = client.get(f"/{name}"), client.get(f"/{name}")
    assert (first.text, second.text) == ("ok", "ok")
    assert first.kv_ops[kind.binding] == second.kv_ops[kind.binding] == _one(kind.op)
    assert binding.counters == _one(kind.op) + _one(kind.op)
    emulator.reset_counters()
    assert binding.counters == OpCounts()


@pytest.mark.parametrize("name", KINDS)
def test_every_binding_kind_takes_part_in_fault_injection(emulator: Emulator, name: str) -> None:
    kind = KINDS[name]
    injector = emulator.inject_faults(1.0)
    response = emulator.test_client().get(f"/{name}")
    assert kind.fault in response.text and response.text.startswith("failed: ")
    assert injector.injected == 1  # one draw per operation, whichever binding makes it
    assert response.kv_ops[kind.binding] == _one(kind.op)  # a failed operation still counts
