"""An uncaught exception in fetch: real ``wrangler dev`` (workerd, a JavaScript Worker) against
``workers-emulator dev`` (the same Worker in Python), the same requests to both.

Compared: the status, the content type, what else the answer's headers name (framing, date
and compression aside) and, for the plain-text answers, the body's first line (the error's
``Name: message``; the name differs by language, so what follows it is compared). wrangler dev
answers an HTML page to a client that accepts HTML and is not curl, else the text; it puts
the JavaScript stack below that line (or in the page); the emulator puts nothing there: the
Python traceback goes to its log only.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.support.devserver import emulator_dev, js_twin
from tests.support.differential import assert_same_answers

HERE = Path(__file__).parent / "errors"
# Headers about framing and the connection, which the two servers may set differently.
_FRAMING = {
    "content-length",
    "transfer-encoding",
    "date",
    "connection",
    "keep-alive",
    "content-encoding",
}
CURL = {"user-agent": "curl/8.5.0", "accept": "*/*"}
JSON = {"accept": "application/json"}
BROWSER = {"user-agent": "Mozilla/5.0", "accept": "text/html,application/xhtml+xml"}
REQUESTS: list[tuple[str, str, dict[str, str]]] = [
    ("GET", "/", CURL),
    ("GET", "/", JSON),
    ("POST", "/after-read", CURL),
    ("GET", "/empty", JSON),
    ("PUT", "/x?y=1", {"accept": "text/plain"}),
    ("GET", "/", BROWSER),
    ("GET", "/", {"accept": "*/*"}),
    ("GET", "/", {"accept": "text/*"}),
]


def answer(r: httpx.Response) -> dict[str, object]:
    text = r.headers.get("content-type", "").startswith("text/plain")
    first = r.text.split("\n", 1)[0] if text else "(a page)"
    return {
        "status": r.status_code,
        "content-type": r.headers.get("content-type"),
        "headers": sorted(set(r.headers) - _FRAMING),
        "first line": re.sub(r"^\w+(?=: |$)", "<error name>", first),
    }


def run(url: str) -> tuple[list[dict[str, object]], list[str]]:
    answers, bodies = [], []
    with httpx.Client(base_url=url, timeout=30) as client:
        for method, path, headers in REQUESTS:
            body = b"body" if method != "GET" else None
            r = client.request(method, path, content=body, headers=headers)
            answers.append(answer(r))
            bodies.append(r.text)
    return answers, bodies


def test_an_uncaught_exception_is_answered_as_wrangler_dev_answers_it(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    js_folder, py_folder = tmp_path_factory.mktemp("workerd"), tmp_path_factory.mktemp("emu")
    with js_twin(HERE / "js" / "wrangler.toml", js_folder) as url:
        js_answers, js_bodies = run(url)
    with emulator_dev(
        HERE / "py" / "wrangler.toml", folder=py_folder, health_path="/health"
    ) as url:
        py_answers, py_bodies = run(url)

    labels = [f"{method} {path} {headers}" for method, path, headers in REQUESTS]
    assert_same_answers(labels, js_answers, py_answers, exact_types=False)
    assert js_answers[0]["status"] == 500 and js_answers[0]["first line"] == (
        "<error name>: boom from the worker"
    )
    assert js_answers[-1]["content-type"] == "text/html;charset=utf-8"
    # wrangler dev adds the JavaScript stack; the emulator never puts the traceback there.
    assert "\n    at " in js_bodies[0]
    assert all("Traceback" not in body and 'File "' not in body for body in py_bodies)
    assert py_bodies[0] == "Exception: boom from the worker"
    log = (py_folder / "workers-emulator.log").read_text(errors="replace")
    assert "about to throw" in log and "Traceback (most recent call last):" in log
