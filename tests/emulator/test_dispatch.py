"""How the emulator calls a Worker's handlers, as workerd's Python entrypoint does
(``python-entrypoint-helper.ts`` and its introspection module): the ``Default`` class or the
module-level handlers, relaxed ``fetch`` calls, named entrypoints, ``waitUntil``."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from workers_emulator import Emulator, JsException

from tests.support.worker_files import worker_emulator


def _get(emu: Emulator, path: str = "/") -> tuple[int, str]:
    with emu.test_client() as client:
        r = client.get(path)
    return r.status_code, r.text


@pytest.mark.parametrize(
    "signature",
    ["self", "self, request", "self, request, env", "self, request, env, ctx", "self, *args"],
)
def test_fetch_is_called_relaxed_with_as_many_of_request_env_ctx_as_it_takes(
    tmp_path: Path, signature: str
) -> None:
    emu = worker_emulator(
        tmp_path,
        f"""
        from workers import Response, WorkerEntrypoint

        class Default(WorkerEntrypoint):
            async def fetch({signature}):
                names = {signature!r}.replace("self", "").replace(" ", "").strip(",")
                return Response(names or "-")
        """,
    )
    assert _get(emu) == (200, signature.replace("self", "").replace(" ", "").strip(",") or "-")


def test_extra_arguments_are_the_isolates_env_and_the_events_ctx(tmp_path: Path) -> None:
    emu = worker_emulator(
        tmp_path,
        """
        from workers import Response, WorkerEntrypoint

        class Default(WorkerEntrypoint):
            def fetch(self, request, env, ctx):  # a plain function works too
                return Response(str(env is self.env and ctx is self.ctx))
        """,
    )
    assert _get(emu) == (200, "True")


@pytest.mark.parametrize("params", ["request", "request, env", "request, env, ctx"])
def test_module_level_on_fetch_is_relaxed_too(tmp_path: Path, params: str) -> None:
    emu = worker_emulator(
        tmp_path,
        f"""
        from workers import Response

        async def on_fetch({params}):
            return Response({params!r})
        """,
    )
    assert _get(emu) == (200, params)


def test_module_level_handlers_are_ignored_from_the_no_global_handlers_date(
    tmp_path: Path,
) -> None:
    source = """
        from workers import Response

        async def on_fetch(request):
            return Response("module level")
        """
    no_fetch = (500, "Error: Handler does not export a fetch() function.")
    assert _get(worker_emulator(tmp_path / "new", source, date="2025-08-14")) == no_fetch
    flagged = ("python_workers", "python_no_global_handlers")
    assert _get(worker_emulator(tmp_path / "flag", source, flags=flagged)) == no_fetch
    unflagged = ("python_workers", "disable_python_no_global_handlers")
    late = worker_emulator(tmp_path / "unflag", source, date="2026-01-01", flags=unflagged)
    assert _get(late) == (200, "module level")
    assert _get(worker_emulator(tmp_path / "old", source)) == (200, "module level")


def test_default_wins_over_module_level_handlers(tmp_path: Path) -> None:
    emu = worker_emulator(
        tmp_path,
        """
        from workers import Response, WorkerEntrypoint

        async def on_fetch(request):
            return Response("module level")

        class Default(WorkerEntrypoint):
            async def fetch(self):
                return Response("class")
        """,
    )
    assert _get(emu) == (200, "class")


def test_a_worker_without_a_fetch_handler_loads_and_answers_workerds_error(
    tmp_path: Path,
) -> None:
    nothing = worker_emulator(tmp_path / "nothing", "X = 1\n")
    assert _get(nothing) == (
        500,
        'Error: Python entrypoint "entry.py" does not export a handler named "on_fetch"',
    )
    only_scheduled = worker_emulator(
        tmp_path / "cron",
        """
        from workers import WorkerEntrypoint

        class Default(WorkerEntrypoint):
            async def scheduled(self, controller, env, ctx):
                pass
        """,
    )
    assert _get(only_scheduled) == (500, "Error: Handler does not export a fetch() function.")
    assert only_scheduled.test_client().scheduled().outcome == "ok"


def test_scheduled_on_the_class_gets_every_argument_not_a_relaxed_call(tmp_path: Path) -> None:
    emu = worker_emulator(
        tmp_path,
        """
        from workers import Response, WorkerEntrypoint

        class Default(WorkerEntrypoint):
            async def fetch(self):
                return Response("")

            async def scheduled(self, controller):
                pass
        """,
    )
    result = emu.test_client().scheduled()
    assert result.outcome == "exception"
    assert isinstance(result.error, TypeError)
    assert "positional argument" in str(result.error)


NAMED = """
    from workers import Response, WorkerEntrypoint

    class Default(WorkerEntrypoint):
        async def fetch(self):
            return Response("default")

    class Counter(WorkerEntrypoint):
        count = 0

        def __init__(self, ctx, env):
            super().__init__(ctx, env)
            self.count = 0

        async def fetch(self, request):
            return Response("counter " + request.url)

        async def bump(self, by):
            self.count += by
            return self.count

        def _private(self):
            return "no"

    class Alias(WorkerEntrypoint):
        async def fetch(self):
            return Response("alias")

    Exported = Alias  # found by its class name, as workerd's introspection does
"""


def test_named_entrypoints_are_every_exported_class_besides_default(tmp_path: Path) -> None:
    emu = worker_emulator(tmp_path, NAMED)
    assert sorted(emu.isolate.entrypoints) == ["Alias", "Counter"]
    assert emu.isolate.entrypoint is not None and emu.isolate.entrypoint.__name__ == "Default"


def test_all_limits_the_exported_entrypoints(tmp_path: Path) -> None:
    emu = worker_emulator(tmp_path, NAMED + '\n    __all__ = ["Default", "Counter"]\n')
    assert sorted(emu.isolate.entrypoints) == ["Counter"]


def test_a_named_entrypoint_answers_fetch_and_rpc_on_a_fresh_instance_each_time(
    tmp_path: Path,
) -> None:
    emu = worker_emulator(tmp_path, NAMED)

    async def go() -> list[object]:
        answer = await emu.fetch("GET", "/x", entrypoint="Counter")
        return [
            answer.text,
            await emu.rpc("Counter", "bump", 2),
            await emu.rpc("Counter", "bump", 2),  # a fresh instance: not 4
        ]

    assert asyncio.run(go()) == ["counter http://localhost:8787/x", 2, 2]


def test_rpc_refuses_private_or_missing_methods_and_unknown_entrypoints(tmp_path: Path) -> None:
    emu = worker_emulator(tmp_path, NAMED)
    # The JavaScript TypeError workerd's Python entrypoint wrapper throws.
    with pytest.raises(JsException, match=r"^TypeError: Method _private does not exist$"):
        asyncio.run(emu.rpc("Counter", "_private"))
    with pytest.raises(JsException, match=r"^TypeError: Method nope does not exist$"):
        asyncio.run(emu.rpc("Counter", "nope"))
    with pytest.raises(LookupError, match="'Missing'"):
        asyncio.run(emu.rpc("Missing", "bump", 1))


def test_wait_until_work_runs_after_the_response_and_counts_on_the_request(
    tmp_path: Path,
) -> None:
    emu = worker_emulator(
        tmp_path,
        """
        import asyncio
        from workers import Response, WorkerEntrypoint, wait_until, waitUntil

        class Default(WorkerEntrypoint):
            async def fetch(self, request):
                async def write(key):
                    await asyncio.sleep(0.01)
                    await self.env.KV.put(key, "done")

                self.ctx.waitUntil(write("ctx"))
                wait_until(write("snake"))
                waitUntil(write("camel"))
                return Response("answered")
        """,
        '[[kv_namespaces]]\nbinding = "KV"\nid = "kv"\n',
    )
    with emu.test_client() as client:
        r = client.get("/")
    assert r.text == "answered"
    assert r.kv_ops["KV"].writes == 3
    assert sorted(e.key for e in emu.kv_entries("KV")) == ["camel", "ctx", "snake"]


def test_the_test_client_makes_rpc_calls_too(tmp_path: Path) -> None:
    emu = worker_emulator(tmp_path, NAMED)
    with emu.test_client() as client:
        assert client.rpc("Counter", "bump", 5) == 5
        assert client.get("/").text == "default"
