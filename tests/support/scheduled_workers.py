"""A Worker with a scheduled handler, for the tests that fire it (in process, through
``TestClient`` and over the dev server's HTTP routes)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from workers_emulator import Emulator, ManualClock

NOW = 1_800_000_000.0  # the ManualClock's time: what a trigger without ?time= runs at
NOW_MS = int(NOW * 1000)

WORKER = """
import json

from workers import Response, WorkerEntrypoint

seen = []


async def fail_later():
    raise RuntimeError("late failure")


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        rest = request.url.split("/", 3)[3]
        if rest == "seen":
            return Response(json.dumps(seen))
        return Response(f"fetch {request.method} /{rest}")

    async def scheduled(self, controller, env, ctx):
        seen.append({"cron": controller.cron, "scheduledTime": controller.scheduledTime})
        print("scheduled", controller.cron, controller.scheduledTime)
        await env.KV.put(f"run-{len(seen)}", controller.cron)  # one write per key a second
        if controller.cron == "throw":
            raise RuntimeError("boom")
        if controller.cron == "late":
            ctx.waitUntil(fail_later())
"""

NO_HANDLER_WORKER = """
from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return Response("fetched")
"""


def make_emulator(tmp_path: Path, source: str = WORKER, crons: bool = True) -> Emulator:
    (tmp_path / "src").mkdir(exist_ok=True)
    (tmp_path / "src" / "entry.py").write_text(textwrap.dedent(source))
    triggers = '[triggers]\ncrons = ["*/5 * * * *"]\n' if crons else ""
    (tmp_path / "wrangler.toml").write_text(
        f'name = "t"\nmain = "src/entry.py"\n{triggers}'
        '[[kv_namespaces]]\nbinding = "KV"\nid = "kv"\n'
    )
    return Emulator(tmp_path / "wrangler.toml", clock=ManualClock(NOW))
