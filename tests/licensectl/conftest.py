"""A real dev server (``workers-emulator dev``) in a subprocess, for licensectl over HTTP."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
ADMIN_TOKEN = "licensectl-test-token-" + "x" * 20


@dataclass(frozen=True)
class DevServer:
    url: str
    token: str
    config: Path
    persist_to: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wrangler_toml(folder: Path) -> Path:
    """The repo's wrangler.toml with ``main`` pointing at the repo's absolute entry module."""
    source = (REPO / "wrangler.toml").read_text(encoding="utf-8")
    entry = (REPO / "src" / "entry.py").as_posix()
    text, replaced = re.subn(r"(?m)^main\s*=.*$", f'main = "{entry}"', source, count=1)
    assert replaced == 1, "wrangler.toml has no main line"
    path = folder / "wrangler.toml"
    path.write_text(text, encoding="utf-8")
    (folder / ".dev.vars").write_text(f'ADMIN_TOKEN="{ADMIN_TOKEN}"\n', encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
    folder = tmp_path_factory.mktemp("devserver")
    config = _wrangler_toml(folder)
    state = folder / "state"
    port = _free_port()
    log = (folder / "server.log").open("wb")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "workers-emulator"),
            "dev",
            "--config",
            str(config),
            "--port",
            str(port),
            "--persist-to",
            str(state),
        ],
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                log.flush()
                output = (folder / "server.log").read_text(errors="replace")
                pytest.fail(f"dev server exited with {process.returncode}:\n{output}")
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("dev server did not answer /healthz within 60 s")
            time.sleep(0.2)
        yield DevServer(url, ADMIN_TOKEN, config, state)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def cli_env(dev_server: DevServer, monkeypatch: pytest.MonkeyPatch) -> DevServer:
    """Environment for in-process ``licensectl.cli.main``: URL and token from the environment."""
    monkeypatch.setenv("LICENSE_SERVER_URL", dev_server.url)
    monkeypatch.setenv("LICENSE_ADMIN_TOKEN", dev_server.token)
    monkeypatch.setenv("COLUMNS", "200")
    return dev_server


def subprocess_env(server: DevServer, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(LICENSE_SERVER_URL=server.url, LICENSE_ADMIN_TOKEN=server.token, COLUMNS="200")
    env.update(extra)
    return env
