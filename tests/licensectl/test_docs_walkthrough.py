"""docs/licensectl.md is literally true: every `uv run licensectl …` line in it runs, in order,
against a real dev server, and the outputs it shows are what licensectl prints (with the key,
ids and times of this run)."""

from __future__ import annotations

import re
import shlex
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.licensectl.conftest import run_cli
from tests.support.devserver import DevServer

DOC = Path(__file__).resolve().parents[2] / "docs" / "licensectl.md"
PREFIX = "uv run licensectl "
# The day the walkthrough's create output was recorded: its dates are in the future from here.
DOC_DAY = datetime(2026, 12, 2, 6, 51, 47, tzinfo=UTC)


def console_blocks() -> list[list[str]]:
    text = DOC.read_text(encoding="utf-8")
    return [block.splitlines() for block in re.findall(r"```console\n(.*?)```", text, re.S)]


def commands() -> list[list[str]]:
    return [
        shlex.split(line[2 + len(PREFIX) :], comments=True)
        for block in console_blocks()
        for line in block
        if line.startswith("$ " + PREFIX)
    ]


def mask(text: str) -> list[str]:
    """Lines with what differs from run to run replaced: the key, ids, times."""
    text = re.sub(r"CC-[0-9A-Z]{4}(-[0-9A-Z]{4}){6}", "CC-KEY", text)
    text = re.sub(r"\b[0-9a-f]{32}\b", "<id>", text)
    text = re.sub(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ", "<time>", text)
    return [line.rstrip() for line in text.splitlines()]


def shown_output(first_line: str) -> list[str]:
    """The doc's console block that starts with ``first_line`` (an output, not a command)."""
    for block in console_blocks():
        if block[0].startswith(first_line):
            return block
        if block[0].startswith("$ " + PREFIX + first_line):
            return block[1:]
    raise AssertionError(f"no console block starts with {first_line!r}")


def test_the_doc_uses_uv_run_and_one_id_prefix_of_the_id_it_shows() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert not re.search(r"^\$ licensectl", text, re.M), "run it as `uv run licensectl`"
    assert "…e1" not in text
    shown_ids = set(re.findall(r"\b[0-9a-f]{32}\b", text))
    assert len(shown_ids) == 1
    typed = {
        argv[1] for argv in commands() if len(argv) > 1 and re.fullmatch(r"[0-9a-f]{8}", argv[1])
    }
    assert len(typed) == 1 and next(iter(shown_ids)).startswith(next(iter(typed)))


def test_every_command_in_the_doc_runs_against_a_dev_server(
    cli_env: DevServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # export -o writes here
    documented = commands()
    doc_prefix = next(argv[1] for argv in documented if argv[0] == "show")
    prefix = doc_prefix
    for argv in documented:
        argv = [prefix if arg == doc_prefix else arg for arg in argv]
        result = run_cli(*argv, stdin="y\n", now=DOC_DAY, width=100)
        assert result.code == 0, (argv, result.err)
        # The server waits out KV's write window itself: no retry, only the erasure's settle.
        assert result.sleeps == ([90] if argv[0] == "erase" else []), argv
        if argv[0] == "create":
            assert mask(result.out) == mask("\n".join(shown_output("create")))
            license_id = re.findall(r"\b[0-9a-f]{32}\b", result.out)[0]
            prefix = license_id[: len(doc_prefix)]
            key = re.findall(r"CC-[0-9A-Z-]{34}", result.out)[0]
            stats = {"secrets_total": 120, "certs_expiring_30d": 3}
            body = {"license_key": key, "version": "2.4.1", "stats": stats}
            assert httpx.post(f"{cli_env.url}/v1/validate", json=body, timeout=10).is_success
        if argv[0] == "show":
            assert mask(result.out) == mask("\n".join(shown_output("License")))
    assert (tmp_path / "contoso-export.json").exists()
    assert run_cli("show", license_id).code == 1
