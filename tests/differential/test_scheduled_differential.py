"""Firing the Cron Trigger over HTTP: real ``wrangler dev`` (workerd) against
``workers-emulator dev``, the same requests to both.

``scheduled/js`` holds the reference Workers (JavaScript, under ``wrangler dev``),
``scheduled/py`` the same Workers in Python (under ``workers-emulator dev``): one with a
``scheduled`` handler that records what its controller carried (``GET /seen``), and one
without. Each scenario starts both servers with the same flags and compares, step by step,
the status, the content type, the body (its first line: workerd adds a JavaScript stack
below it) and what the handler saw; the handler's console lines must reach both logs.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.devserver import TWIN_LOG, emulator_dev, js_twin
from tests.support.differential import assert_same_answers

HERE = Path(__file__).parent / "scheduled"
# A trigger without ?time= runs at the server's now: within this of the request, it counts.
NOW_TOLERANCE_MS = 60_000
WARNING = "Scheduled Workers are not automatically triggered during local development."


@dataclass(frozen=True)
class Step:
    method: str
    path: str
    # The error's name differs by language (Error / RuntimeError): compare what follows it.
    error_name_free: bool = False


WITH_TEST_SCHEDULED = [
    Step("GET", "/__scheduled?cron=*/5+*+*+*+*"),
    Step("POST", "/__scheduled"),
    Step("GET", "/__scheduled?cron=a&time=5"),  # ?time= is not read on this path
    Step("GET", "/__scheduled?cron=throw", error_name_free=True),
    Step("GET", "/__scheduled?cron=late"),  # failed waitUntil work after the answer
    Step("GET", "/__scheduled/"),
    Step("GET", "/__SCHEDULED"),
    Step("GET", "/%5F%5Fscheduled"),
    Step("GET", "/cdn-cgi/handler/scheduled?cron=*%2F5%20*%20*%20*%20*&time=1700000000000"),
    Step("GET", "/cdn-cgi/handler/scheduled"),
    Step("PUT", "/cdn-cgi/handler/scheduled?cron=put&time=12abc"),
    Step("DELETE", "/cdn-cgi/handler/scheduled?cron=hex&time=0x10"),
    Step("POST", "/cdn-cgi/handler/scheduled?cron=neg&time=-5"),
    Step("GET", "/cdn-cgi/handler/scheduled?cron=blank&time="),
    Step("GET", "/cdn-cgi/handler/scheduled?cron=first&cron=second&time=1&time=2"),
    Step("GET", "/cdn-cgi/handler/scheduled?time=abc"),
    Step("GET", "/cdn-cgi/handler/scheduled?time=99999999999999999"),
    Step("GET", "/cdn-cgi/handler/scheduled?time=8640000000000000"),
    Step("GET", "/cdn-cgi/handler/scheduled?time=-8640000000000000"),
    Step("GET", "/cdn-cgi/handler/scheduled?cron=throw&time=6"),
    Step("GET", "/cdn-cgi/handler/scheduled?cron=late&time=7"),
    Step("HEAD", "/cdn-cgi/handler/scheduled?cron=head&time=8"),
    Step("GET", "/cdn-cgi/handler/scheduled/"),
    Step("GET", "/cdn-cgi/handler/nope"),
    Step("GET", "/cdn-cgi/handler"),
    Step("GET", "/cdn-cgi/mf/scheduled?cron=legacy&time=9"),
]
WITHOUT_TEST_SCHEDULED = [
    Step("GET", "/__scheduled?cron=a"),
    Step("POST", "/__scheduled"),
    Step("GET", "/cdn-cgi/handler/scheduled?cron=b&time=5"),
    Step("GET", "/cdn-cgi/handler/scheduled?cron=throw&time=6"),
]
WITHOUT_A_HANDLER = [
    Step("GET", "/__scheduled?cron=a"),
    Step("GET", "/cdn-cgi/handler/scheduled?cron=b&time=5"),
    Step("GET", "/cdn-cgi/mf/scheduled"),
]


@dataclass(frozen=True)
class Scenario:
    config: str  # wrangler.toml or no_handler.toml, in both js/ and py/
    test_scheduled: bool
    steps: list[Step]


SCENARIOS = {
    "with --test-scheduled": Scenario("wrangler.toml", True, WITH_TEST_SCHEDULED),
    "without --test-scheduled": Scenario("wrangler.toml", False, WITHOUT_TEST_SCHEDULED),
    "no scheduled handler": Scenario("no_handler.toml", True, WITHOUT_A_HANDLER),
}


@dataclass
class Server:
    url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextmanager
def workerd(config: str, flags: list[str], folder: Path) -> Iterator[Server]:
    """Real ``wrangler dev`` serving ``js/<config>``."""
    with js_twin(HERE / "js" / config, folder, args=flags) as url:
        yield Server(url, folder / TWIN_LOG)


@contextmanager
def emulator(config: str, flags: list[str], folder: Path) -> Iterator[Server]:
    """``workers-emulator dev`` serving ``py/<config>``."""
    with emulator_dev(HERE / "py" / config, *flags, folder=folder, health_path="/health") as url:
        yield Server(url, folder / "workers-emulator.log")


def first_line(text: str, error_name_free: bool) -> str:
    line = text.split("\n", 1)[0]
    return re.sub(r"^\w+: ", "<error name>: ", line) if error_name_free else line


def normalised_seen(entries: list[dict[str, Any]], now_ms: int) -> list[dict[str, Any]]:
    """What the handler saw, its scheduledTime "now" when it was the server's current time."""
    out = []
    for entry in entries:
        when = entry["scheduledTime"]
        if abs(when - now_ms) <= NOW_TOLERANCE_MS and when > 10**12:
            when = "now"
        out.append({"cron": entry["cron"], "scheduledTime": when})
    return out


def run_steps(server: Server, steps: list[Step], has_handler: bool) -> list[dict[str, Any]]:
    answers = []
    seen_before = 0
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for step in steps:
            now_ms = int(time.time() * 1000)
            r = client.request(step.method, step.path)
            answer: dict[str, Any] = {
                "status": r.status_code,
                "content-type": r.headers.get("content-type"),
                "body": first_line(r.text, step.error_name_free),
            }
            if has_handler:
                seen = client.get("/seen").json()
                answer["seen"] = normalised_seen(seen[seen_before:], now_ms)
                seen_before = len(seen)
            answers.append(answer)
    return answers


def console_lines(answers: list[dict[str, Any]]) -> list[str]:
    """The handler's console line for each run at a given time (the same in both logs)."""
    return [
        f"scheduled {entry['cron']} {entry['scheduledTime']}"
        for answer in answers
        for entry in answer.get("seen", [])
        if entry["scheduledTime"] != "now"
    ]


def wait_for_lines(server: Server, lines: list[str], timeout: float = 5) -> str:
    deadline = time.monotonic() + timeout
    while True:
        output = server.output()
        if all(line in output.splitlines() for line in lines) or time.monotonic() > deadline:
            return output
        time.sleep(0.1)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scheduled_triggers_match_wrangler_dev(
    name: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    scenario = SCENARIOS[name]
    flags = ["--test-scheduled"] if scenario.test_scheduled else []
    has_handler = scenario.config == "wrangler.toml"
    with workerd(scenario.config, flags, tmp_path_factory.mktemp("workerd")) as js:
        js_answers = run_steps(js, scenario.steps, has_handler)
        js_log = wait_for_lines(js, console_lines(js_answers))
    with emulator(scenario.config, flags, tmp_path_factory.mktemp("emulator")) as py:
        py_answers = run_steps(py, scenario.steps, has_handler)
        py_log = wait_for_lines(py, console_lines(py_answers))

    labels = [f"{step.method} {step.path}" for step in scenario.steps]
    assert_same_answers(labels, js_answers, py_answers, exact_types=False)

    for line in console_lines(js_answers):
        assert line in js_log.splitlines(), f"workerd's log lacks {line!r}"
        assert line in py_log.splitlines(), f"the emulator's log lacks {line!r}"
    # Both warn that the schedule does not run locally exactly when wrangler dev does.
    warns = has_handler and not scenario.test_scheduled
    assert (WARNING in js_log, WARNING in py_log) == (warns, warns)


def test_the_scenarios_exercise_what_they_are_meant_to_pin() -> None:
    """Guards against trimming: each answer kind and parameter edge stays covered."""
    paths = " ".join(step.path for step in WITH_TEST_SCHEDULED)
    for needle in ("time=12abc", "time=0x10", "time=abc", "time=8640000000000000", "cron=throw"):
        assert needle in paths, needle
    assert any(step.method == "HEAD" for step in WITH_TEST_SCHEDULED)
    assert "/cdn-cgi/mf/scheduled" in paths and "/cdn-cgi/handler/nope" in paths
