"""A Worker imports the runtime's modules (``workers``, ``js``, ``pyodide``, ``asgi``) at any
time, top level or inside a handler, and gets the emulator's; code outside the Worker keeps
the real ones."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from workers_emulator import NotEmulatedError
from workers_emulator.runtime.imports import standin_workers_module

from tests.support.worker_files import worker_emulator

INSIDE_HANDLER = """
    from workers import WorkerEntrypoint

    class Default(WorkerEntrypoint):
        async def fetch(self, request):
            # Each of these is resolved only now, inside the request.
            from workers import Response
            import asgi
            import js
            import workers.wsgi
            from pyodide.ffi import to_js
            from workers import wsgi as wsgi_module
            from helper import where

            return Response.json({
                "response": Response.__module__,
                "asgi": asgi.__name__,
                "wsgi": workers.wsgi is wsgi_module,
                "js": js.JSON.stringify(to_js({"a": 1}, dict_converter=js.Object.fromEntries)),
                "helper": where(),
            })
"""

HELPER = """
def where():
    # A module of the Worker's own folder imports the runtime's modules too.
    import workers
    return workers.__name__
"""


def test_runtime_modules_import_inside_a_handler_and_in_the_workers_own_modules(
    tmp_path: Path,
) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "helper.py").write_text(HELPER, encoding="utf-8")
    emu = worker_emulator(tmp_path, INSIDE_HANDLER)
    with emu.test_client() as client:
        r = client.get("/")
    assert r.status_code == 200, r.text
    assert r.json() == {
        "response": "workers_emulator.runtime.workers.response",
        "asgi": "workers_emulator.runtime.workers.asgi",
        "wsgi": True,
        "js": '{"a":1}',
        "helper": "workers_emulator.runtime.workers",
    }


def test_the_real_sdk_is_not_shadowed_outside_the_worker(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "helper.py").write_text(HELPER, encoding="utf-8")
    emu = worker_emulator(tmp_path, INSIDE_HANDLER)
    with emu.test_client() as client:
        assert client.get("/").status_code == 200
    for name in ("workers", "js", "pyodide", "asgi"):
        module = sys.modules.get(name)
        assert module is None or not module.__name__.startswith("workers_emulator"), name
    spec = importlib.util.find_spec("workers")
    assert spec is not None and "site-packages" in (spec.origin or "")


def test_a_pyodide_module_without_a_stand_in_is_not_emulated(tmp_path: Path) -> None:
    emu = worker_emulator(
        tmp_path,
        """
        from workers import Response, WorkerEntrypoint

        class Default(WorkerEntrypoint):
            async def fetch(self, request):
                import pyodide.webloop
                return Response("unreachable")
        """,
    )
    with emu.test_client() as client:
        r = client.get("/")
    assert r.status_code == 500
    assert any(
        "NotEmulatedError: the module pyodide.webloop is not emulated" in line
        for line in emu.log_lines
    ), emu.log_lines


def test_a_module_the_runtime_lacks_too_is_module_not_found_under_its_own_name(
    tmp_path: Path,
) -> None:
    emu = worker_emulator(
        tmp_path,
        """
        from workers import Response, WorkerEntrypoint

        class Default(WorkerEntrypoint):
            async def fetch(self, request):
                try:
                    import workers.nonexistent
                except ModuleNotFoundError as exc:
                    return Response(f"{exc.name}|{exc}")
                return Response("imported")
        """,
    )
    with emu.test_client() as client:
        assert client.get("/").text == "workers.nonexistent|No module named 'workers.nonexistent'"


def test_standin_workers_module_registers_every_runtime_name_and_restores_them() -> None:
    before = {n: m for n, m in sys.modules.items() if n.split(".")[0] in ("workers", "js")}
    with standin_workers_module():
        import js
        from workers.request import Request
        from workers_emulator.runtime.workers import Request as StandinRequest

        assert Request is StandinRequest  # one copy of each module, not a second load
        assert js.Response.__name__ == "_JsResponse"
        with pytest.raises(NotEmulatedError, match=r"js\.HTMLRewriter is not emulated"):
            js.HTMLRewriter.new()
    after = {n: m for n, m in sys.modules.items() if n.split(".")[0] in ("workers", "js")}
    assert after == before
