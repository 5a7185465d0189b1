"""``workers-emulator kv list|get`` read the persisted state; errors are one line and a code."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from workers_emulator import Emulator, ManualClock
from workers_emulator.cli import main

from tests.support.devserver import free_port

MINIMAL = Path(__file__).parent / "workers" / "minimal"


@pytest.fixture
def worker(tmp_path) -> Path:
    target = tmp_path / "w"
    shutil.copytree(MINIMAL, target)
    return target / "wrangler.toml"


def seed(config: Path) -> None:
    """Write three keys into the default persisted state beside ``config``."""
    emu = Emulator(config, persist_to=config.parent / ".wrangler" / "state")
    kv = emu.kv("KV")
    asyncio.run(kv.put("app:b", "2", expiration=4_102_444_800, metadata={"m": 1}))
    asyncio.run(kv.put("app:a", "1"))
    asyncio.run(kv.put("other", "ünï"))
    emu.close()


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_kv_list_prints_the_runtime_shape(worker, capsys) -> None:
    seed(worker)
    code, out, _ = run_cli(capsys, "kv", "list", "KV", "--config", str(worker))
    assert code == 0
    assert json.loads(out) == [
        {"name": "app:a"},
        {"name": "app:b", "expiration": 4_102_444_800, "metadata": {"m": 1}},
        {"name": "other"},
    ]
    code, out, _ = run_cli(capsys, "kv", "list", "KV", "--prefix", "app:b", "--config", str(worker))
    assert [k["name"] for k in json.loads(out)] == ["app:b"]


def test_kv_get_prints_the_value(worker, capsysbinary) -> None:
    seed(worker)
    assert main(["kv", "get", "KV", "other", "--config", str(worker)]) == 0
    assert capsysbinary.readouterr().out == "ünï".encode()


def test_kv_get_missing_key_is_exit_1(worker, capsys) -> None:
    seed(worker)
    code, out, err = run_cli(capsys, "kv", "get", "KV", "nope", "--config", str(worker))
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "not found" in err


def test_expired_entries_are_not_listed(worker, capsys) -> None:
    emu = Emulator(
        worker,
        persist_to=worker.parent / ".wrangler" / "state",
        clock=ManualClock(start=1_000_000_000),
    )
    asyncio.run(emu.kv("KV").put("old", "x", expiration=1_000_000_100))
    emu.close()
    code, out, _ = run_cli(capsys, "kv", "list", "KV", "--config", str(worker))
    assert (code, json.loads(out)) == (0, [])


def test_explicit_persist_to(worker, tmp_path, capsys) -> None:
    state = tmp_path / "elsewhere"
    emu = Emulator(worker, persist_to=state)
    asyncio.run(emu.kv("KV").put("here", "1"))
    emu.close()
    args = ["kv", "list", "KV", "--config", str(worker)]
    assert json.loads(run_cli(capsys, *args)[1]) == []
    assert json.loads(run_cli(capsys, *args, "--persist-to", str(state))[1]) == [{"name": "here"}]


def test_no_state_yet_is_an_empty_list(worker, capsys) -> None:
    assert run_cli(capsys, "kv", "list", "KV", "--config", str(worker))[:2] == (0, "[]\n")
    assert run_cli(capsys, "kv", "get", "KV", "k", "--config", str(worker))[0] == 1


@pytest.mark.parametrize(
    "args",
    [
        ["kv", "list", "NOPE"],
        ["kv", "list", "KV", "--config", "/nonexistent/wrangler.toml"],
        ["kv"],
        [],
        ["dev", "--port", "70000"],
        ["dev", "--kv-fault-rate", "2"],
    ],
)
def test_usage_and_config_errors_are_exit_2_in_one_line(worker, capsys, args) -> None:
    if args[:3] == ["kv", "list", "NOPE"]:
        args = [*args, "--config", str(worker)]
    try:
        code = main(args)
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    _, err = capsys.readouterr()
    assert code == 2
    assert err.strip().count("\n") == 0 and "Traceback" not in err


def test_console_script_runs(worker) -> None:
    seed(worker)
    exe = Path(sys.executable).parent / "workers-emulator"
    done = subprocess.run(
        [str(exe), "kv", "get", "KV", "app:a", "--config", str(worker)],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, b"1")


def test_dev_wires_its_options(worker, monkeypatch, capsys) -> None:
    import workers_emulator.server as server

    seen = {}

    def fake_run(emulator, *, host, port, test_scheduled, sock, others):
        seen.update(emulator=emulator, host=host, port=port, sock=sock.getsockname())
        assert others == []  # one --config: one Worker
        sock.close()
        return 0

    monkeypatch.setattr(server, "run_dev_server", fake_run)
    port = free_port()
    args = ["dev", "--config", str(worker), "--port", str(port), "--ip", "127.0.0.1"]
    assert main([*args, "--kv-fault-rate", "0.25"]) == 0
    emu = seen["emulator"]
    assert (seen["host"], seen["port"]) == ("127.0.0.1", port)
    assert seen["sock"] == ("127.0.0.1", port)  # bound before the server runs
    assert emu.persist_to == worker.parent / ".wrangler" / "state"
    assert emu.kv("KV").faults.rate == 0.25
    assert set(emu.generated_secrets) == {"API_TOKEN", "SIGNING_KEY"}  # dev_defaults
    assert "25%" in capsys.readouterr().out
    emu.close()


def test_dev_reports_a_worker_that_fails_to_load(tmp_path, capsys) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "entry.py").write_text("raise ImportError('no such thing')\n")
    (tmp_path / "wrangler.toml").write_text('name = "x"\nmain = "src/entry.py"\n')
    assert main(["dev", "--config", str(tmp_path / "wrangler.toml")]) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == "workers-emulator: the Worker failed to load: no such thing"
