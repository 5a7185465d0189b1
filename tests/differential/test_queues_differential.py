"""The Queues scenario, run by JavaScript under real workerd and by Python under the emulator
(real clock, as ``wrangler dev`` runs it): sends of each content type and a batch, refused
sends, then every batch the consumer gets (bodies, attempts, id length, timestamp type), a
retried message's second attempt and its move to the dead-letter queue. ``queues/js`` and
``queues/py`` are the twins; their answers must be identical."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.devserver import ServerNotReady, wrangler_dev

HERE = Path(__file__).parent / "queues"
ROOT = Path(__file__).resolve().parents[2]
WRANGLER = ROOT / "node_modules" / ".bin" / "wrangler"
STARTUP_SECONDS = 90
EXPECTED_BATCHES = 3  # the sends, the retried message, the dead-letter queue's


@pytest.fixture(scope="module")
def workerd_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not WRANGLER.exists():
        pytest.skip("node_modules/.bin/wrangler is missing: run `npm ci` to install wrangler")
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the differential test needs it to run wrangler")
    try:
        with wrangler_dev(
            [str(WRANGLER)],
            "--local",
            "--config",
            str(HERE / "js" / "wrangler.toml"),
            cwd=HERE / "js",
            folder=tmp_path_factory.mktemp("workerd"),
            health_path="/health",
            timeout=STARTUP_SECONDS,
            interval=0.3,
        ) as url:
            yield url
    except ServerNotReady as error:
        pytest.fail(str(error))


def scenario(get: Callable[[str], Any]) -> tuple[Any, Any]:
    """The sends' answers, then the batches once the last one has come (or 20 s passed)."""
    sent = get("/run")
    deadline = time.monotonic() + 20
    log = get("/log")
    while len(log) < EXPECTED_BATCHES and time.monotonic() < deadline:
        time.sleep(0.2)
        log = get("/log")
    time.sleep(1.5)  # nothing more may come
    return sent, get("/log")


def test_queues_scenario_matches_workerd(workerd_url: str) -> None:
    from workers_emulator import Emulator

    js = scenario(lambda path: httpx.get(f"{workerd_url}{path}", timeout=30).json())
    with Emulator(HERE / "py" / "wrangler.toml", secrets={}) as emulator:
        client = emulator.test_client()
        py = scenario(lambda path: client.get(path).json())
        client.close()
    # The scenario keeps exercising what it pins: a retry, then the dead-letter queue.
    assert [queue for queue, _ in js[1]] == ["jobs", "jobs", "jobs-dlq"], js[1]
    assert js[0] == py[0], f"sends:\n  workerd:  {js[0]}\n  emulator: {py[0]}"
    assert js[1] == py[1], f"batches:\n  workerd:  {js[1]}\n  emulator: {py[1]}"
