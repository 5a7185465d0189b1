"""Where the admin token comes from, and a clear refusal when it is nowhere."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.licensectl.conftest import Stdin, answers, run_cli

LICENSECTL = str(Path(sys.executable).parent / "licensectl")
RELEASE = {"latest_version": "2.5.0", "release_notes_url": None, "updated_at": None}


@pytest.mark.parametrize(("value", "state"), [(None, "is not set"), ("  ", "is empty")])
def test_no_token_without_a_terminal_says_which_variable_is_missing(
    value: str | None, state: str
) -> None:
    environ = {"LICENSE_SERVER_URL": "https://license.test"}
    if value is not None:
        environ["LICENSE_ADMIN_TOKEN"] = value
    script, seen = answers()
    result = run_cli("release", "show", environ=environ, stdin=Stdin(""), script=script)
    assert result.code == 3
    result.one_error_line("no_token")
    assert f"LICENSE_ADMIN_TOKEN {state}" in result.err
    assert "aborted" not in result.err
    assert seen == []


def test_no_token_is_refused_before_the_erase_confirmation_is_read() -> None:
    script, seen = answers()
    result = run_cli(
        "erase",
        "ab" * 16,
        environ={"LICENSE_SERVER_URL": "https://license.test"},
        stdin=Stdin("y\n"),
        script=script,
    )
    assert result.code == 3
    result.one_error_line("no_token")
    assert "Erase?" not in result.err
    assert seen == []


def test_on_a_terminal_the_token_is_asked_for_hidden_and_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return "typed-token"

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    script, seen = answers(httpx.Response(200, json=RELEASE))
    result = run_cli(
        "release",
        "show",
        "--json",
        environ={"LICENSE_SERVER_URL": "https://license.test"},
        stdin=Stdin(terminal=True),
        script=script,
    )
    assert result.code == 0, result.err
    assert len(prompts) == 1 and "LICENSE_ADMIN_TOKEN is not set" in prompts[0]
    assert seen[0].headers["authorization"] == "Bearer typed-token"


def test_an_empty_answer_at_the_prompt_is_no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "")
    script, seen = answers()
    result = run_cli(
        "release",
        "show",
        environ={"LICENSE_SERVER_URL": "https://license.test"},
        stdin=Stdin(terminal=True),
        script=script,
    )
    assert result.code == 3
    result.one_error_line("no_token")
    assert seen == []


def test_the_console_script_without_a_token_or_terminal_prints_no_warning() -> None:
    """As an operator's cron job or CI step runs it: no GetPassWarning, no "aborted"."""
    completed = subprocess.run(
        [LICENSECTL, "release", "show"],
        env={"LICENSE_SERVER_URL": "http://127.0.0.1:9", "PATH": "/usr/bin:/bin"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        start_new_session=True,  # no controlling terminal for getpass to fall back on
    )
    assert completed.returncode == 3
    assert completed.stdout == ""
    assert completed.stderr.strip().splitlines() == [
        "licensectl: no_token: LICENSE_ADMIN_TOKEN is not set and there is no terminal to ask "
        "for the token: export LICENSE_ADMIN_TOKEN"
    ]
