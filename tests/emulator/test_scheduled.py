"""Cron Triggers: ``Emulator.scheduled`` runs the Worker's scheduled handler as one invocation."""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path

import pytest
from workers_emulator import Emulator, ManualClock, OpCounts
from workers_emulator.scheduled import NoScheduledHandlerError, ScheduledResult

KV_TOML = '[[kv_namespaces]]\nbinding = "KV"\nid = "sched-kv"\n'


def make_worker(tmp_path: Path, source: str, toml_extra: str = KV_TOML) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "entry.py").write_text(source)
    config = tmp_path / "wrangler.toml"
    config.write_text(
        f'name = "t"\nmain = "src/entry.py"\n[triggers]\ncrons = ["*/5 * * * *"]\n{toml_extra}'
    )
    return config


def entrypoint_worker(scheduled_body: str, prelude: str = "") -> str:
    """A Worker whose fetch answers "ok" and whose scheduled() runs ``scheduled_body``."""
    return (
        f"from workers import Response, WorkerEntrypoint\n{prelude}\n"
        "class Default(WorkerEntrypoint):\n"
        "    async def fetch(self, request):\n"
        '        return Response("ok")\n\n'
        "    async def scheduled(self, controller, env, ctx):\n"
        + textwrap.indent(textwrap.dedent(scheduled_body).lstrip("\n"), " " * 8)
    )


ENTRYPOINT_WORKER = entrypoint_worker(
    """
    seen = {
        "cron": controller.cron,
        "scheduledTime": controller.scheduledTime,
        "type": controller.type,
        "now": time.time(),
        "same_env": env is self.env,
        "same_ctx": ctx is self.ctx,
    }
    await env.KV.put("seen", json.dumps(seen))
    await env.KV.get("seen")
    print("swept", controller.cron)
    if controller.cron == "0 0 * * *":
        controller.noRetry()
    """,
    prelude="import json\nimport time\n",
)


def run(emu: Emulator, *args, **kwargs) -> ScheduledResult:
    return asyncio.run(emu.scheduled(*args, **kwargs))


def read_json(emu: Emulator, key: str):
    return asyncio.run(emu.kv("KV").get(key, "json"))


def test_handler_sees_the_controller_and_kv_ops_are_counted(tmp_path) -> None:
    emu = Emulator(make_worker(tmp_path, ENTRYPOINT_WORKER))
    result = run(emu, "*/5 * * * *", 1_700_000_000.25)
    assert result.outcome == "ok" and result.no_retry is False
    assert result.kv_ops == {"KV": OpCounts(reads=1, writes=1)}
    seen = read_json(emu, "seen")
    assert seen["cron"] == "*/5 * * * *"
    assert seen["scheduledTime"] == 1_700_000_000_250  # milliseconds, a whole number
    assert seen["type"] == "scheduled"
    assert seen["same_env"] and seen["same_ctx"]
    assert "swept */5 * * * *" in emu.log_lines


def test_defaults_every_minute_at_the_clock_now_and_time_follows_a_manual_clock(
    tmp_path,
) -> None:
    clock = ManualClock(1_800_000_000)
    emu = Emulator(make_worker(tmp_path, ENTRYPOINT_WORKER), clock=clock)
    clock.advance(days=1)
    assert run(emu).outcome == "ok"
    seen = read_json(emu, "seen")
    assert seen["cron"] == "* * * * *"
    assert seen["scheduledTime"] == (1_800_000_000 + 86_400) * 1000
    assert seen["now"] == 1_800_000_000 + 86_400  # time.time() inside is the clock's


def test_no_retry_is_recorded(tmp_path) -> None:
    emu = Emulator(make_worker(tmp_path, ENTRYPOINT_WORKER))
    assert run(emu, "0 0 * * *").no_retry is True


def test_a_raising_handler_gives_exception_and_a_log_line(tmp_path) -> None:
    source = entrypoint_worker(
        """
        await env.KV.put("before", "1")
        raise ValueError("sweep failed")
        """
    )
    emu = Emulator(make_worker(tmp_path, source))
    result = run(emu)
    assert result.outcome == "exception"
    assert result.kv_ops["KV"] == OpCounts(writes=1)
    assert any(
        line.startswith("Uncaught exception in scheduled handler: ValueError")
        for line in emu.log_lines
    )
    assert any("sweep failed" in line for line in emu.log_lines[1:])
    # The isolate lives on: a request afterwards is served.
    with emu.test_client() as client:
        assert client.get("/").text == "ok"


def test_wait_until_work_completes_before_scheduled_returns(tmp_path) -> None:
    prelude = """
import asyncio

async def later(env):
    await asyncio.sleep(0.01)
    await env.KV.put("late", "done")

async def failing():
    raise RuntimeError("late failure")
"""
    source = entrypoint_worker(
        """
        ctx.waitUntil(later(env))
        if controller.cron == "fail":
            ctx.waitUntil(failing())
        """,
        prelude,
    )
    emu = Emulator(make_worker(tmp_path, source))
    result = run(emu)
    assert result.outcome == "ok"
    assert result.kv_ops["KV"] == OpCounts(writes=1)  # waitUntil work is in the invocation
    assert asyncio.run(emu.kv("KV").get("late")) == "done"
    # Failed waitUntil work fails the event, as on the platform; it is logged, not raised.
    failed = run(emu, "fail")
    assert failed.outcome == "exception"
    assert any(line.startswith("Uncaught (in waitUntil)") for line in emu.log_lines)


def test_the_operation_cap_applies_per_scheduled_run(tmp_path) -> None:
    source = entrypoint_worker(
        """
        for _ in range(1001):
            await env.KV.get("k")
        """
    )
    emu = Emulator(make_worker(tmp_path, source))
    result = run(emu)
    assert result.outcome == "exception"
    assert result.kv_ops["KV"] == OpCounts(reads=1000)
    assert any(
        "Too many API requests by single worker invocation." in line for line in emu.log_lines
    )


def test_module_level_on_scheduled(tmp_path) -> None:
    source = """
from workers import Response

def on_fetch(request, env):
    return Response("ok")

async def on_scheduled(controller, env):
    await env.KV.put("cron", controller.cron)
"""
    emu = Emulator(make_worker(tmp_path, source))
    result = run(emu, "0 3 * * *")
    assert result.outcome == "ok" and result.kv_ops["KV"] == OpCounts(writes=1)
    assert asyncio.run(emu.kv("KV").get("cron")) == "0 3 * * *"


@pytest.mark.parametrize(
    "source",
    [
        "from workers import Response, WorkerEntrypoint\n\n"
        "class Default(WorkerEntrypoint):\n"
        "    async def fetch(self, request):\n"
        "        return Response('ok')\n",
        "from workers import Response\n\ndef on_fetch(request, env):\n    return Response('ok')\n",
    ],
    ids=["entrypoint", "module-level"],
)
def test_a_worker_without_a_scheduled_handler_is_a_clear_error(tmp_path, source) -> None:
    emu = Emulator(make_worker(tmp_path, source))
    with pytest.raises(NoScheduledHandlerError, match="no scheduled handler"):
        run(emu)
    assert issubclass(NoScheduledHandlerError, TypeError)
    assert emu.log_lines == []
