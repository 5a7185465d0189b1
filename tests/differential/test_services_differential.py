"""Service bindings between two Workers of one dev session: JavaScript under real workerd
(``wrangler dev -c caller -c callee``) against Python under ``workers-emulator dev -c caller
-c callee``, over HTTP on both, as a user runs them.

``services/js`` and ``services/py`` hold the twins. The caller's ``POST /run`` goes through
its bindings step by step: ``fetch`` with a string URL (method, body, headers), with a Request
it built, without a body, with an empty and a bytes body, forwarding the incoming request;
what the callee saw (method, URL, headers, body) and what came back (status, status text,
headers, body, the response's ``url``); the callee's 404 and 500; the callee throwing in
``fetch``; RPC on the default entrypoint with numbers (``2.0`` arrives as an integer),
strings, null, booleans, lists, objects, nested values and bytes, both ways; arguments the
callee mutates (copies); a Response returned over RPC; RPC methods throwing Error, TypeError,
RangeError and an error of its own name; a method that does not exist; a named entrypoint
(``entrypoint = "Admin"``) through ``fetch`` and RPC, reading the callee's ``env``; and a
binding to a Worker that is not running (``fetch``'s 503 and RPC's error). Each step answers
a value or ``"Name: message"`` for what it caught; the answers must be identical. The caller
also sends to a queue the callee consumes (one broker for the session's Workers): what the
callee's queue handler received must be the same too.

The scenario runs at two compatibility dates, before and after workerd's
``enhanced_error_serialization`` (2026-04-21), which decides whether an error's own name
crosses the binding.

What the twins leave out, because Python and JavaScript cannot say the same thing:
``undefined`` (Python has only None); BigInts and numbers beyond 2**53 (JSON cannot carry the
answer); functions and stubs passed over RPC; a Python exception (not a JavaScript error)
raised by the callee, which crosses as Pyodide's ``PythonError`` and is pinned in
tests/emulator/test_service_bindings.py; the Python callee raises ``js.Error.new(...)`` where
the JavaScript one throws. The JavaScript callee is not bundled (``no_bundle``), as wrangler
does not bundle a Python Worker, so that no JavaScript middleware of wrangler's wraps it.

One answer differs by design: calling a method the callee lacks. workerd's own RPC receiver
refuses it for a JavaScript callee; for a Python one, workerd's Python entrypoint wrapper
(``src/pyodide/python-entrypoint-helper.ts``) answers every method name and throws its own
TypeError. Each side's answer is pinned on its own.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.devserver import emulator_dev, js_twin
from tests.support.differential import assert_same_named_answers

HERE = Path(__file__).parent / "services"
STARTUP_SECONDS = 90
# Before and after enhanced_error_serialization (workerd's compatibility-date.capnp).
DATES = ["2025-06-01", "2026-04-21"]
# The request both callers get on /run, its headers fixed: the forward step shows them all.
RUN_HEADERS = {
    "x-test": "forwarded",
    "accept-encoding": "gzip",
    "user-agent": "services-differential",
    "content-type": "text/plain",
}
FORWARD = "forward the incoming request"
# Batches wait up to max_batch_timeout (1 s) under both.
QUEUE_SECONDS = 20
MISSING_METHOD = "a method that does not exist"
JS_MISSING_METHOD = 'TypeError: The RPC receiver does not implement the method "nope".'
PY_MISSING_METHOD = "TypeError: Method nope does not exist"

pytestmark = pytest.mark.workerd


def twins_at(date: str, folder: Path) -> Path:
    """A copy of the twins with every config at compatibility date ``date``."""
    copy = folder / "services"
    shutil.copytree(HERE, copy, ignore=shutil.ignore_patterns(".wrangler", "__pycache__"))
    for config in copy.glob("*/*/wrangler.jsonc"):
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace('"2025-06-01"', f'"{date}"'), encoding="utf-8")
    return copy


@dataclass
class Answers:
    steps: dict[str, str]  # by step, each value as canonical JSON text
    queued: list[Any]  # what the callee's queue handler received, sorted


def run(url: str) -> Answers:
    """The caller's answer by step, then what reached the callee through the queue."""
    return Answers(run_steps(url), queued(url))


def queued(url: str) -> list[Any]:
    """The callee's queue records once both messages the caller sent have arrived."""
    deadline = time.monotonic() + QUEUE_SECONDS
    records = httpx.get(f"{url}/queued", timeout=30).json()
    while len(records) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
        records = httpx.get(f"{url}/queued", timeout=30).json()
    return sorted(records, key=lambda record: json.dumps(record, sort_keys=True))


def run_steps(url: str) -> dict[str, str]:
    """The caller's answer by step, each step's value as canonical JSON text."""
    response = httpx.post(f"{url}/run", content=b"forwarded body", headers=RUN_HEADERS, timeout=60)
    assert response.status_code == 200, response.text
    # Only the port differs between the two servers; it shows in the forwarded URL and Host.
    port = url.rsplit(":", 1)[1]
    text = re.sub(rf"127\.0\.0\.1:{port}\b", "127.0.0.1:<port>", response.text)
    steps = dict(json.loads(text))
    # workerd hands a Worker `accept-encoding: br, gzip` whatever the client sent, the emulator
    # what was sent (a difference of the HTTP front, see test_http_differential.py).
    seen = json.loads(steps[FORWARD]["body"])
    seen["headers"] = [h for h in seen["headers"] if h[0] != "accept-encoding"]
    steps[FORWARD]["body"] = seen
    return {name: json.dumps(value, sort_keys=True) for name, value in steps.items()}


@pytest.fixture(scope="module", params=DATES)
def twins(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return twins_at(request.param, tmp_path_factory.mktemp(f"twins-{request.param}"))


@pytest.fixture(scope="module")
def workerd_answer(twins: Path, tmp_path_factory: pytest.TempPathFactory) -> Answers:
    """The JavaScript twins under ``wrangler dev -c caller -c callee``."""
    folder = tmp_path_factory.mktemp("workerd")
    js = twins / "js"
    with js_twin(js / "caller", folder, STARTUP_SECONDS, beside=[js / "callee"]) as url:
        return run(url)


@pytest.fixture(scope="module")
def emulator_answer(twins: Path, tmp_path_factory: pytest.TempPathFactory) -> Answers:
    """The Python twins under ``workers-emulator dev -c caller -c callee``."""
    folder = tmp_path_factory.mktemp("emulator")
    py = twins / "py"
    caller = py / "caller" / "wrangler.jsonc"
    with emulator_dev(caller, folder=folder, health_path="/health", beside=[py / "callee"]) as url:
        return run(url)


def test_service_bindings_answer_as_under_workerd(
    workerd_answer: Answers, emulator_answer: Answers
) -> None:
    assert_same_named_answers(workerd_answer.steps, emulator_answer.steps, apart=(MISSING_METHOD,))


def test_a_missing_method_is_refused_by_each_runtime_in_its_own_words(
    workerd_answer: Answers, emulator_answer: Answers
) -> None:
    assert json.loads(workerd_answer.steps[MISSING_METHOD]) == JS_MISSING_METHOD
    assert json.loads(emulator_answer.steps[MISSING_METHOD]) == PY_MISSING_METHOD


def test_a_queue_the_caller_produces_to_is_consumed_by_the_callee_as_under_workerd(
    workerd_answer: Answers, emulator_answer: Answers
) -> None:
    assert len(workerd_answer.queued) == 2
    assert emulator_answer.queued == workerd_answer.queued
