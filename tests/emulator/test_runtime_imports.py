"""A Worker imports the runtime's modules (``workers``, ``js``, ``pyodide``, ``asgi``) at any
time, top level or inside a handler, and gets the emulator's; code outside the Worker keeps
the real ones."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from workers_emulator import Emulator, NotEmulatedError
from workers_emulator.runtime.imports import standin_workers_module

from tests.support.worker_files import worker_emulator, write_worker

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


# A package the Worker ships (as django_cf): outside the Worker's folder, on sys.path.
SHIPPED = {
    "shipped_pkg/__init__.py": """
        import js
        from workers import wsgi

        WSGI = wsgi.__name__
        JS = js.__name__

        def later():
            # Resolved only when the Worker calls it.
            from pyodide.ffi import to_js
            import workers
            return [to_js.__module__, workers.__name__]
        """,
    "late_pkg.py": """
        from workers import Response

        RESPONSE = Response.__module__
        """,
    "outside_pkg.py": """
        import pyodide

        PYODIDE = pyodide.__file__
        """,
}

USES_SHIPPED = """
    import importlib
    import threading

    import shipped_pkg
    from workers import Response, WorkerEntrypoint

    class Default(WorkerEntrypoint):
        async def fetch(self, request):
            import late_pkg  # first imported inside a request
            seen = {}
            # Another thread's import is not the Worker's, even while a request runs.
            thread = threading.Thread(
                target=lambda: seen.update(pyodide=importlib.import_module("outside_pkg").PYODIDE)
            )
            thread.start()
            thread.join()
            return Response.json({
                "top": [shipped_pkg.WSGI, shipped_pkg.JS],
                "later": shipped_pkg.later(),
                "late": late_pkg.RESPONSE,
                "thread": seen["pyodide"],
            })
"""


def _ship(folder: Path, files: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The packages in ``folder``, on sys.path and forgotten by sys.modules afterwards."""
    for name, source in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        monkeypatch.delitem(sys.modules, name.split("/")[0].removesuffix(".py"), raising=False)
    monkeypatch.syspath_prepend(str(folder))


def test_packages_the_worker_imports_from_outside_its_folder_get_the_runtime_modules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ship(tmp_path / "site", SHIPPED, monkeypatch)
    emu = worker_emulator(tmp_path / "worker", USES_SHIPPED)
    with emu.test_client() as client:
        r = client.get("/")
    assert r.status_code == 200, "\n".join(emu.log_lines)
    answer = r.json()
    assert answer["top"] == ["workers_emulator.runtime.workers.wsgi", "workers_emulator.runtime.js"]
    assert answer["later"] == [
        "workers_emulator.runtime.jsproxy",
        "workers_emulator.runtime.workers",
    ]
    assert answer["late"] == "workers_emulator.runtime.workers.response"
    assert "workers_emulator" not in answer["thread"]  # the real pyodide package's file


def test_code_outside_the_worker_still_gets_the_real_modules_after_it_ran(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ship(tmp_path / "site", SHIPPED, monkeypatch)
    emu = worker_emulator(tmp_path / "worker", USES_SHIPPED)
    with emu.test_client() as client:
        assert client.get("/").status_code == 200
    # Imported by the test itself, not while the Worker runs: the real package.
    import outside_pkg

    assert "workers_emulator" not in outside_pkg.PYODIDE
    assert "site-packages" in outside_pkg.PYODIDE
    spec = importlib.util.find_spec("workers")
    assert spec is not None and "site-packages" in (spec.origin or "")
    for name in ("workers", "js", "pyodide", "asgi"):
        module = sys.modules.get(name)
        assert module is None or not module.__name__.startswith("workers_emulator"), name


def test_standin_workers_module_answers_import_module_and_refuses_what_has_no_stand_in() -> None:
    """What ``workers-emulator dev`` holds for its life: any way of importing, from any code."""
    with standin_workers_module():
        assert importlib.import_module("workers").__name__ == "workers_emulator.runtime.workers"
        spec = importlib.util.find_spec("pyodide.ffi")
        assert spec is not None and "workers_emulator" in (spec.origin or "")
        with pytest.raises(NotEmulatedError, match=r"the module pyodide\.webloop"):
            importlib.import_module("pyodide.webloop")


def test_under_workers_emulator_dev_every_import_of_the_process_gets_the_stand_ins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dev server's process is the Worker's isolate: even ``importlib.import_module``
    from a package (which no ``__import__`` sees) gets the stand-ins, for the server's life."""
    import workers_emulator.server as server
    from workers_emulator.cli import main

    _ship(
        tmp_path / "site",
        {"dynamic_pkg.py": "import importlib\nWORKERS = importlib.import_module('workers')\n"},
        monkeypatch,
    )
    config = write_worker(
        tmp_path / "worker",
        """
        import dynamic_pkg
        from workers import Response, WorkerEntrypoint

        class Default(WorkerEntrypoint):
            async def fetch(self, request):
                return Response(dynamic_pkg.WORKERS.__name__)
        """,
    )
    seen: dict[str, str] = {}

    def fake_run(emulator: Emulator, **options: Any) -> int:
        options["sock"].close()
        seen["served"] = emulator.test_client().get("/").text
        seen["outside"] = importlib.import_module("js").__name__  # the server's own code too
        emulator.close()
        return 0

    monkeypatch.setattr(server, "run_dev_server", fake_run)
    assert main(["dev", "--config", str(config), "--port", "0"]) == 0
    assert seen == {
        "served": "workers_emulator.runtime.workers",
        "outside": "workers_emulator.runtime.js",
    }
    module = sys.modules.get("workers")  # restored once the server is done
    assert module is None or not module.__name__.startswith("workers_emulator")
