"""Service bindings: one Python Worker calling another's ``fetch`` and its
``WorkerEntrypoint`` RPC methods, in process and under ``workers-emulator dev -c a -c b``."""

from __future__ import annotations

import asyncio
import json
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from workers_emulator import Emulator, JsException
from workers_emulator.cli import EXIT_USAGE, main
from workers_emulator.config import ConfigError
from workers_emulator.server import banner

from tests.support.devserver import emulator_dev

CALLEE = """\
from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        if request.url.endswith("/explode"):
            raise ValueError("fetch boom in b")
        body = await request.text()
        return Response(f"b saw {request.method} {request.url} {body}", headers={"x-from": "b"})

    async def add(self, a, b):
        return a + b

    async def keep(self, items):
        items.append("changed in b")
        return items

    async def explode(self):
        raise ValueError("boom in b")


class Admin(WorkerEntrypoint):
    async def whoami(self):
        return {"entrypoint": "Admin", "greeting": self.env.GREETING}

    async def fetch(self, request):
        return Response("admin fetch")
"""

CALLER = """\
import json
from urllib.parse import urlsplit

from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        path = urlsplit(request.url).path
        if path == "/health":
            return Response("ok")
        if path == "/fetch":
            r = await self.env.B.fetch("http://b.internal/hello", method="POST", body="payload")
            return Response(f"{r.status} {r.headers.get('x-from')} {await r.text()}")
        if path == "/forward":
            return await self.env.B.fetch(request)
        if path == "/rpc":
            return Response(str(await self.env.B.add(2, 3)))
        if path == "/copies":
            items = ["mine"]
            returned = await self.env.B.keep(items)
            return Response(json.dumps([items, returned]))
        if path == "/entrypoint":
            return Response(json.dumps(await self.env.ADMIN.whoami()))
        if path == "/entrypoint-fetch":
            return Response(await (await self.env.ADMIN.fetch("http://x/")).text())
        if path == "/not-running":
            r = await self.env.GONE.fetch("http://x/")
            return Response(f"{r.status} {await r.text()}")
        if path == "/not-running-rpc":
            try:
                await self.env.GONE.ping()
            except Exception as exc:
                return Response(str(exc))
        if path in ("/python-error", "/python-error-fetch"):
            try:
                if path == "/python-error":
                    await self.env.B.explode()
                else:
                    await self.env.B.fetch("http://b.internal/explode")
            except Exception as exc:
                lines = exc.message.strip().splitlines()
                return Response(json.dumps([type(exc).__name__, exc.name, lines[0], lines[-1]]))
        return Response("no route", status=404)
"""

SERVICES = [
    {"binding": "B", "service": "b-worker"},
    {"binding": "ADMIN", "service": "b-worker", "entrypoint": "Admin"},
    {"binding": "GONE", "service": "nowhere"},
]


def _write(folder: Path, name: str, source: str, **extra: object) -> Path:
    (folder / "src").mkdir(parents=True, exist_ok=True)
    (folder / "src" / "entry.py").write_text(textwrap.dedent(source), encoding="utf-8")
    config = {
        "name": name,
        "main": "src/entry.py",
        "compatibility_date": "2025-06-01",
        "compatibility_flags": ["python_workers"],
        **extra,
    }
    path = folder / "wrangler.jsonc"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


@pytest.fixture
def configs(tmp_path: Path) -> tuple[Path, Path]:
    caller = _write(tmp_path / "a", "a-worker", CALLER, services=SERVICES)
    callee = _write(tmp_path / "b", "b-worker", CALLEE, vars={"GREETING": "hello from b"})
    return caller, callee


@pytest.fixture
def session(configs: tuple[Path, Path]) -> Iterator[Emulator]:
    workers: dict[str, Emulator] = {}
    caller = Emulator(configs[0], workers=workers)
    callee = Emulator(configs[1], workers=workers)
    try:
        yield caller
    finally:
        caller.close()
        callee.close()


def test_fetch_reaches_the_other_worker_with_method_url_and_body(session: Emulator) -> None:
    response = session.test_client().get("/fetch")
    assert response.text == "200 b b saw POST http://b.internal/hello payload"
    assert response.kv_ops["B"].reads == 1


def test_rpc_calls_the_default_entrypoint_and_a_named_one(session: Emulator) -> None:
    client = session.test_client()
    assert client.get("/rpc").text == "5"
    assert client.get("/entrypoint").json() == {"entrypoint": "Admin", "greeting": "hello from b"}
    assert client.get("/entrypoint-fetch").text == "admin fetch"


def test_rpc_arguments_and_results_are_copies(session: Emulator) -> None:
    assert session.test_client().get("/copies").json() == [["mine"], ["mine", "changed in b"]]


def test_a_service_not_in_the_session_answers_as_wrangler_dev_does(session: Emulator) -> None:
    # wrangler 4.86's dev registry; the differential test holds it to workerd.
    client = session.test_client()
    message = 'Worker "nowhere" not found. Make sure it is running locally.'
    assert client.get("/not-running").text == f"503 {message}"
    assert client.get("/not-running-rpc").text == f"Error: {message}"


@pytest.mark.parametrize(
    ("date", "name", "first_line"),
    [
        # Before enhanced_error_serialization workerd tunnels an unknown name as an Error
        # whose message starts with it (as test_services_differential.py sees for JavaScript).
        ("2025-06-01", "Error", "PythonError: Traceback (most recent call last):"),
        ("2026-04-21", "PythonError", "Traceback (most recent call last):"),
    ],
)
@pytest.mark.parametrize("path", ["/python-error", "/python-error-fetch"])
def test_a_python_exception_reaches_the_caller_as_pyodides_python_error(
    tmp_path: Path, date: str, name: str, first_line: str, path: str
) -> None:
    # workerd's Python entrypoint wrapper lets Pyodide turn the exception into a PythonError
    # (a JavaScript error, its message the traceback); the caller catches a JsException.
    caller = _write(tmp_path / "a", "a-worker", CALLER, services=SERVICES, compatibility_date=date)
    callee = _write(tmp_path / "b", "b-worker", CALLEE, compatibility_date=date)
    workers: dict[str, Emulator] = {}
    with Emulator(caller, workers=workers) as emulator, Emulator(callee, workers=workers):
        answer = emulator.test_client().get(path).json()
    boom = "boom in b" if path == "/python-error" else "fetch boom in b"
    assert answer == ["JsException", name, first_line, f"ValueError: {boom}"]


def test_fault_injection_fails_a_service_call(session: Emulator) -> None:
    injector = session.inject_faults(1.0, ops=("read",))
    response = session.test_client().get("/rpc")
    assert response.status_code == 500
    assert "Error: Network connection lost." in response.text
    assert injector.injected == 1 and session.service("B").counters.reads == 1


def test_the_banner_shows_which_services_are_connected(session: Emulator) -> None:
    lines = banner(session)
    assert any(line.startswith("env.B (b-worker) ") and line.endswith(" local") for line in lines)
    assert any(line.startswith("env.ADMIN (b-worker#Admin) ") for line in lines)
    gone = [line for line in lines if line.startswith("env.GONE (nowhere) ")]
    assert len(gone) == 1 and gone[0].endswith("local [not connected]")


def test_the_callees_fetch_raising_rejects_the_callers_fetch_without_a_page(
    session: Emulator,
) -> None:
    # workerd rejects the caller's fetch with the error (a 500 page is wrangler's middleware
    # around a bundled JavaScript Worker, which a Python Worker does not get).
    async def call() -> str:
        try:
            await session.service("B").fetch("http://b.internal/explode")
        except JsException as exc:
            return exc.name
        return "answered"

    assert asyncio.run(call()) == "Error"
    assert not any("Uncaught exception" in line for line in session.workers["b-worker"].log_lines)


def test_a_named_entrypoint_the_callee_lacks_stops_the_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    services = [{"binding": "NOPE", "service": "b-worker", "entrypoint": "Nope"}]
    caller = _write(tmp_path / "a", "a-worker", CALLER, services=services)
    callee = _write(tmp_path / "b", "b-worker", CALLEE)
    argv = ["dev", "-c", str(caller), "-c", str(callee), "--port", "0"]
    assert main([*argv, "--persist-to", str(tmp_path / "state")]) == EXIT_USAGE
    # workerd's refusal (it names Workers "core:user:<name>" under wrangler dev).
    assert capsys.readouterr().err.strip() == (
        'workers-emulator: Worker "a-worker"\'s binding "NOPE" refers to service "b-worker" '
        'with a named entrypoint "Nope", but "b-worker" has no such named entrypoint.'
    )


def test_two_workers_of_one_name_are_a_config_error(configs: tuple[Path, Path]) -> None:
    workers: dict[str, Emulator] = {}
    first = Emulator(configs[1], workers=workers)
    try:
        with pytest.raises(ConfigError, match="two Workers of the session are named 'b-worker'"):
            Emulator(configs[1], workers=workers)
    finally:
        first.close()


def test_dev_serves_the_first_config_and_binds_the_others(
    configs: tuple[Path, Path], tmp_path: Path
) -> None:
    caller, callee = configs
    with emulator_dev(caller, folder=tmp_path, health_path="/health", beside=[callee]) as url:
        assert httpx.get(f"{url}/fetch").text == "200 b b saw POST http://b.internal/hello payload"
        assert httpx.get(f"{url}/rpc").text == "5"
        forwarded = httpx.post(f"{url}/forward", content=b"over http")
        assert forwarded.text == f"b saw POST {url}/forward over http"
        assert forwarded.headers["x-from"] == "b"
    output = (tmp_path / "workers-emulator.log").read_text(encoding="utf-8")
    assert f"Also running Worker 'b-worker' ({callee})" in output
