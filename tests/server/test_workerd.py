"""A short HTTP suite against the real runtime: ``uv run pywrangler dev`` (workerd).

Opt-in by nature: it runs only where workerd's Python runtime can start, which needs the
``wrangler`` npm package and internet access (pywrangler downloads the runtime's Python bundle
and vendors the Worker's packages). Elsewhere it skips within a few seconds, saying why.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.devserver import ServerNotReady, wrangler_dev, wrangler_unavailable
from tests.support.worker import ADMIN, ADMIN_TOKEN

pytestmark = pytest.mark.workerd

ROOT = Path(__file__).resolve().parents[2]
# Hosts pywrangler needs: the npm registry (wrangler's runtime pieces) and the Pyodide index.
NEEDED_HOSTS = [("registry.npmjs.org", 443), ("cdn.jsdelivr.net", 443)]
PROBE_SECONDS = 3.0
STARTUP_SECONDS = 180


def _reachable(host: str, port: int, results: dict[str, bool]) -> None:
    try:
        with socket.create_connection((host, port), timeout=PROBE_SECONDS):
            results[host] = True
    except OSError:
        results[host] = False


def _why_workerd_cannot_start() -> str | None:
    reason = wrangler_unavailable()
    if reason is not None:
        return reason
    if shutil.which("uv") is None:
        return "uv is not installed: the suite starts `uv run pywrangler dev`"
    # DNS and TCP can each hang without a network: probe in daemon threads with one deadline.
    results: dict[str, bool] = {}
    threads = [
        threading.Thread(target=_reachable, args=(host, port, results), daemon=True)
        for host, port in NEEDED_HOSTS
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + PROBE_SECONDS
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    unreachable = [host for host, _ in NEEDED_HOSTS if not results.get(host)]
    if unreachable:
        return (
            f"no internet ({', '.join(unreachable)} unreachable): workerd's Python runtime "
            "bundle and the vendored packages cannot be downloaded"
        )
    return None


@pytest.fixture(scope="module")
def workerd_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    reason = _why_workerd_cannot_start()
    if reason is not None:
        pytest.skip(reason)
    try:
        with wrangler_dev(
            ["uv", "run", "pywrangler"],
            "--var",
            f"ADMIN_TOKEN:{ADMIN_TOKEN}",
            cwd=ROOT,
            folder=tmp_path_factory.mktemp("workerd"),
            health_path="/healthz",
            timeout=STARTUP_SECONDS,
            interval=0.5,
        ) as url:
            yield url
    except ServerNotReady as error:
        if error.exited:  # workerd's runtime could not start here: a skip, saying why
            pytest.skip(f"pywrangler dev exited before serving:\n{error.output[-2000:]}")
        pytest.fail(str(error))


def test_healthz_and_routing(workerd_url: str) -> None:
    assert httpx.get(f"{workerd_url}/healthz").json() == {"ok": True}
    assert httpx.get(f"{workerd_url}/nowhere").json()["error"]["code"] == "not_found"
    response = httpx.get(f"{workerd_url}/v1/validate")
    assert response.status_code == 405 and response.headers["allow"] == "POST"


def test_refusals(workerd_url: str) -> None:
    response = httpx.post(f"{workerd_url}/v1/validate", content=b"{nope")
    assert response.json()["error"]["code"] == "invalid_json"
    response = httpx.post(f"{workerd_url}/v1/validate", json={"license_key": "CC-NOPE"})
    assert response.status_code == 404
    response = httpx.post(f"{workerd_url}/v1/validate", content=b"x" * 20_000)
    assert response.status_code == 413
    assert httpx.get(f"{workerd_url}/v1/admin/release").status_code == 401


def test_license_lifecycle(workerd_url: str) -> None:
    admin = ADMIN
    created = httpx.post(
        f"{workerd_url}/v1/admin/licenses",
        json={"customer": "Contoso", "plan": "enterprise", "expires_at": None},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    key = created.json()["license_key"]
    release = httpx.put(
        f"{workerd_url}/v1/admin/release", json={"latest_version": "2.5.0"}, headers=admin
    )
    assert release.status_code == 200
    answer = httpx.post(
        f"{workerd_url}/v1/validate",
        json={"license_key": key, "version": "2.4.1", "stats": {"secrets_total": 3}},
    ).json()
    assert answer["valid"] is True and answer["code"] == "VALID"
    assert answer["stats"] == {"accepted": True}
    assert answer["update"]["update_available"] is True
    check = httpx.get(f"{workerd_url}/v1/update-check", params={"version": "2.5.0"}).json()
    assert check["update_available"] is False


def test_the_skip_probe_is_quick() -> None:
    started = time.monotonic()
    _why_workerd_cannot_start()
    assert time.monotonic() - started < PROBE_SECONDS + 1.5
