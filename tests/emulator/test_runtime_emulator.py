"""The Emulator runs a Worker written against the real SDK unchanged, as wrangler dev would."""

from __future__ import annotations

import asyncio
import base64
import shutil
import sys
import time
from pathlib import Path

import pytest
from workers_emulator import Emulator, JsException, ManualClock, OpCounts
from workers_emulator.runtime import workers as standin

MINIMAL = Path(__file__).parent / "workers" / "minimal"
CONFIG = MINIMAL / "wrangler.toml"


@pytest.fixture
def emu() -> Emulator:
    return Emulator(CONFIG, secrets={"API_TOKEN": "t0k"})


@pytest.fixture
def client(emu: Emulator):
    with emu.test_client() as c:
        yield c


def test_request_round_trip(client) -> None:
    r = client.post("/echo", json={"a": 1}, params={"x": "1 2"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    data = r.json()
    assert data["method"] == "POST"
    assert data["url"] == "http://localhost:8787/echo?x=1+2"
    assert data["body"] == '{"a":1}'
    assert data["content_type"] == "application/json"
    assert data["client"] == "127.0.0.1"  # CF-Connecting-IP, as the platform sets it
    assert data["colo"] == "DFW"  # request.cf is there, with attribute access


def test_cf_is_wrangler_devs_placeholder_with_attribute_access(emu) -> None:
    cf = emu.build_request("GET", "/").cf
    assert (cf.colo, cf.country, cf.botManagement.score) == ("DFW", "US", 99)
    cf.colo = "changed"  # each request has its own copy
    assert emu.build_request("GET", "/").cf.colo == "DFW"


def test_cf_is_built_on_first_access_yet_the_same_everywhere(emu) -> None:
    from workers_emulator.runtime.workers import Request

    request = emu.build_request("GET", "/")
    assert request.cf is request.cf  # built once, then kept
    assert Request(request).cf.colo == "DFW" and request.clone().cf.colo == "DFW"
    nested = request.cf.botManagement
    assert type(nested).__name__ == "JsDict" and nested.score == 99
    own = {"colo": "AMS", "tls": {"version": "TLSv1.3"}}
    custom = emu.build_request("GET", "/", cf=own)
    own["colo"] = "later"  # the caller's dict is copied when the request is built
    assert (custom.cf.colo, custom.cf.tls.version) == ("AMS", "TLSv1.3")


def test_content_and_custom_headers(client) -> None:
    r = client.put("/echo", content=b"raw", headers={"Content-Type": "text/x-raw"})
    assert r.json()["body"] == "raw" and r.json()["content_type"] == "text/x-raw"


def test_response_headers_keep_each_set_cookie(client) -> None:
    r = client.get("/headers")
    assert r.headers.get_list("set-cookie") == ["a=1", "b=2"]
    assert r.headers["X-One"] == "1"


def test_status_only_and_binary_responses(client) -> None:
    assert client.get("/empty").status_code == 204 and client.get("/empty").content == b""
    r = client.get("/redirect")
    assert r.status_code == 302 and r.headers["location"] == "https://example.com/"
    assert client.get("/bytes").content == b"\x00\x01\x02"


def test_body_is_none_only_for_get_and_head_without_one(client) -> None:
    # As wrangler dev does (checked): other methods always get a stream.
    assert client.get("/body-kind").text == "none"
    assert client.post("/body-kind", content=b"x").text == "stream"
    assert client.post("/body-kind").text == "stream"
    assert client.delete("/body-kind").text == "stream"


def test_an_exception_is_a_500_with_its_first_line_and_the_traceback_is_logged(emu, client) -> None:
    r = client.get("/boom")
    assert r.status_code == 500
    assert r.text == "ValueError: the handler failed"  # wrangler dev's first line, no stack
    assert r.headers["content-type"] == "text/plain;charset=UTF-8"
    assert "about to fail" in emu.log_lines
    assert any("Traceback" in line for line in emu.log_lines)
    assert any("ValueError: the handler failed" in line for line in emu.log_lines)


def test_a_non_response_result_is_a_500(emu, client) -> None:
    assert client.get("/not-a-response").status_code == 500
    assert any("did not resolve to 'Response'" in line for line in emu.log_lines)


def test_wait_until_runs_after_the_response(emu, client) -> None:
    r = client.get("/wait")
    assert r.status_code == 202
    # Its KV write is done (and counted on the request) by the time fetch returns.
    assert [e.key for e in emu.kv_entries("KV")] == ["background"]
    assert r.kv_ops["KV"].writes == 1


def test_request_body_is_cut_off_after_the_response(emu, client) -> None:
    assert client.post("/wait-read", content=b"late").status_code == 202
    value = asyncio.run(emu.kv("KV").get("late-read"))
    assert value == "TypeError: Can't read from request stream after response has been sent."


def test_wait_until_errors_are_logged_not_answered(emu, client) -> None:
    assert client.get("/wait-fail").status_code == 202
    assert any("RuntimeError: background failure" in line for line in emu.log_lines)


def test_each_emulator_is_a_fresh_isolate() -> None:
    first = Emulator(CONFIG)
    c1 = first.test_client()
    assert [c1.get("/count").text for _ in range(2)] == ["1", "2"]
    second = Emulator(CONFIG)
    # Module-level state does not leak: the helper module was loaded afresh.
    assert second.test_client().get("/count").text == "1"
    assert first.isolate.module is not second.isolate.module
    assert c1.get("/count").text == "3"


def test_workers_module_is_the_standin_only_while_importing() -> None:
    sentinel = object()
    saved = sys.modules.get("workers")
    sys.modules["workers"] = sentinel  # type: ignore[assignment]
    try:
        emu = Emulator(CONFIG)
        assert sys.modules["workers"] is sentinel
        # The Worker bound the stand-in's classes.
        assert emu.isolate.module.Response is standin.Response
        assert emu.isolate.module.WorkerEntrypoint is standin.WorkerEntrypoint
    finally:
        if saved is None:
            sys.modules.pop("workers", None)
        else:
            sys.modules["workers"] = saved
    Emulator(CONFIG)
    assert sys.modules.get("workers") is saved


def test_prints_are_captured_per_request(emu, client, capsys) -> None:
    capsys.readouterr()
    assert "minimal worker loaded" in emu.log_lines  # import-time output too
    client.get("/print")
    assert emu.log_lines[-2:] == ['{"event": "hello"}', "to stderr"]
    print("outside any request")
    out = capsys.readouterr()
    assert "outside any request" in out.out
    assert '{"event": "hello"}' not in out.out and "to stderr" not in out.err
    assert "outside any request" not in emu.log_lines


def test_concurrent_requests_do_not_mix_their_lines(emu) -> None:
    async def both():
        await asyncio.gather(emu.fetch("GET", "/partial?tag=A"), emu.fetch("GET", "/partial?tag=B"))

    asyncio.run(both())
    assert sorted(emu.log_lines[-2:]) == ["AA", "BB"]


def test_kv_ops_are_per_request_and_counters_cumulative(emu, client) -> None:
    r = client.get("/kv")
    assert r.kv_ops == {
        "KV": OpCounts(reads=1, writes=1, deletes=0, lists=0),
        "LIMITER": OpCounts(),
    }
    assert client.get("/echo").kv_ops == {"KV": OpCounts(), "LIMITER": OpCounts()}
    client.get("/wait")  # one more write (another key: KV allows 1 write/s per key)
    assert emu.kv_counters("KV") == OpCounts(reads=1, writes=2)
    emu.reset_counters()
    assert emu.kv_counters("KV") == OpCounts()


def test_manual_clock_drives_time_time_inside_requests_only() -> None:
    clock = ManualClock(start=1_798_761_600.0)
    emu = Emulator(CONFIG, clock=clock)
    client = emu.test_client()
    assert client.get("/time").text == "1798761600"
    emu.clock.advance(days=90)
    assert client.get("/time").text == str(1_798_761_600 + 90 * 86400)
    assert time.time() < 1_798_761_600  # outside a request, the real time


def test_env_vars_secrets_and_missing_names(emu, client) -> None:
    assert client.get("/env").json() == {
        "greeting": "hello",
        "one": 1,
        "token": "t0k",
        "missing": None,
    }
    with pytest.raises(AttributeError):
        _ = emu.env.NOPE


def test_vars_override() -> None:
    emu = Emulator(CONFIG, vars={"GREETING": "hi"})
    assert emu.test_client().get("/env").json()["greeting"] == "hi"


def test_rate_limit_binding(client) -> None:
    assert [client.get("/limit").json()["success"] for _ in range(3)] == [True, True, False]
    # Every call is one operation on the request, the refused one too.
    assert client.get("/limit").kv_ops["LIMITER"] == OpCounts(writes=1)


def test_kv_faults_surface_as_js_errors(emu, client) -> None:
    emu.inject_kv_faults(rate=1.0, seed=1, ops=("write",))
    assert client.get("/kv").status_code == 500
    assert any("KV PUT failed" in line for line in emu.log_lines)


def test_kv_binding_is_usable_from_tests(emu) -> None:
    asyncio.run(emu.kv("KV").put("seeded", "1"))
    assert [e.key for e in emu.kv_entries("KV")] == ["seeded"]
    assert emu.test_client().get("/kv").text == "v"


def test_persisted_kv_survives_a_restart(tmp_path) -> None:
    Emulator(CONFIG, persist_to=tmp_path).test_client().get("/kv")
    assert (tmp_path / "kv" / "minimal-kv.sqlite").is_file()
    again = Emulator(CONFIG, persist_to=tmp_path)
    assert [e.key for e in again.kv_entries("KV")] == ["k"]
    assert Emulator(CONFIG).kv_entries("KV") == []  # in memory by default


@pytest.fixture
def worker_copy(tmp_path) -> Path:
    target = tmp_path / "w"
    shutil.copytree(MINIMAL, target)
    return target / "wrangler.toml"


def test_dev_defaults_generate_missing_secrets(worker_copy) -> None:
    (worker_copy.parent / ".dev.vars").write_text('SIGNING_KEY="from file"\n')
    emu = Emulator(worker_copy, dev_defaults=True)
    assert list(emu.generated_secrets) == ["API_TOKEN"]
    token = emu.generated_secrets["API_TOKEN"]
    assert len(base64.urlsafe_b64decode(token + "=")) == 32
    assert emu.secrets == {"SIGNING_KEY": "from file", "API_TOKEN": token}
    assert emu.test_client().get("/env").json()["token"] == token


def test_no_defaults_without_dev_defaults(worker_copy) -> None:
    emu = Emulator(worker_copy)
    assert emu.generated_secrets == {} and emu.secrets == {}
    assert emu.test_client().get("/env").json()["token"] is None


def test_secrets_argument_replaces_dev_vars(worker_copy) -> None:
    (worker_copy.parent / ".dev.vars").write_text("API_TOKEN=from-file\n")
    assert Emulator(worker_copy).secrets == {"API_TOKEN": "from-file"}
    assert Emulator(worker_copy, secrets={}).secrets == {}


def test_worker_import_error_propagates(tmp_path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "entry.py").write_text("import workers\nraise RuntimeError('bad')\n")
    (tmp_path / "wrangler.toml").write_text('name = "x"\nmain = "src/entry.py"\n')
    with pytest.raises(RuntimeError, match="bad"):
        Emulator(tmp_path / "wrangler.toml")
    assert "entry" not in sys.modules or "tmp" not in str(sys.modules["entry"])


def test_js_exception_str() -> None:
    assert str(JsException("TypeError", "nope")) == "TypeError: nope"


def make_worker(tmp_path: Path, source: str, toml_extra: str = "") -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "entry.py").write_text(source)
    config = tmp_path / "wrangler.toml"
    config.write_text(f'name = "t"\nmain = "src/entry.py"\n{toml_extra}')
    return config


def test_module_level_env_and_wait_until(tmp_path) -> None:
    config = make_worker(
        tmp_path,
        "import workers\n"
        "from workers import Response, WorkerEntrypoint, waitUntil\n"
        "AT_IMPORT = workers.env.NAME\n"
        "async def later(env):\n"
        "    await env.KV.put('x', AT_IMPORT)\n"
        "class Default(WorkerEntrypoint):\n"
        "    async def fetch(self, request):\n"
        "        waitUntil(later(self.env))\n"
        "        return Response(AT_IMPORT)\n",
        '[vars]\nNAME = "from-vars"\n[[kv_namespaces]]\nbinding = "KV"\nid = "t"\n',
    )
    emu = Emulator(config)
    assert emu.test_client().get("/").text == "from-vars"
    assert [(e.key, e.value) for e in emu.kv_entries("KV")] == [("x", b"from-vars")]


def test_module_level_on_fetch_handler(tmp_path) -> None:
    config = make_worker(
        tmp_path,
        "from workers import Response, handler\n"
        "@handler\n"
        "async def on_fetch(request, env):\n"
        "    return Response(request.method.value)\n",
    )
    assert Emulator(config).test_client().delete("/").text == "DELETE"
