"""Starting ``workers-emulator dev`` as an operator does: help that reads as help, a taken port
that fails as the help says before any secret is made, and generated development secrets that
survive restarts (kept with the state, owner-only) while .dev.vars still wins."""

from __future__ import annotations

import io
import shutil
import socket
import stat
from pathlib import Path

import httpx
import pytest
from workers_emulator import Emulator
from workers_emulator.cli import main
from workers_emulator.devsecrets import DEV_SECRETS_FILE
from workers_emulator.server import banner, run_dev_server

from tests.support.devserver import DevProcess, free_port

MINIMAL = Path(__file__).parent / "workers" / "minimal"


@pytest.fixture
def worker(tmp_path: Path) -> Path:
    shutil.copytree(MINIMAL, tmp_path / "w")
    return tmp_path / "w" / "wrangler.toml"


def help_text(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    with pytest.raises(SystemExit) as exited:
        main([*args, "--help"])
    assert exited.value.code == 0
    return capsys.readouterr().out


def test_help_texts_read_as_help(capsys: pytest.CaptureFixture[str]) -> None:
    top = help_text(capsys)
    assert "``" not in top
    assert "Run a Cloudflare Python Worker locally" in top
    assert "exit codes: 0 ok; 1 " in top and "the port is taken" in top
    dev = help_text(capsys, "dev")
    assert "``" not in dev
    assert "Serve the Worker over HTTP" in dev  # a description
    flat = " ".join(dev.split())
    for default in (
        "port to listen on (default: 8787)",
        "address to listen on (default: 127.0.0.1)",
        "(default: .wrangler/state beside the config)",
        "(default: 0.0)",
        "as wrangler looks",
        "--no-kv-write-limit",
    ):
        assert default in flat, default
    for args in (("kv",), ("kv", "list"), ("kv", "get")):
        text = help_text(capsys, *args)
        assert "``" not in text and "usage:" in text


def test_a_taken_port_exits_1_before_any_secret_is_made(
    worker: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["dev", "--config", str(worker), "--port", str(port)])
    out, err = capsys.readouterr()
    assert code == 1  # as --help says
    assert out == ""  # no banner, no token
    assert err.strip().splitlines() == [
        f"workers-emulator: cannot listen on 127.0.0.1:{port}: Address already in use "
        "(another server there? try --port)"
    ]
    assert not (worker.parent / ".wrangler" / "state" / DEV_SECRETS_FILE).exists()


def test_run_dev_server_on_a_taken_port_returns_1(worker: Path) -> None:
    emulator = Emulator(worker)
    out, err = io.StringIO(), io.StringIO()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert run_dev_server(emulator, port=port, out=out, err=err) == 1
    assert out.getvalue() == "" and "cannot listen on" in err.getvalue()


def test_generated_secrets_are_kept_owner_only_and_reused(worker: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = Emulator(worker, persist_to=state, dev_defaults=True)
    assert set(first.generated_secrets) == {"API_TOKEN", "SIGNING_KEY"}
    kept = state / DEV_SECRETS_FILE
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    first.close()
    second = Emulator(worker, persist_to=state, dev_defaults=True)
    assert second.generated_secrets == {}
    assert second.kept_secrets == first.generated_secrets
    assert second.secrets["API_TOKEN"] == first.secrets["API_TOKEN"]
    # The token was printed by the first start only; the second says where it is kept.
    printed = [line for line in banner(first) if line.startswith("API_TOKEN ")]
    assert printed[0].endswith(first.secrets["API_TOKEN"]) and str(kept) in printed[0]
    again = [line for line in banner(second) if line.startswith("API_TOKEN ")]
    assert first.secrets["API_TOKEN"] not in again[0] and str(kept) in again[0]
    second.close()


def test_dev_vars_still_wins(worker: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    Emulator(worker, persist_to=state, dev_defaults=True).close()
    (worker.parent / ".dev.vars").write_text("API_TOKEN=from-dev-vars\n", encoding="utf-8")
    emulator = Emulator(worker, persist_to=state, dev_defaults=True)
    assert emulator.secrets["API_TOKEN"] == "from-dev-vars"
    assert set(emulator.kept_secrets) == {"SIGNING_KEY"}
    assert not any(line.startswith("API_TOKEN ") for line in banner(emulator))
    emulator.close()


def test_without_persisted_state_secrets_say_they_change(worker: Path) -> None:
    emulator = Emulator(worker, dev_defaults=True)
    signing = next(line for line in banner(emulator) if line.startswith("SIGNING_KEY "))
    assert "it changes on every start" in signing


def test_the_token_printed_once_still_works_after_a_restart(worker: Path) -> None:
    port = free_port()
    first = DevProcess(worker, port=port)
    try:
        first.wait_ready()
        printed = [line for line in first.out if line.startswith("API_TOKEN ")]
        token = printed[0].split()[-1]
        assert httpx.get(f"{first.url}/env", timeout=10).json()["token"] == token
    finally:
        first.stop()
    second = DevProcess(worker, port=port)
    try:
        second.wait_ready()
        assert token not in "\n".join(second.out + second.err)  # printed once
        assert httpx.get(f"{second.url}/env", timeout=10).json()["token"] == token
    finally:
        second.stop()
