"""The patterns Python Workers are written in, one small Worker each (``workers/<pattern>``,
configured in ``wrangler.jsonc``), served by ``workers-emulator dev`` over real HTTP.

Each Worker is copied to a temporary folder (its state and ``.dev.vars`` stay there) and
started as a developer starts it; the answers are checked as a client sees them.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.support.devserver import ServerNotReady, emulator_dev
from tests.support.origin import origin_server

WORKERS = Path(__file__).parent / "workers"


@contextmanager
def serve(pattern: str, folder: Path, dev_vars: str = "") -> Iterator[tuple[httpx.Client, Path]]:
    """``workers-emulator dev`` on a copy of ``workers/<pattern>``; a client on its URL and
    the folder holding its log."""
    project = folder / pattern
    shutil.copytree(WORKERS / pattern, project)
    if dev_vars:
        (project / ".dev.vars").write_text(dev_vars, encoding="utf-8")
    try:
        with (
            emulator_dev(project / "wrangler.jsonc", folder=folder, health_path="/") as url,
            httpx.Client(base_url=url, timeout=30) as client,
        ):
            yield client, folder
    except ServerNotReady as error:
        pytest.fail(str(error))


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    with origin_server() as url:
        yield url


def test_hello(tmp_path: Path) -> None:
    with serve("hello", tmp_path) as (client, _):
        r = client.get("/")
    assert (r.status_code, r.text) == (200, "Hello from a Python Worker!")
    assert r.headers["content-type"] == "text/plain;charset=UTF-8"


def test_kv_writes_reads_lists_and_deletes(tmp_path: Path) -> None:
    with serve("kv", tmp_path) as (client, _):
        assert client.get("/missing").status_code == 404
        assert client.put("/first", content="one").status_code == 201
        assert client.put("/second", content="two").status_code == 201
        assert client.get("/first").json() == {"value": "one", "metadata": {"by": "conformance"}}
        assert client.get("/").json() == ["first", "second"]
        assert client.delete("/first").status_code == 204
        assert client.get("/").json() == ["second"]


def test_fastapi_routes_path_params_bodies_and_env_vars(tmp_path: Path) -> None:
    with serve("fastapi", tmp_path) as (client, _):
        assert client.get("/").json() == {"message": "FastAPI on a Python Worker"}
        assert client.get("/greet/Ada").json() == {"message": "Hello, Ada!"}
        assert client.get("/greet/Ada?shout=true").json() == {"message": "HELLO, ADA!"}
        created = client.post("/items/7", json={"name": "lamp"})
        assert (created.status_code, created.json()) == (201, {"id": 7, "name": "lamp"})
        assert client.get("/items/7").json() == {"id": 7, "name": "lamp"}
        missing = client.get("/items/8")
        assert (missing.status_code, missing.json()) == (404, {"detail": "no such item"})
        invalid = client.get("/items/not-a-number")
        assert invalid.status_code == 422
        assert invalid.headers["content-type"] == "application/json"


def test_django_hello_through_wsgi(tmp_path: Path) -> None:
    with serve("django", tmp_path) as (client, _):
        r = client.get("/")
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/json"
        assert r.json() == {"message": "Hello from Django", "method": "GET"}
        assert client.get("/items/3/?q=x").json() == {"item": 3, "q": "x"}
        assert client.get("/nowhere/").status_code == 404


def test_cron_trigger_runs_the_scheduled_handler(tmp_path: Path) -> None:
    with serve("cron", tmp_path) as (client, folder):
        assert client.get("/").json() == []
        fired = client.get("/cdn-cgi/handler/scheduled?cron=*/5+*+*+*+*&time=1800000000000")
        assert (fired.status_code, fired.text) == (200, "ok")
        assert client.get("/").json() == [{"cron": "*/5 * * * *", "scheduledTime": 1800000000000}]
        time.sleep(0.2)  # the log is written in batches
        assert "cron ran */5 * * * *" in (folder / "workers-emulator.log").read_text()


# The 1x1 PNG the js_interop Worker answers, byte for byte.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def test_js_globals_and_to_js_answer_a_binary_body(tmp_path: Path) -> None:
    with serve("js_interop", tmp_path) as (client, _):
        image = client.get("/pixel.png")
        assert image.status_code == 200
        assert image.headers["content-type"] == "image/png"
        assert image.content == PIXEL  # not a byte changed (no text decoding on the way)
        assert client.get("/json").json() == {"bytes": len(PIXEL), "ok": True}
        assert client.get("/some/path?q=v").text == "/some/path v"


def test_sync_http_clients_reach_a_local_origin(tmp_path: Path, origin: str) -> None:
    with serve("sync_http", tmp_path, f"ORIGIN={origin}\n") as (client, _):
        r = client.get("/all")
    assert r.status_code == 200
    assert r.json() == dict.fromkeys(
        ["requests", "urllib3", "httpx.Client", "urllib"], "hello from the origin"
    )


def test_a_sync_call_waiting_on_the_origin_never_stalls_the_dev_server(
    tmp_path: Path, origin: str
) -> None:
    with serve("sync_http", tmp_path, f"ORIGIN={origin}\n") as (client, _):
        slow: dict[str, object] = {}

        def call_slow() -> None:
            with httpx.Client(base_url=str(client.base_url), timeout=30) as other:
                started = time.monotonic()
                slow["text"] = other.get("/slow").text
                slow["seconds"] = time.monotonic() - started

        thread = threading.Thread(target=call_slow)
        thread.start()
        time.sleep(0.3)  # the slow request is waiting on its origin now
        started = time.monotonic()
        quick = client.get("/")
        quick_seconds = time.monotonic() - started
        thread.join(timeout=30)
    assert quick.text == "sync clients ready" and quick_seconds < 0.8
    assert slow["text"] == "slow answer" and float(slow["seconds"]) >= 1.4  # type: ignore[arg-type]


def test_outbound_fetch_from_workers_and_js(tmp_path: Path, origin: str) -> None:
    with serve("outbound_fetch", tmp_path, f"ORIGIN={origin}\n") as (client, _):
        proxied = client.get("/proxy")
        assert (proxied.status_code, proxied.text) == (200, "hello from the origin")
        assert proxied.headers["x-origin"] == "local"  # the origin's own header, passed on
        posted = client.get("/post").json()
        assert posted["status"] == 200
        assert posted["echo"]["method"] == "POST"
        assert posted["echo"]["body"] == "sent by the Worker"
        assert client.get("/js").text == "js.fetch 200: hello from the origin"
