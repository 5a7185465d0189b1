"""A real dev server (``workers-emulator dev``) in a subprocess, for licensectl over HTTP."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.devserver import DevServer

ADMIN_TOKEN = "licensectl-test-token-" + "x" * 20


@pytest.fixture(scope="session")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
    with DevServer(tmp_path_factory.mktemp("devserver"), {"ADMIN_TOKEN": ADMIN_TOKEN}) as server:
        yield server


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
