"""`licensectl` against a real dev server (`workers-emulator dev`) over HTTP.

In-process runs go through ``licensectl.cli.main`` (tests.licensectl.conftest.run_cli); a few
runs use the installed console script in a subprocess, as an operator would.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from workers_emulator import Emulator, KVEntry

from license_server import storage
from tests.licensectl.conftest import Run, subprocess_env
from tests.licensectl.conftest import run_cli as run
from tests.support.devserver import DevServer

LICENSECTL = str(Path(sys.executable).parent / "licensectl")
UNKNOWN_ID = "0" * 32


def one_error_line(result: Run, code: str) -> None:
    result.one_error_line(code)


def create(*extra: str) -> dict[str, Any]:
    result = run("create", "--customer", "Contoso Ltd", "--plan", "enterprise", "--json", *extra)
    assert result.code == 0, result.err
    return result.json()


def heartbeat(server: DevServer, key: str, stats: dict[str, int] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"license_key": key, "version": "2.4.1"}
    if stats is not None:
        body["stats"] = stats
    response = httpx.post(f"{server.url}/v1/validate", json=body, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


# --- against the dev server -------------------------------------------------------------------


def test_wrong_token_is_exit_3(cli_env: DevServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LICENSE_ADMIN_TOKEN", "wrong")
    result = run("list")
    assert result.code == 3
    one_error_line(result, "unauthorized")


def test_unknown_license_is_exit_1(cli_env: DevServer) -> None:
    for argv in (("show", UNKNOWN_ID), ("suspend", UNKNOWN_ID), ("export", UNKNOWN_ID)):
        result = run(*argv)
        assert result.code == 1, argv
        one_error_line(result, "license_not_found")
    result = run("show", "not-an-id")
    assert result.code == 2
    one_error_line(result, "usage_error")


def test_create_prints_the_key_once_clearly_marked(cli_env: DevServer) -> None:
    result = run("create", "--customer", "Fabrikam", "--plan", "pro", "--expires-at", "2030-01-01")
    assert result.code == 0, result.err
    assert "LICENSE KEY" in result.out and "shown only this once" in result.out
    key_lines = [line for line in result.out.splitlines() if "CC-" in line]
    assert len(key_lines) == 1
    assert "2030-01-01T00:00:00Z" in result.out


def test_create_json_shape(cli_env: DevServer) -> None:
    created = create("--perpetual")
    assert set(created) == {"license_key", "license"}
    assert created["license_key"].startswith("CC-")
    license_ = created["license"]
    assert set(license_) == {"id", "status", "customer", "plan", "created_at", "expires_at"}
    assert license_["expires_at"] is None and license_["status"] == "active"


def test_status_changes_reach_the_heartbeat(cli_env: DevServer) -> None:
    """Each change lands within a second of the last write to the record: the server waits out
    KV's one-write-per-second window itself, so licensectl never has to retry (no wait)."""
    created = create("--expires-at", "2031-06-30")
    key, license_id = created["license_key"], created["license"]["id"]
    assert heartbeat(cli_env, key)["code"] == "VALID"
    for command, status, code in [
        ("suspend", "suspended", "SUSPENDED"),
        ("reactivate", "active", "VALID"),
        ("revoke", "revoked", "REVOKED"),
    ]:
        result = run(command, license_id, "--json", stdin="y\n")
        assert result.code == 0, result.err
        assert result.sleeps == []
        assert set(result.json()) == {"license"}
        assert result.json()["license"]["status"] == status
        assert heartbeat(cli_env, key)["code"] == code
    # Revocation is final: the server refuses, and the CLI says why.
    result = run("reactivate", license_id)
    assert result.code == 2
    assert "license_revoked" in result.err and "final" in result.err
    assert heartbeat(cli_env, key)["code"] == "REVOKED"


def test_extend_by_days_and_to_a_date(cli_env: DevServer) -> None:
    license_id = create("--expires-at", "2031-01-01")["license"]["id"]
    result = run("extend", license_id, "--by-days", "31", "--json")
    assert result.code == 0, result.err
    assert result.sleeps == []  # no retry: the server waited out the write window
    assert result.json()["license"]["expires_at"] == "2031-02-01T00:00:00Z"
    result = run("extend", license_id, "--expires-at", "2032-03-04T05:06:07Z")
    assert result.code == 0, result.err
    assert "2032-03-04T05:06:07Z" in result.out
    result = run("extend", license_id, "--perpetual", "--json")
    assert result.json()["license"]["expires_at"] is None
    result = run("extend", license_id, "--by-days", "3")
    assert result.code == 2
    one_error_line(result, "usage_error")


def test_show_validations_fleet_and_list(cli_env: DevServer) -> None:
    created = create("--expires-at", "2031-01-01")
    key, license_id = created["license_key"], created["license"]["id"]
    heartbeat(cli_env, key, {"secrets_total": 120, "certs": {"expiring_30d": 3}})

    shown = run("show", license_id, "--json")
    assert shown.code == 0, shown.err
    document = shown.json()
    assert set(document) == {"license", "stats", "stats_received_at", "last_validated_at"}
    assert document["stats"] == {"secrets_total": 120, "certs": {"expiring_30d": 3}}
    assert document["last_validated_at"] is not None
    human = run("show", license_id)
    assert "secrets_total" in human.out and "certs.expiring_30d" in human.out

    validations = run("validations", license_id, "--json").json()
    assert validations == {"license_id": license_id, "validations": [document["last_validated_at"]]}

    fleet = run("fleet", "--json").json()
    assert set(fleet) == {"items"}
    mine = [item for item in fleet["items"] if item["license_id"] == license_id]
    assert mine == [
        {
            "license_id": license_id,
            "stats": document["stats"],
            "received_at": document["stats_received_at"],
        }
    ]

    listing = run("list", "--json").json()
    assert set(listing) == {"licenses"}
    assert created["license"] in listing["licenses"]
    human = run("list")
    assert license_id in human.out and "license(s)" in human.out


def test_release_set_and_show(cli_env: DevServer) -> None:
    notes = "https://certifyclouds.com/releases/2.5.0"
    result = run("release", "set", "2.5.0", "--notes-url", notes, "--json")
    assert result.code == 0, result.err
    assert result.json()["latest_version"] == "2.5.0"
    shown = run("release", "show", "--json").json()
    assert set(shown) == {"latest_version", "release_notes_url", "updated_at"}
    assert shown["release_notes_url"] == notes
    bad = run("release", "set", "not-a-version")
    assert bad.code == 2
    one_error_line(bad, "usage_error")


def test_export_to_file(cli_env: DevServer, tmp_path: Path) -> None:
    created = create("--expires-at", "2031-01-01")
    heartbeat(cli_env, created["license_key"], {"nodes": 4})
    target = tmp_path / "export.json"
    result = run("export", created["license"]["id"], "-o", str(target))
    assert result.code == 0, result.err
    assert str(target) in result.out
    document = json.loads(target.read_text())
    assert document["license"] == created["license"]
    assert document["stats"] == {"nodes": 4}
    assert len(document["validations"]) == 1
    assert "cursor" not in document


def test_erase_asks_and_a_no_changes_nothing(cli_env: DevServer) -> None:
    license_id = create("--perpetual")["license"]["id"]
    declined = run("erase", license_id, stdin="n\n")
    assert declined.code == 5
    assert "Erase? [y/N]" in declined.err
    assert declined.err.strip().splitlines()[-1].startswith("licensectl: aborted: ")
    assert run("show", license_id).code == 0
    no_answer = run("erase", license_id, stdin="")
    assert no_answer.code == 5
    assert run("show", license_id).code == 0


def test_erase_confirmed_then_gone(cli_env: DevServer) -> None:
    created = create("--expires-at", "2031-01-01")
    key, license_id = created["license_key"], created["license"]["id"]
    heartbeat(cli_env, key, {"nodes": 2})
    # The settle is waited through the run's clock; the second pass finds nothing left.
    result = run("erase", license_id, "--settle", "1", stdin="y\n")
    assert result.code == 0, result.err
    assert result.sleeps == [1]
    assert "erased" in result.out
    assert "erasing once more in 1 s" in result.err
    assert run("show", license_id).code == 1
    again = run("erase", license_id, "--yes", "--json")
    assert again.code == 1
    one_error_line(again, "license_not_found")
    response = httpx.post(f"{cli_env.url}/v1/validate", json={"license_key": key}, timeout=10)
    assert response.status_code == 404


def test_erase_json_with_yes(cli_env: DevServer) -> None:
    license_id = create("--perpetual")["license"]["id"]
    result = run("erase", license_id, "--yes", "--json", "--settle", "0")
    assert result.code == 0, result.err
    assert result.json() == {"erased": license_id, "calls": 1, "settle_seconds": 0}


def test_erase_repeats_while_the_server_answers_in_progress(cli_env: DevServer) -> None:
    """1,200 validation timestamps take the server several budgeted calls; licensectl repeats."""
    license_id = create("--perpetual")["license"]["id"]
    # The dev server persists to SQLite: another Emulator on the same folder sees the same
    # store, which seeds the long log without 1,200 rate-limited heartbeats.
    with Emulator(cli_env.config, persist_to=cli_env.persist_to) as side:
        store = side.kv("LICENSE_KV").store
        now = int(time.time())
        for i in range(1200):
            name = storage.validation_key_name(license_id, now - 60 * i, "a1b2")
            store.put(KVEntry(name, b"t", now + storage.VALIDATION_LOG_TTL))
        assert len(side.kv_entries("LICENSE_KV")) >= 1201

        result = run("erase", license_id, "--yes", "--json", "--settle", "0")
        assert result.code == 0, result.err
        assert result.json()["erased"] == license_id
        assert result.json()["calls"] >= 3
        # Only the erasure marker is left; the Worker's sweep removes it (test_erasure_marker).
        assert [e.key for e in side.kv_entries("LICENSE_KV") if license_id in e.key] == [
            storage.erasure_marker_name(license_id)
        ]
    assert run("show", license_id).code == 1


# --- the console script, as an operator runs it ----------------------------------------------


def licensectl(
    *argv: str, env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The installed console script in a subprocess, as an operator runs it."""
    return subprocess.run(
        [LICENSECTL, *argv],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_console_script_json_and_exit_codes(dev_server: DevServer) -> None:
    env = subprocess_env(dev_server)
    created = licensectl(
        "--json", "create", "--customer", "Northwind", "--plan", "team", "--perpetual", env=env
    )
    assert created.returncode == 0, created.stderr
    license_id = json.loads(created.stdout)["license"]["id"]

    shown = licensectl("show", license_id, "--json", env=env)
    assert shown.returncode == 0
    assert json.loads(shown.stdout)["license"]["customer"] == "Northwind"
    assert shown.stderr == ""

    declined = licensectl("erase", license_id, env=env, stdin="no\n")
    assert declined.returncode == 5
    assert declined.stdout == ""

    erased = licensectl("erase", license_id, "--settle", "0", env=env, stdin="y\n")
    assert erased.returncode == 0, erased.stderr

    missing = licensectl("show", license_id, env=env)
    assert missing.returncode == 1
    assert missing.stderr.strip().startswith("licensectl: license_not_found: ")
    assert "Traceback" not in missing.stderr

    unauthorized = licensectl("list", env=subprocess_env(dev_server, LICENSE_ADMIN_TOKEN="nope"))
    assert unauthorized.returncode == 3
    assert unauthorized.stdout == ""
    assert unauthorized.stderr.strip().splitlines() == [
        "licensectl: unauthorized: a valid admin token is required (Authorization: Bearer <token>)"
    ]
