"""Firing the Cron Trigger over HTTP, as ``wrangler dev`` offers it (checked against
wrangler 4.86; tests/differential/test_scheduled_differential.py holds the two side by side):

- ``/cdn-cgi/handler/scheduled?cron=&time=`` (and the legacy ``/cdn-cgi/mf/scheduled``),
  always: ``ok`` 200 or ``exception`` 500, ``time`` in epoch ms read with ``parseInt``;
- ``/__scheduled?cron=`` with ``--test-scheduled`` only: ``Ran scheduled event`` 200, at the
  current time; without the flag the path is the Worker's.

Driven in-process through the ASGI app that ``workers-emulator dev`` serves.
"""

from __future__ import annotations

import asyncio
import math
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from workers_emulator import Emulator
from workers_emulator.asgi import create_app
from workers_emulator.scheduled import TriggerTimeError, js_parse_int, trigger_time_ms

from tests.support.devserver import EXECUTABLE, free_port, stop_process, wait_until_healthy
from tests.support.scheduled_workers import NO_HANDLER_WORKER, NOW_MS, make_emulator


class Dev:
    """The dev server's ASGI app over ``emulator``, its request lines kept."""

    def __init__(self, emulator: Emulator, *, test_scheduled: bool = False) -> None:
        self.emulator = emulator
        self.request_lines: list[str] = []
        self.app = create_app(
            emulator, access_log=self.request_lines.append, test_scheduled=test_scheduled
        )

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def exchange() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://127.0.0.1:8787"
            ) as client:
                return await client.request(method, url, **kwargs)

        return asyncio.run(exchange())

    def seen(self) -> list[dict[str, Any]]:
        return self.request("GET", "/seen").json()


@pytest.fixture
def dev(tmp_path: Path) -> Dev:
    return Dev(make_emulator(tmp_path))


@pytest.fixture
def test_scheduled_dev(tmp_path: Path) -> Dev:
    return Dev(make_emulator(tmp_path), test_scheduled=True)


# -- ?time= as wrangler dev reads it --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1700000000000", 1_700_000_000_000),
        ("12abc", 12),  # digits up to the first other character
        ("1.5e3", 1),
        ("1700000000000.9", 1_700_000_000_000),
        ("0x10", 16),
        ("-0X1f", -31),
        ("+7", 7),
        ("-5", -5),
        (" \t\n\u00a0\ufeff42", 42),  # JavaScript's white space, not only ASCII
    ],
)
def test_js_parse_int_reads_a_leading_integer(text: str, expected: int) -> None:
    assert js_parse_int(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "-", "+", "0x", "0xg", ".5", "\uff11\uff12", "\u0661"])
def test_js_parse_int_without_an_ascii_digit_is_nan(text: str) -> None:
    assert math.isnan(js_parse_int(text))


def test_js_parse_int_of_a_huge_number_is_infinite() -> None:
    assert js_parse_int("9" * 400) == math.inf
    assert js_parse_int("-" + "9" * 400) == -math.inf


def test_trigger_time_is_whole_milliseconds_within_workerds_range() -> None:
    assert trigger_time_ms("1700000000000") == 1_700_000_000_000
    assert trigger_time_ms("-0") == 0
    assert trigger_time_ms("-5") == -5
    # The last milliseconds int64 nanoseconds hold, either side of the epoch.
    assert trigger_time_ms("9223372036854") == 9_223_372_036_854
    assert trigger_time_ms("-9223372036854") == -9_223_372_036_854


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "TypeError: The value cannot be converted because it is not a valid Date."),
        ("9" * 400, "TypeError: The value cannot be converted because it is not a valid Date."),
        (
            "8640000000000001",  # beyond what a JavaScript Date holds
            "TypeError: The value cannot be converted because it is not a valid Date.",
        ),
        ("8640000000000000", "TypeError: This API doesn't support dates after 2189."),
        ("9223372036855", "TypeError: This API doesn't support dates after 2189."),
        ("-9223372036855", "TypeError: This API doesn't support dates before 1687."),
        ("-8640000000000000", "TypeError: This API doesn't support dates before 1687."),
    ],
)
def test_trigger_time_refusals_carry_workerds_messages(text: str, message: str) -> None:
    with pytest.raises(TriggerTimeError) as caught:
        trigger_time_ms(text)
    assert str(caught.value) == message


# -- /cdn-cgi/handler/scheduled: always served ---------------------------------------------


def test_the_handler_path_runs_the_trigger_with_cron_and_time(dev: Dev) -> None:
    r = dev.request("GET", "/cdn-cgi/handler/scheduled?cron=*/5+*+*+*+*&time=1700000000000")
    assert (r.status_code, r.text) == (200, "ok")
    assert r.headers["content-type"] == "text/plain;charset=UTF-8"
    assert dev.seen() == [{"cron": "*/5 * * * *", "scheduledTime": 1_700_000_000_000}]
    assert "scheduled */5 * * * * 1700000000000" in dev.emulator.log_lines
    assert dev.emulator.kv_entries("KV")[0].value == b"*/5 * * * *"


def test_the_handler_path_defaults_to_no_cron_at_the_clock_now(dev: Dev) -> None:
    assert dev.request("GET", "/cdn-cgi/handler/scheduled").text == "ok"
    assert dev.request("GET", "/cdn-cgi/handler/scheduled?cron=&time=").text == "ok"
    assert dev.seen() == [{"cron": "", "scheduledTime": NOW_MS}] * 2


def test_the_handler_path_reads_the_first_of_repeated_parameters_decoded(dev: Dev) -> None:
    r = dev.request("GET", "/cdn-cgi/handler/scheduled?cron=a%2Fb+c&cron=x&time=0x10&time=1")
    assert r.text == "ok"
    assert dev.seen() == [{"cron": "a/b c", "scheduledTime": 16}]


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_the_handler_path_answers_any_method(dev: Dev, method: str) -> None:
    r = dev.request(method, f"/cdn-cgi/handler/scheduled?cron={method}&time=7")
    assert (r.status_code, r.text) == (200, "ok")
    assert dev.seen() == [{"cron": method, "scheduledTime": 7}]


def test_the_handler_path_answers_head_without_a_body(dev: Dev) -> None:
    r = dev.request("HEAD", "/cdn-cgi/handler/scheduled?cron=head")
    assert (r.status_code, r.content, r.headers["content-length"]) == (200, b"", "2")
    assert dev.seen()[0]["cron"] == "head"


def test_a_request_body_sent_to_the_handler_path_closes_the_connection(dev: Dev) -> None:
    r = dev.request("POST", "/cdn-cgi/handler/scheduled", content=b"unread")
    assert r.text == "ok" and r.headers["connection"] == "close"


def test_a_raising_handler_or_failed_wait_until_is_exception_500(dev: Dev) -> None:
    for cron in ("throw", "late"):
        r = dev.request("GET", f"/cdn-cgi/handler/scheduled?cron={cron}")
        assert (r.status_code, r.text) == (500, "exception")
    log = dev.emulator.log_lines
    assert any(line.startswith("Uncaught exception in scheduled handler") for line in log)
    assert any(line.startswith("Uncaught (in waitUntil)") for line in log)


def test_a_time_workerd_refuses_is_a_500_and_runs_nothing(dev: Dev) -> None:
    r = dev.request("GET", "/cdn-cgi/handler/scheduled?time=abc")
    assert (r.status_code, r.text) == (
        500,
        "TypeError: The value cannot be converted because it is not a valid Date.",
    )
    r = dev.request("GET", "/cdn-cgi/handler/scheduled?time=8640000000000000")
    assert (r.status_code, r.text) == (500, "TypeError: This API doesn't support dates after 2189.")
    assert dev.seen() == []


def test_the_handler_path_on_a_worker_without_a_handler_is_exception_500(tmp_path) -> None:
    dev = Dev(make_emulator(tmp_path, NO_HANDLER_WORKER))
    r = dev.request("GET", "/cdn-cgi/handler/scheduled")
    assert (r.status_code, r.text) == (500, "exception")
    assert any("has no scheduled handler" in line for line in dev.emulator.log_lines)


def test_the_legacy_path_runs_the_trigger_and_warns(dev: Dev) -> None:
    r = dev.request("GET", "/cdn-cgi/mf/scheduled?cron=legacy&time=3")
    assert (r.status_code, r.text) == (200, "ok")
    assert dev.seen() == [{"cron": "legacy", "scheduledTime": 3}]
    assert dev.emulator.log_lines[-1] == (
        "[wrangler:warn] Triggering scheduled handlers via a request to `/cdn-cgi/mf/scheduled` "
        "is deprecated, and will be removed in a future version of Miniflare. Instead, send a "
        "request to `/cdn-cgi/handler/scheduled`"
    )


def test_the_legacy_path_warns_also_when_the_time_is_refused(dev: Dev) -> None:
    r = dev.request("GET", "/cdn-cgi/mf/scheduled?time=abc")
    assert r.status_code == 500
    assert dev.emulator.log_lines[-1].startswith("[wrangler:warn] Triggering scheduled handlers")


def test_unescaped_utf8_in_the_query_is_read_as_a_url_reads_it(dev: Dev) -> None:
    sent: list[dict[str, Any]] = []

    async def exchange() -> None:
        scope = {
            "type": "http",
            "method": "GET",
            "path": "/cdn-cgi/handler/scheduled",
            "raw_path": b"/cdn-cgi/handler/scheduled",
            "query_string": "cron=é%C3%A9+x&time=5".encode(),  # raw bytes, then an escape
            "headers": [(b"host", b"127.0.0.1:8787")],
        }

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await dev.app(scope, receive, send)

    asyncio.run(exchange())
    assert (sent[0]["status"], sent[1]["body"]) == (200, b"ok")
    assert dev.seen() == [{"cron": "éé x", "scheduledTime": 5}]


@pytest.mark.parametrize(
    "path", ["/cdn-cgi/handler/scheduled/", "/cdn-cgi/handler/Scheduled", "/cdn-cgi/handler/"]
)
def test_other_handler_paths_are_404_naming_the_valid_ones(dev: Dev, path: str) -> None:
    r = dev.request("GET", path)
    assert (r.status_code, r.text) == (
        404,
        f'"{path}" is not a valid handler. Did you mean to use "/cdn-cgi/handler/scheduled" '
        'or "/cdn-cgi/handler/email"?',
    )
    assert dev.seen() == []


def test_the_email_handler_path_says_it_is_not_emulated(dev: Dev) -> None:
    r = dev.request("POST", "/cdn-cgi/handler/email?from=a@b&to=c@d", content=b"mail")
    assert r.status_code == 501 and "does not emulate email handlers" in r.text


@pytest.mark.parametrize(
    "path", ["/cdn-cgi/handler", "/cdn-cgi/mf/scheduled/", "/cdn-cgi/other", "/x/cdn-cgi/handler/"]
)
def test_paths_beside_the_handlers_reach_the_worker(dev: Dev, path: str) -> None:
    assert dev.request("GET", path).text == f"fetch GET {path}"


def test_handler_answers_have_no_request_line_but_worker_output_is_logged(dev: Dev) -> None:
    dev.request("GET", "/cdn-cgi/handler/scheduled?cron=quiet")
    dev.request("GET", "/cdn-cgi/handler/nope")
    assert dev.request_lines == []
    assert f"scheduled quiet {NOW_MS}" in dev.emulator.log_lines


# -- /__scheduled: only with --test-scheduled ------------------------------------------------


def test_without_test_scheduled_the_path_is_the_workers(dev: Dev) -> None:
    r = dev.request("GET", "/__scheduled?cron=x")
    assert (r.status_code, r.text) == (200, "fetch GET /__scheduled?cron=x")
    assert dev.seen() == []


def test_test_scheduled_runs_the_handler_with_cron_at_the_clock_now(
    test_scheduled_dev: Dev,
) -> None:
    dev = test_scheduled_dev
    r = dev.request("GET", "/__scheduled?cron=*/5+*+*+*+*&time=5")  # ?time= is not read here
    assert (r.status_code, r.text) == (200, "Ran scheduled event")
    assert r.headers["content-type"] == "text/plain;charset=UTF-8"
    assert dev.request("POST", "/__scheduled").text == "Ran scheduled event"
    assert dev.seen() == [
        {"cron": "*/5 * * * *", "scheduledTime": NOW_MS},
        {"cron": "", "scheduledTime": NOW_MS},
    ]


def test_test_scheduled_logs_a_request_line_and_the_handlers_output(
    test_scheduled_dev: Dev,
) -> None:
    dev = test_scheduled_dev
    dev.request("GET", "/__scheduled?cron=logged")
    assert len(dev.request_lines) == 1
    assert dev.request_lines[0].startswith("[wrangler:info] GET /__scheduled 200 OK (")
    assert f"scheduled logged {NOW_MS}" in dev.emulator.log_lines


def test_test_scheduled_answers_a_raising_handler_with_its_error(test_scheduled_dev: Dev) -> None:
    dev = test_scheduled_dev
    r = dev.request("GET", "/__scheduled?cron=throw")
    assert (r.status_code, r.text) == (500, "RuntimeError: boom")
    assert dev.request_lines[0].startswith("[wrangler:info] GET /__scheduled 500 ")


def test_test_scheduled_is_not_failed_by_wait_until_work(test_scheduled_dev: Dev) -> None:
    # The work belongs to the request, answered before it: only /cdn-cgi/... reports it.
    r = test_scheduled_dev.request("GET", "/__scheduled?cron=late")
    assert (r.status_code, r.text) == (200, "Ran scheduled event")
    assert any(
        line.startswith("Uncaught (in waitUntil)") for line in test_scheduled_dev.emulator.log_lines
    )


def test_test_scheduled_on_a_worker_without_a_handler_runs_nothing(tmp_path) -> None:
    dev = Dev(make_emulator(tmp_path, NO_HANDLER_WORKER), test_scheduled=True)
    r = dev.request("GET", "/__scheduled?cron=x")
    assert (r.status_code, r.text) == (200, "Ran scheduled event")
    assert dev.emulator.log_lines == []


@pytest.mark.parametrize(
    "path",
    ["/__scheduled/", "/__scheduled/x", "/__SCHEDULED", "/%5F%5Fscheduled", "/a/__scheduled"],
)
def test_test_scheduled_takes_that_one_path_only(test_scheduled_dev: Dev, path: str) -> None:
    assert test_scheduled_dev.request("GET", path).text == f"fetch GET {path}"
    assert test_scheduled_dev.seen() == []


# -- workers-emulator dev --test-scheduled ---------------------------------------------------


def test_the_dev_command_passes_test_scheduled_on(tmp_path, monkeypatch) -> None:
    import workers_emulator.server as server
    from workers_emulator.cli import main

    calls: list[dict[str, Any]] = []

    def fake_run(emulator: Emulator, **options: Any) -> int:
        calls.append(options)
        options["sock"].close()
        emulator.close()
        return 0

    monkeypatch.setattr(server, "run_dev_server", fake_run)
    make_emulator(tmp_path).close()
    config = str(tmp_path / "wrangler.toml")
    assert main(["dev", "--config", config, "--test-scheduled"]) == 0
    assert main(["dev", "--config", config]) == 0
    assert calls[0]["test_scheduled"] is True
    assert calls[1].get("test_scheduled", False) is False


def test_cron_triggers_are_read_from_the_config(tmp_path) -> None:
    from workers_emulator.config import ConfigError, load_config

    (tmp_path / "worker.py").write_text("")
    config = tmp_path / "wrangler.toml"
    head = 'name = "x"\nmain = "worker.py"\n'
    for text, expected in [
        ('[triggers]\ncrons = ["*/15 * * * *"]\n', ["*/15 * * * *"]),
        ("[triggers]\ncrons = []\n", []),
        ("", []),
    ]:
        config.write_text(head + text)
        assert load_config(config).crons == expected, text
    for odd in ('triggers = "odd"\n', "[triggers]\ncrons = [1]\n", '[triggers]\ncrons = "x"\n'):
        config.write_text(head + odd)
        with pytest.raises(ConfigError, match="crons"):
            load_config(config)


def test_the_warning_names_a_url_that_reaches_the_server() -> None:
    from workers_emulator.server import scheduled_warning

    def curl_line(host: str) -> str:
        return next(line for line in scheduled_warning(host) if "curl" in line).format(port=1)

    assert curl_line("127.0.0.1") == '    curl "http://127.0.0.1:1/cdn-cgi/handler/scheduled"'
    assert curl_line("0.0.0.0") == '    curl "http://localhost:1/cdn-cgi/handler/scheduled"'
    assert curl_line("::") == '    curl "http://localhost:1/cdn-cgi/handler/scheduled"'
    assert curl_line("::1") == '    curl "http://[::1]:1/cdn-cgi/handler/scheduled"'


def start_dev(config: Path, *args: str) -> tuple[subprocess.Popen[bytes], str, Path, Path]:
    """``workers-emulator dev`` on ``config``, ready; its stdout and stderr in files."""
    port = free_port()
    out, err = config.parent / "stdout.log", config.parent / "stderr.log"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [str(EXECUTABLE), "dev", "--config", str(config), "--port", str(port), *args],
            cwd=config.parent,
            stdout=stdout,
            stderr=stderr,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(
            f"{url}/seen",
            process,
            lambda: out.read_text() + err.read_text(),
            name="dev",
            timeout=60,
        )
    except BaseException:
        stop_process(process)
        raise
    return process, url, out, err


def wait_for_text(path: Path, text: str, timeout: float = 5) -> str:
    deadline = time.monotonic() + timeout
    while text not in (content := path.read_text()) and time.monotonic() < deadline:
        time.sleep(0.02)
    return content


def test_dev_with_test_scheduled_logs_the_run_on_stdout_like_a_fetch(tmp_path) -> None:
    make_emulator(tmp_path).close()
    process, url, out, err = start_dev(tmp_path / "wrangler.toml", "--test-scheduled")
    try:
        r = httpx.get(f"{url}/__scheduled?cron=from+http", timeout=10)
        assert (r.status_code, r.text) == (200, "Ran scheduled event")
        r = httpx.get(f"{url}/cdn-cgi/handler/scheduled?cron=cdn&time=42", timeout=10)
        assert (r.status_code, r.text) == (200, "ok")
        stdout = wait_for_text(out, "scheduled cdn 42")
    finally:
        stop_process(process)
    lines = stdout.splitlines()
    ran = next(i for i, line in enumerate(lines) if line.startswith("scheduled from http "))
    assert lines[ran + 1].startswith("[wrangler:info] GET /__scheduled 200 OK (")
    assert "scheduled cdn 42" in lines
    assert "Scheduled Workers are not automatically triggered" not in err.read_text()


def test_dev_without_test_scheduled_warns_how_to_fire_the_trigger(tmp_path) -> None:
    make_emulator(tmp_path).close()
    process, url, _, err = start_dev(tmp_path / "wrangler.toml")
    try:
        r = httpx.get(f"{url}/__scheduled?cron=x", timeout=10)
        assert r.text == "fetch GET /__scheduled?cron=x"
    finally:
        stop_process(process)
    port = url.rsplit(":", 1)[1]
    stderr = err.read_text()
    assert "Scheduled Workers are not automatically triggered during local development." in stderr
    assert f'curl "http://127.0.0.1:{port}/cdn-cgi/handler/scheduled"' in stderr


def test_dev_gives_no_warning_for_a_worker_without_cron_triggers(tmp_path) -> None:
    make_emulator(tmp_path, crons=False).close()
    process, _, _, err = start_dev(tmp_path / "wrangler.toml")
    stop_process(process)
    assert "Scheduled Workers" not in err.read_text()
