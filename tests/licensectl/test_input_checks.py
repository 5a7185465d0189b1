"""Input refused before any call: versions, expiry dates in the past, an extension that
shortens. Each refusal says what is expected and changes nothing (no request is made)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from licensectl import checks
from licensectl.exits import CliError

from license_server.semver import parse_version
from tests.licensectl.conftest import LICENSE_ID, NOW, answers, license_record, run_cli
from tests.licensectl.conftest import scripted_env as env

VERSIONS = [
    "2.5.0",
    "0.0.0",
    "10.20.30-rc.1+build.5",
    "1.0.0-alpha-a.b-c",
    "1.0.0-0A.is.legal",
    "1.0.0+0.build.1-rc.10000aaa-kk-0.1",
    "1" * 30 + ".0.0",
    "1" * 60 + ".0.0",
    "not-a-version",
    "2.5",
    "v2.5.0",
    "02.5.0",
    "2.5.0-",
    "2.5.0-01",
    "2.5.0+",
    "2.5.0 ",
    "2.5.0\n",
    "\u0968.\u096b.\u0966",  # Devanagari digits: not ASCII
    "",
]


@pytest.mark.parametrize("text", VERSIONS)
def test_licensectl_accepts_exactly_the_versions_the_server_accepts(text: str) -> None:
    try:
        accepted = checks.version(text) == text
    except CliError:
        accepted = False
    assert accepted == (parse_version(text) is not None)


def test_release_set_with_a_bad_version_says_what_a_version_looks_like() -> None:
    script, seen = answers()
    result = run_cli("release", "set", "not-a-version", environ=env(), script=script)
    assert result.code == 2
    result.one_error_line("usage_error")
    assert "'not-a-version'" in result.err
    assert "MAJOR.MINOR.PATCH" in result.err and "2.5.0" in result.err
    assert seen == []


def no_calls() -> tuple[Any, list[httpx.Request]]:
    return answers()


@pytest.mark.parametrize(
    "argv",
    [
        ("create", "--customer", "A", "--plan", "pro", "--expires-at", "2027-05-31"),
        ("create", "--customer", "A", "--plan", "pro", "--expires-at", "2027-06-01T12:00:00Z"),
        ("extend", LICENSE_ID, "--expires-at", "2020-01-01"),
    ],
)
def test_an_expiry_in_the_past_is_refused_and_nothing_is_called(argv: tuple[str, ...]) -> None:
    script, seen = no_calls()
    result = run_cli(*argv, environ=env(), script=script, now=NOW)
    assert result.code == 2
    result.one_error_line("usage_error")
    assert "not in the future" in result.err and "--allow-past" in result.err
    assert seen == []


def test_allow_past_creates_an_already_expired_license_on_purpose() -> None:
    created = {"license_key": "CC-X", "license": license_record(expires_at="2027-05-31T00:00:00Z")}
    script, seen = answers(httpx.Response(201, json=created))
    argv = ("create", "--customer", "A", "--plan", "pro", "--expires-at", "2027-05-31")
    result = run_cli(*argv, "--allow-past", "--json", environ=env(), script=script, now=NOW)
    assert result.code == 0, result.err
    assert [r.method for r in seen] == ["POST"]
    assert b'"expires_at":"2027-05-31T00:00:00Z"' in seen[0].content


def test_a_future_expiry_is_sent_in_the_apis_form() -> None:
    created = {"license_key": "CC-X", "license": license_record()}
    script, seen = answers(httpx.Response(201, json=created))
    argv = ("create", "--customer", "A", "--plan", "pro", "--expires-at", "2027-06-01T14:00+02:00")
    result = run_cli(*argv, environ=env(), script=script, now=NOW)
    # 14:00+02:00 is 12:00Z, exactly now: not in the future.
    assert result.code == 2 and seen == []
    result = run_cli(
        "create",
        "--customer",
        "A",
        "--plan",
        "pro",
        "--expires-at",
        "2027-06-01T15:00+02:00",
        environ=env(),
        script=script,
        now=NOW,
    )
    assert result.code == 0, result.err
    assert b'"expires_at":"2027-06-01T13:00:00Z"' in seen[0].content


@pytest.mark.parametrize("days", ["0", "-5"])
def test_extend_by_zero_or_negative_days_is_refused(days: str) -> None:
    script, seen = no_calls()
    result = run_cli("extend", LICENSE_ID, "--by-days", days, environ=env(), script=script)
    assert result.code == 2
    result.one_error_line("usage_error")
    assert "--by-days must be 1 or more" in result.err and "--expires-at" in result.err
    assert seen == []


def test_extend_that_still_ends_in_the_past_is_refused_after_reading_only() -> None:
    lapsed = license_record(expires_at="2026-01-01T00:00:00Z")
    shown = {"license": lapsed, "stats": None, "stats_received_at": None, "last_validated_at": None}
    script, seen = answers(httpx.Response(200, json=shown))
    result = run_cli("extend", LICENSE_ID, "--by-days", "30", environ=env(), script=script, now=NOW)
    assert result.code == 2
    result.one_error_line("usage_error")
    assert "2026-01-31T00:00:00Z is not in the future" in result.err
    assert [r.method for r in seen] == ["GET"]


def test_extend_by_days_moves_the_current_expiry_later() -> None:
    shown = {"license": license_record(), "stats": None, "stats_received_at": None}
    patched = {"license": license_record(expires_at="2028-01-31T00:00:00Z")}
    script, seen = answers(httpx.Response(200, json=shown), httpx.Response(200, json=patched))
    result = run_cli(
        "extend", LICENSE_ID, "--by-days", "30", "--json", environ=env(), script=script, now=NOW
    )
    assert result.code == 0, result.err
    assert [r.method for r in seen] == ["GET", "PATCH"]
    assert seen[1].content == b'{"expires_at":"2028-01-31T00:00:00Z"}'
