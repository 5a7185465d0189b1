"""Shared licensectl test harness: in-process runs (scripted or against a real dev server)."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from licensectl.cli import main
from rich.console import Console

from tests.support.devserver import DevServer
from tests.support.worker import ADMIN_TOKEN

LICENSE_ID = "ab" * 16
# The moment scripted runs happen at, for the expiry checks.
NOW = datetime(2027, 6, 1, 12, 0, 0, tzinfo=UTC)

Script = Callable[[httpx.Request], httpx.Response]


class Run:
    """The outcome of one in-process licensectl invocation."""

    def __init__(self, code: int, out: str, err: str, sleeps: list[float]) -> None:
        self.code, self.out, self.err, self.sleeps = code, out, err, sleeps

    def json(self) -> Any:
        return json.loads(self.out)

    def one_error_line(self, code: str) -> None:
        """stderr is exactly one `licensectl: <code>: …` line, stdout is empty."""
        lines = self.err.strip().splitlines()
        assert len(lines) == 1, self.err
        assert lines[0].startswith(f"licensectl: {code}: "), self.err
        assert "Traceback" not in self.err
        assert self.out == ""


class Stdin(io.StringIO):
    """Typed answers; ``terminal`` says whether it claims to be a TTY."""

    def __init__(self, text: str = "", *, terminal: bool = False) -> None:
        super().__init__(text)
        self.terminal = terminal

    def isatty(self) -> bool:
        return self.terminal


def run_cli(
    *argv: str,
    environ: Mapping[str, str] | None = None,
    stdin: str | Stdin = "",
    script: Script | None = None,
    sleep: Callable[[float], None] | None = None,
    now: datetime | None = None,
    width: int = 200,
    terminal: bool = False,
) -> Run:
    """licensectl.cli.main in-process, against ``script`` or else the environment's server.

    Every wait licensectl makes (a retry, the erasure's settle) is recorded in ``Run.sleeps``
    and takes no time unless ``sleep`` is given, which is then called as well.
    """
    out, err = io.StringIO(), io.StringIO()
    sleeps: list[float] = []

    def wait(seconds: float) -> None:
        sleeps.append(seconds)
        if sleep is not None:
            sleep(seconds)

    code = main(
        list(argv),
        stdout=Console(file=out, width=width, color_system=None, force_terminal=terminal),
        stderr=Console(file=err, width=width, color_system=None),
        environ=dict(os.environ) if environ is None else environ,
        stdin=stdin if isinstance(stdin, Stdin) else Stdin(stdin),
        sleep=wait,
        now=(lambda: now) if now is not None else (lambda: datetime.now(UTC)),
        transport=httpx.MockTransport(script) if script is not None else None,
    )
    return Run(code, out.getvalue(), err.getvalue(), sleeps)


def scripted_env() -> dict[str, str]:
    return {"LICENSE_SERVER_URL": "http://license.test", "LICENSE_ADMIN_TOKEN": "t"}


def answers(*responses: httpx.Response) -> tuple[Script, list[httpx.Request]]:
    """A server that gives these answers in order, and the requests it saw."""
    seen: list[httpx.Request] = []
    queue: Iterator[httpx.Response] = iter(responses)

    def script(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return next(queue)

    return script, seen


def error(status: int, code: str, **headers: str) -> httpx.Response:
    body = {"error": {"code": code, "message": f"{code} happened"}}
    return httpx.Response(status, json=body, headers=headers)


def license_record(license_id: str = LICENSE_ID, **fields: Any) -> dict[str, Any]:
    record = {
        "id": license_id,
        "status": "active",
        "customer": "Contoso Ltd",
        "plan": "enterprise",
        "created_at": "2027-01-01T00:00:00Z",
        "expires_at": "2028-01-01T00:00:00Z",
    }
    record.update(fields)
    return record


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
