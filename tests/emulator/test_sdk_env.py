"""From compatibility date 2026-04-21 (``python_external_sdk``) a Worker runs its own
``workers-runtime-sdk`` (1.9), whose env wraps the storage bindings: results come back as
Python (plain objects as dicts, arrays as lists, null as None), arguments go out through
``python_to_rpc``. Before that date, and with ``disable_python_external_sdk``, the bindings
answer JavaScript objects as Pyodide shows them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.support.queue_workers import queue_emulator
from tests.support.worker_files import worker_emulator

WORKER = """
from workers import Response, WorkerEntrypoint, handler


def shape(value):
    return type(value).__name__


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        import workers

        db = self.env.DB
        await db.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, name TEXT)")
        insert = db.prepare("INSERT INTO t (name) VALUES (?)")
        # Wrapped statements go into a batch as they are.
        await db.batch([insert.bind("a"), insert.bind("b")])
        try:
            await insert.bind(None).run()  # python_to_rpc: None goes out as null
            none = "null"
        except Exception as exc:
            none = "undefined" if "Type 'undefined' not supported" in str(exc) else repr(exc)
        result = await db.prepare("SELECT id, name FROM t ORDER BY id").all()
        rows = await db.prepare("SELECT id, name FROM t ORDER BY id").raw()
        missing = await db.prepare("SELECT * FROM t WHERE id = 99").first()
        return Response.json({
            "result": shape(result),
            "meta_rows": shape(result.meta) if hasattr(result, "meta") else None,
            "rows": [shape(rows), shape(rows[0])],
            "missing": shape(missing),
            "same_through_workers_env": shape(await workers.env.DB.prepare("SELECT 1").all()),
            "var": shape(self.env.NAME),
            "none": none,
        })
"""

CONFIG = """
[vars]
NAME = "x"

[[d1_databases]]
binding = "DB"
database_name = "db"
database_id = "db-id"
"""

WRAPPED = {
    "result": "JsDict",
    "meta_rows": "JsDict",
    "rows": ["list", "list"],
    "missing": "NoneType",
    "same_through_workers_env": "JsDict",
    "var": "str",
    "none": "null",
}
AS_PYODIDE_SHOWS = {
    "result": "JsObject",
    "meta_rows": "JsObject",
    "rows": ["JsArray", "JsArray"],
    "missing": "NoneType",
    "same_through_workers_env": "JsObject",
    "var": "str",
    "none": "undefined",
}


@pytest.mark.parametrize(
    ("date", "flags", "expected"),
    [
        ("2026-04-21", ("python_workers",), WRAPPED),
        ("2026-04-20", ("python_workers",), AS_PYODIDE_SHOWS),
        ("2026-04-20", ("python_workers", "enable_python_external_sdk"), WRAPPED),
        ("2026-07-29", ("python_workers", "disable_python_external_sdk"), AS_PYODIDE_SHOWS),
    ],
)
def test_the_workers_own_sdk_hands_binding_results_over_as_python(
    tmp_path: Path, date: str, flags: tuple[str, ...], expected: dict[str, object]
) -> None:
    emu = worker_emulator(tmp_path, WORKER, CONFIG, date=date, flags=flags)
    with emu.test_client() as client:
        r = client.get("/")
    assert r.status_code == 200, "\n".join(emu.log_lines)
    assert r.json() == expected


def test_wrapped_results_read_as_dicts_and_lists(tmp_path: Path) -> None:
    emu = worker_emulator(
        tmp_path,
        """
        from workers import Response, WorkerEntrypoint

        class Default(WorkerEntrypoint):
            async def fetch(self, request):
                db = self.env.DB
                await db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
                done = await db.prepare("INSERT INTO t (name) VALUES (?)").bind("a").run()
                row = await db.prepare("SELECT id, name FROM t").first()
                return Response.json({
                    "last_row_id": done["meta"]["last_row_id"],
                    "changes": done.meta.changes,
                    "row": [row["name"], row.name, list(row.values())],
                    "count": len(await db.prepare("SELECT * FROM t").raw()),
                })
        """,
        CONFIG,
        date="2026-07-29",
    )
    with emu.test_client() as client:
        r = client.get("/")
    assert r.status_code == 200, "\n".join(emu.log_lines)
    assert r.json() == {"last_row_id": 1, "changes": 1, "row": ["a", "a", [1, "a"]], "count": 1}


def test_a_durable_object_and_a_module_handler_get_the_wrapped_env_too(tmp_path: Path) -> None:
    emu = worker_emulator(
        tmp_path,
        """
        from workers import DurableObject, Response, handler

        class Counter(DurableObject):
            async def read(self):
                value = await self.env.DB.prepare("SELECT 1 AS n").first()
                return type(value).__name__

        @handler
        async def on_fetch(request, env):
            here = type(await env.DB.prepare("SELECT 1 AS n").first()).__name__
            there = await env.COUNTER.getByName("one").read()
            return Response(f"{here} {there}")
        """,
        CONFIG
        + """
        [durable_objects]
        bindings = [{ name = "COUNTER", class_name = "Counter" }]

        [[migrations]]
        tag = "v1"
        new_sqlite_classes = ["Counter"]
        """,
        date="2026-07-29",
        flags=("python_workers", "disable_python_no_global_handlers"),
    )
    with emu.test_client() as client:
        assert client.get("/").text == "JsDict JsDict"


def test_dicts_given_to_wrapped_bindings_arrive_as_javascript_objects(tmp_path: Path) -> None:
    """The SDK 1.9 sends a dict as a plain object: KV's options and metadata, Rate Limiting's
    key, R2's metadata are read from it as from an object made with ``to_js``."""
    emu = worker_emulator(
        tmp_path,
        """
        from workers import Response, WorkerEntrypoint

        class Default(WorkerEntrypoint):
            async def fetch(self, request):
                kv = self.env.KV
                await kv.put("k", "v", {"expirationTtl": 3600, "metadata": {"m": [1, None]}})
                got = await kv.getWithMetadata("k", {"type": "text"})
                limits = [(await self.env.RL.limit({"key": k}))["success"] for k in "aba"]
                await self.env.B.put("o", b"hello", {"customMetadata": {"x": "y"}})
                obj = await self.env.B.get("o")
                return Response.json({
                    "kv": [got["value"], got["metadata"]],
                    "limits": limits,
                    "r2": [await obj.text(), obj.customMetadata, obj.key],
                })
        """,
        """
        [[kv_namespaces]]
        binding = "KV"
        id = "kv"

        [[r2_buckets]]
        binding = "B"
        bucket_name = "b"

        [[ratelimits]]
        name = "RL"
        namespace_id = "1001"
        simple = { limit = 1, period = 60 }
        """,
        date="2026-07-29",
    )
    with emu.test_client() as client:
        r = client.get("/")
    assert r.status_code == 200, "\n".join(emu.log_lines)
    assert r.json() == {
        "kv": ["v", {"m": [1, None]}],
        "limits": [True, True, False],  # one call per key allowed: "a" twice is refused
        "r2": ["hello", {"x": "y"}, "o"],
    }
    [entry] = emu.kv_entries("KV")
    assert entry.expiration is not None and entry.metadata == {"m": [1, None]}


def test_an_entrypoints_queue_handler_gets_the_batch_as_python(tmp_path: Path) -> None:
    emu = queue_emulator(
        tmp_path,
        """
        from workers import Response, WorkerEntrypoint

        SEEN = []

        class Default(WorkerEntrypoint):
            async def fetch(self, request):
                await self.env.JOBS.send({"n": [1, None]})  # a dict: sent as an object
                return Response("sent")

            async def queue(self, batch, env, ctx):
                for message in batch.messages:
                    SEEN.append((type(message.body).__name__, message.body["n"]))
                    message.ack()
        """,
        date="2026-07-29",
    )
    assert asyncio.run(emu.fetch("POST", "/")).status_code == 200
    emu.clock.advance(2)
    [delivery] = asyncio.run(emu.deliver_queues())
    assert emu.isolate.module.SEEN == [("JsDict", [1, None])]
    assert len(delivery.acked) == 1
