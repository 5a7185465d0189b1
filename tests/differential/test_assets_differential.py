"""Static Assets: real ``wrangler dev`` (workerd's asset and router workers) against
``workers-emulator dev``, the same asset folder and ``assets`` config, the same requests.

``assets/js/worker.js`` and ``assets/py/entry.py`` are the same Worker: it answers what the
assets leave to it with status 299, and hands ``/via-binding/*`` to ``env.ASSETS.fetch``.
Per request, the status, the headers the asset server sets (content type, cache-control,
location, cf-cache-status), the ETag's form and the body must be identical. ETags are
hashes of each server's own file path and mtime, so only their form is compared; a
revalidation sends each server its own ETag back.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.assets import write_assets_config, write_site
from tests.support.devserver import emulator_dev, js_twin
from tests.support.differential import assert_same_answers

HERE = Path(__file__).parent / "assets"
HEALTH = "/via-binding/style.css"
COMPARED_HEADERS = ("content-type", "cache-control", "location", "cf-cache-status")

# (method, path, headers); an "If-None-Match" of "<etag>" / "W/<etag>" is the server's own.
STEPS: list[tuple[str, str, dict[str, str]]] = [
    *(
        ("GET", path, {})
        for path in (
            "/",
            "/index.html",
            "/index",
            "/about",
            "/about.html",
            "/about/",
            "/about.html?x=1",
            "/blog",
            "/blog/",
            "/blog/index.html",
            "/blog/index",
            "/docs",
            "/docs/",
            "/docs.html",
            "/docs/index.html",
            "/style.css",
            "/style.css?v=2",
            "//style.css",
            "/script.js",
            "/module.mjs",
            "/image.svg",
            "/favicon.ico",
            "/painting.jpg",
            "/data.json",
            "/notes.txt",
            "/font.woff2",
            "/app.wasm",
            "/raw.unknownext",
            "/caf%C3%A9.txt",
            "/%5Bid%5D.html",
            "/%5Bid%5D",
            "/missing",
            "/nested/missing",
            "/nested/page",
            "/secret.txt",
            "/.assetsignore",
            "/api/hello",
            "/api/static/logo.svg",
            "/via-binding/style.css",
            "/via-binding/about.html",
            "/via-binding/missing",
            "/via-binding/nested/missing",
        )
    ),
    ("HEAD", "/style.css", {}),
    ("POST", "/style.css", {}),
    ("DELETE", "/about", {}),
    ("POST", "/missing", {}),
    ("GET", "/style.css", {"authorization": "Bearer x"}),
    ("GET", "/style.css", {"range": "bytes=0-3"}),
    ("GET", "/style.css", {"if-none-match": "<etag>"}),
    ("GET", "/style.css", {"if-none-match": "W/<etag>"}),
    ("GET", "/style.css", {"if-none-match": '"0000"'}),
    ("GET", "/missing", {"sec-fetch-mode": "navigate"}),
    ("GET", "/nested/deeper/missing", {"sec-fetch-mode": "navigate"}),
]

SCENARIOS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "force-trailing-slash, 404-page": {
        "html_handling": "force-trailing-slash",
        "not_found_handling": "404-page",
    },
    "drop-trailing-slash, single-page-application": {
        "html_handling": "drop-trailing-slash",
        "not_found_handling": "single-page-application",
    },
    "none, 404-page, run_worker_first routes": {
        "html_handling": "none",
        "not_found_handling": "404-page",
        "run_worker_first": ["/api/*", "!/api/static/*", "/via-binding/*"],
    },
    "run_worker_first true, single-page-application": {
        "not_found_handling": "single-page-application",
        "run_worker_first": True,
    },
}


def answer(client: httpx.Client, method: str, path: str, headers: dict[str, str]) -> Any:
    sent = dict(headers)
    if "<etag>" in sent.get("if-none-match", ""):
        # Under run_worker_first the Worker answers, without an ETag.
        etag = client.get(path).headers.get("etag", '"none"')
        sent["if-none-match"] = sent["if-none-match"].replace("<etag>", etag)
    r = client.request(method, path, headers=sent)
    etag = r.headers.get("etag")
    body: str
    try:
        body = r.content.decode("utf-8")
    except UnicodeDecodeError:
        body = "sha256:" + hashlib.sha256(r.content).hexdigest()
    return {
        "request": f"{method} {path} {headers}",
        "status": r.status_code,
        **{name: r.headers.get(name) for name in COMPARED_HEADERS},
        "etag": None if etag is None else re.sub(r'"[0-9a-f]{32}"', '"<32 hex>"', etag),
        "body": body,
    }


def run_steps(url: str) -> list[Any]:
    with httpx.Client(base_url=url, timeout=30) as client:
        return [answer(client, *step) for step in STEPS]


@contextmanager
def servers(folder: Path, assets: dict[str, Any]) -> Iterator[tuple[str, str]]:
    site = write_site(folder / "site")
    table = {"directory": str(site), "binding": "ASSETS", **assets}
    js, py = folder / "js", folder / "py"
    js.mkdir()
    py.mkdir()
    js_config = write_assets_config(js, HERE / "js" / "worker.js", table, python=False)
    py_config = write_assets_config(py, HERE / "py" / "entry.py", table, python=True)
    with (
        js_twin(js_config, js, health_path=HEALTH) as workerd_url,
        emulator_dev(py_config, folder=py, health_path=HEALTH) as emulator_url,
    ):
        yield workerd_url, emulator_url


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_static_assets_answer_as_workerd_does(scenario: str, tmp_path: Path) -> None:
    with servers(tmp_path, SCENARIOS[scenario]) as (workerd_url, emulator_url):
        expected = run_steps(workerd_url)
        actual = run_steps(emulator_url)
    labels = [f"{method} {path} {headers}" for method, path, headers in STEPS]
    assert_same_answers(labels, expected, actual, exact_types=False)
