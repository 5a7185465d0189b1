"""Outbound ``fetch()``: real ``wrangler dev`` (workerd, a JavaScript Worker) against
``workers-emulator dev`` (the same Worker in Python), both fetching from one local origin on
127.0.0.1. Compared: the status of the Worker's answer and its body, which carries what the
Worker saw (status, ok, redirected, final URL, Location, the origin's body) or the error's
``Name: message``.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from tests.support.devserver import emulator_dev, free_port, js_twin
from tests.support.differential import assert_same_answers
from tests.support.origin import origin_server

HERE = Path(__file__).parent / "fetch"


def cases(origin: str) -> list[dict[str, str]]:
    closed = f"http://127.0.0.1:{free_port()}/"
    return [
        {"t": f"{origin}/hello"},
        {"t": f"{origin}/status/503"},
        {"t": f"{origin}/redirect?to=/hello"},
        {"t": f"{origin}/redirect?to=/hello", "r": "manual"},
        {"t": f"{origin}/redirect?to=/hello", "r": "error"},
        {"t": f"{origin}/echo", "m": "PUT"},
        {"t": closed},
        {"t": "not a url"},
        {"t": "ftp://127.0.0.1/"},
    ]


def run(url: str, queries: list[dict[str, str]]) -> list[tuple[int, str]]:
    answers = []
    with httpx.Client(base_url=url, timeout=30) as client:
        for query in queries:
            r = client.get("/?" + urlencode(query))
            text = r.text
            if "/echo" in query["t"]:  # the echo's JSON: keep what both must agree on
                status, rest = text.split(" | ", 1)
                echoed = json.loads(rest.rsplit(" | ", 1)[1])
                text = f"{status} {echoed['method']} {echoed['body']!r}"
            answers.append((r.status_code, text))
    return answers


def test_outbound_fetch_answers_as_under_wrangler_dev(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with origin_server() as origin:
        queries = cases(origin)
        with js_twin(HERE / "js" / "wrangler.toml", tmp_path_factory.mktemp("workerd")) as url:
            js_answers = run(url, queries)
        with emulator_dev(
            HERE / "py" / "wrangler.toml",
            folder=tmp_path_factory.mktemp("emu"),
            health_path="/health",
        ) as url:
            py_answers = run(url, queries)
    assert_same_answers([str(q) for q in queries], js_answers, py_answers, exact_types=False)
    assert js_answers[0] == (200, f"200 | true | false | {origin}/hello |  | hello from the origin")
