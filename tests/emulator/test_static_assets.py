"""Static Assets under the emulator: the asset folder served in front of the Worker and as
``env.ASSETS``, its operations counted, its faults injected, its config checked. What each
answer looks like is held to workerd by tests/differential/test_assets_differential.py."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
from workers_emulator import Emulator
from workers_emulator.config import ConfigError
from workers_emulator.server import banner

from tests.support.assets import SITE, write_site
from tests.support.worker_files import worker_emulator

# The pattern of Cloudflare's example 06-assets: a Worker that hands every request to ASSETS.
FORWARDER = """\
from workers import WorkerEntrypoint

class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await self.env.ASSETS.fetch(request)
"""

COUNTER = """\
from workers import Response, WorkerEntrypoint

class Default(WorkerEntrypoint):
    async def fetch(self, request):
        first = await self.env.ASSETS.fetch("http://any.host/style.css")
        second = await self.env.ASSETS.fetch(request)
        return Response(f"{first.status} {second.status}")
"""


def _emulator(tmp_path: Path, source: str, assets: str = "") -> Emulator:
    write_site(tmp_path / "public")
    config = f'[assets]\ndirectory = "./public"\nbinding = "ASSETS"\n{assets}'
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a provided binding warns of nothing
        return worker_emulator(tmp_path, source, config)


def test_the_example_pattern_serves_each_file_with_its_content_type(tmp_path: Path) -> None:
    # The content types Cloudflare's upstream test of 06-assets expects.
    expected = {
        "": "text/html; charset=utf-8",
        "image.svg": "image/svg+xml",
        "style.css": "text/css; charset=utf-8",
        "script.js": "text/javascript; charset=utf-8",
        "favicon.ico": "image/vnd.microsoft.icon",
        "painting.jpg": "image/jpeg",
    }
    with _emulator(tmp_path, FORWARDER) as emulator:
        client = emulator.test_client()
        for path, content_type in expected.items():
            response = client.get(f"/{path}")
            assert response.status_code == 200, path
            assert response.headers["content-type"] == content_type, path
            assert response.content == SITE[path or "index.html"]
            assert re.fullmatch(r'"[0-9a-f]{32}"', response.headers["etag"])
            assert response.headers["cache-control"] == "public, max-age=0, must-revalidate"


def test_a_request_the_assets_answer_never_reaches_the_worker_or_counts(tmp_path: Path) -> None:
    with _emulator(tmp_path, COUNTER) as emulator:
        response = emulator.test_client().get("/style.css")
        assert response.content == SITE["style.css"]
        assert response.kv_ops["ASSETS"].total == 0
        assert emulator.assets("ASSETS").counters.total == 0


def test_each_env_assets_fetch_counts_as_one_read(tmp_path: Path) -> None:
    with _emulator(tmp_path, COUNTER) as emulator:
        response = emulator.test_client().get("/not-an-asset")
        assert response.text == "200 404"
        assert response.kv_ops["ASSETS"].reads == 2
        assert emulator.assets("ASSETS").counters.reads == 2
        emulator.reset_counters()
        assert emulator.assets("ASSETS").counters.total == 0


def test_fault_injection_makes_env_assets_fetch_fail_as_a_lost_connection(
    tmp_path: Path,
) -> None:
    with _emulator(tmp_path, COUNTER) as emulator:
        injector = emulator.inject_faults(1.0, ops=("read",))
        response = emulator.test_client().get("/not-an-asset")
        assert response.status_code == 500
        assert "Error: Network connection lost." in response.text
        assert injector.injected == 1
        assert emulator.assets("ASSETS").faults is injector


def test_env_assets_fetch_follows_redirects_unless_told_not_to(tmp_path: Path) -> None:
    source = """\
    from workers import Response, WorkerEntrypoint

    class Default(WorkerEntrypoint):
        async def fetch(self, request):
            followed = await self.env.ASSETS.fetch("http://h/about.html")
            manual = await self.env.ASSETS.fetch("http://h/about.html", redirect="manual")
            return Response(f"{followed.status} {await followed.text()} {manual.status} "
                            f"{manual.headers.get('location')}")
    """
    with _emulator(tmp_path, source) as emulator:
        assert emulator.test_client().get("/x").text == "200 <h1>about</h1> 307 /about"


def test_run_worker_first_sends_matching_paths_to_the_worker(tmp_path: Path) -> None:
    source = """\
    from workers import Response, WorkerEntrypoint

    class Default(WorkerEntrypoint):
        async def fetch(self, request):
            return Response("worker")
    """
    rules = 'run_worker_first = ["/api/*", "!/api/static/*"]\n'
    with _emulator(tmp_path, source, rules) as emulator:
        client = emulator.test_client()
        assert client.get("/api/static/logo.svg").content == SITE["api/static/logo.svg"]
        assert client.get("/api/anything").text == "worker"
        assert client.get("/style.css").content == SITE["style.css"]


def test_an_unchanged_asset_revalidates_to_a_304(tmp_path: Path) -> None:
    with _emulator(tmp_path, FORWARDER) as emulator:
        client = emulator.test_client()
        etag = client.get("/style.css").headers["etag"]
        again = client.get("/style.css", headers={"if-none-match": etag})
        assert (again.status_code, again.content) == (304, b"")
        assert again.headers["etag"] == etag


def test_the_banner_lists_the_assets_binding_as_local(tmp_path: Path) -> None:
    with _emulator(tmp_path, FORWARDER) as emulator:
        rows = [line for line in banner(emulator) if line.startswith("env.ASSETS ")]
        assert len(rows) == 1 and "Assets" in rows[0] and rows[0].endswith("local")


def test_assets_without_a_binding_are_served_and_put_nothing_on_env(tmp_path: Path) -> None:
    write_site(tmp_path / "public")
    source = """\
    from workers import Response, WorkerEntrypoint

    class Default(WorkerEntrypoint):
        async def fetch(self, request):
            return Response(str(sorted(k for k in dir(self.env) if not k.startswith("_"))))
    """
    with worker_emulator(tmp_path, source, '[assets]\ndirectory = "./public"\n') as emulator:
        client = emulator.test_client()
        assert client.get("/notes.txt").content == SITE["notes.txt"]
        assert client.get("/worker").text == "[]"
        assert emulator.warnings == []


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('directory = "./nowhere"', r"the directory .*nowhere does not exist"),
        ('binding = "ASSETS"', r"`assets` needs a `directory`"),
        ('directory = "./public"\nhtml_handling = "always"', r"html_handling must be one of"),
        (
            'directory = "./public"\nnot_found_handling = "index"',
            r"not_found_handling must be one of",
        ),
        ('directory = "./public"\nrun_worker_first = []', r"must provide at least 1 rule"),
        (
            'directory = "./public"\nrun_worker_first = ["!/api/*"]',
            r"Only negative `run_worker_first` rules were provided",
        ),
        (
            'directory = "./public"\nrun_worker_first = ["api/*", "/a*", "/ab"]',
            r"(?s)Invalid routes in `run_worker_first`:\n'api/\*': rules must start with "
            r"'/' or '!/'\n'/ab': rule '/a\*' makes it redundant",
        ),
    ],
)
def test_a_bad_assets_table_is_a_config_error(tmp_path: Path, table: str, message: str) -> None:
    write_site(tmp_path / "public")
    with pytest.raises(ConfigError, match=message):
        worker_emulator(tmp_path, FORWARDER, f"[assets]\n{table}\n")
