"""Property-based tests over the request and stats models, against oracles written from docs/API.md.

Two layers: the pure functions (``check_stats``, SemVer precedence) for breadth, and the
heartbeat over the emulator for the promise that matters to a client (the answer's verdict).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from workers_emulator import Emulator, EmulatorResponse, ManualClock

from license_server.semver import compare, parse_version
from license_server.stats import check_stats
from tests.hostile import oracles
from tests.hostile.harness import START, NewLicense, Runner, create_license, make_emulator
from tests.hostile.strategies import (
    json_scalars,
    json_values,
    semvers,
    stats_like,
    stats_near_size_limit,
)

any_stats = st.one_of(json_values(), stats_like, stats_near_size_limit())


def _reason(stats: Any) -> str | None:
    verdict = check_stats(stats)
    answer = verdict.answer()
    return None if answer["accepted"] else answer["reason"]


# ---- stats verdict -------------------------------------------------------------------------


@settings(max_examples=600, deadline=None)
@given(any_stats)
@example({})
@example({"a": {}})
@example({"a": True})
@example({"a": 1.0})
@example({"a": 2**53 - 1})
@example({"a": 2**53})
@example({"a": -1})
@example({"a": 10**5000})  # over Python's 4300-digit int-to-str limit: still just too large
@example({"g": {"b": -(10**4400)}})
@example({"a": {"b": {"c": 1}}})
@example({"a\n": 1})
@example({"a" * 64: 1})
@example({"a" * 65: 1})
@example({"\u0660": 1})
@example([])
@example("stats")
@example(0)
@example(False)
def test_stats_verdict_matches_spec_oracle(stats: Any) -> None:
    assert _reason(stats) == oracles.stats_verdict(stats)


@settings(max_examples=300, deadline=None)
@given(stats_near_size_limit())
def test_stats_size_boundary_counts_utf8_bytes(stats: dict[str, Any]) -> None:
    size = len(json.dumps(stats, separators=(",", ":"), ensure_ascii=False).encode())
    reason = _reason(stats)
    if size > 4096:
        assert reason == "stats_too_large"
    else:
        assert reason != "stats_too_large"


def test_stats_exactly_4096_bytes_is_accepted_and_4097_is_not() -> None:
    def payload(size: int) -> dict[str, int]:
        stats: dict[str, int] = {}
        i = 0
        while size - len(json.dumps(stats, separators=(",", ":"))) > 80:
            stats[f"k{i:03d}".ljust(60, "x")] = 1
            i += 1
        rest = size - len(json.dumps(stats, separators=(",", ":"))) - 5
        stats["z" * rest] = 1
        assert len(json.dumps(stats, separators=(",", ":")).encode()) == size
        return stats

    assert _reason(payload(4096)) is None
    assert _reason(payload(4097)) == "stats_too_large"


def test_stats_reasons_are_checked_in_spec_order() -> None:
    # Too large AND invalid: the size wins, since it is checked first.
    assert _reason({"bad key": "x" * 5000}) == "stats_too_large"
    assert _reason({"bad key": 1}) == "stats_invalid"
    assert _reason(["x" * 5000]) == "stats_not_object"


# ---- SemVer precedence -----------------------------------------------------------------------


def _cmp(a: str, b: str) -> int:
    va, vb = parse_version(a), parse_version(b)
    assert va is not None and vb is not None, (a, b)
    return compare(va, vb)


def test_semver_precedence_examples_from_the_spec() -> None:
    chain = oracles.SEMVER_PRECEDENCE_EXAMPLES
    for low_index, low in enumerate(chain):
        for high in chain[low_index + 1 :]:
            assert _cmp(low, high) == -1, (low, high)
            assert _cmp(high, low) == 1, (high, low)
    assert _cmp("1.0.0+build.1", "1.0.0+build.2") == 0  # build metadata is ignored
    assert _cmp("1.0.0-alpha+x", "1.0.0-alpha") == 0


@settings(max_examples=400, deadline=None)
@given(semvers(), semvers())
def test_semver_agrees_with_oracle_and_is_antisymmetric(a: str, b: str) -> None:
    assert parse_version(a) is not None, a
    assert _cmp(a, b) == oracles.semver_cmp(a, b)
    assert _cmp(a, b) == -_cmp(b, a)
    assert _cmp(a, a) == 0


@settings(max_examples=150, deadline=None)
@given(st.lists(semvers(), min_size=3, max_size=10))
def test_semver_is_a_total_order(versions: list[str]) -> None:
    # Sorting by the Worker's comparison must give a chain where every pair agrees with its
    # position: this holds only if the relation is transitive and total.
    ordered = sorted(versions, key=functools.cmp_to_key(_cmp))
    for i, low in enumerate(ordered):
        for high in ordered[i + 1 :]:
            assert _cmp(low, high) <= 0, (low, high)
            assert oracles.semver_cmp(low, high) <= 0, (low, high)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=80))
@example("01.0.0")
@example("1.0.0-01")
@example("1.0")
@example("1.0.0-")
@example("1.0.0+")
@example("1.0.0\n")
@example("\u0661.0.0")
@example("1.0.0-" + "a" * 60)
def test_semver_parser_accepts_exactly_spec_versions(text: str) -> None:
    import re

    # semver.org's grammar, ASCII only, plus docs/API.md's 64-character cap.
    num = r"(0|[1-9][0-9]*)"
    pre = r"(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
    build = r"[0-9A-Za-z-]+"
    grammar = rf"{num}\.{num}\.{num}(-{pre}(\.{pre})*)?(\+{build}(\.{build})*)?"
    expected = len(text) <= 64 and re.fullmatch(grammar, text) is not None
    assert (parse_version(text) is not None) == expected


@pytest.mark.parametrize("text", ["1.0.0", "0.0.0", "10.20.30-rc.1+b.2", "1.0.0-0A.is.legal"])
def test_semver_known_good(text: str) -> None:
    assert parse_version(text) is not None


# ---- the heartbeat over the emulator ---------------------------------------------------------


@pytest.fixture(scope="module")
def heartbeat_target() -> Iterator[tuple[Emulator, Runner, NewLicense]]:
    emu = make_emulator(ManualClock(start=START))
    runner = Runner(emu)
    lic = create_license(runner.emulator, expires_at=None)
    yield emu, runner, lic
    runner.close()
    emu.close()


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _post(emu: Emulator, runner: Runner, body: bytes) -> EmulatorResponse:
    # A new window for the rate limiters on every example: this is not a rate-limit test.
    emu.clock.advance(61)
    return runner.send("POST", "/v1/validate", [("content-type", "application/json")], body)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(stats=any_stats)
@example(stats={})
@example(stats={"a": True})
@example(stats={"a": 2**53})
@example(stats=[])
def test_heartbeat_stats_verdict_and_store_follow_the_oracle(
    heartbeat_target: tuple[Emulator, Runner, NewLicense], stats: Any
) -> None:
    emu, runner, lic = heartbeat_target
    assume(_depth(stats) < 30)  # deeper is refused as invalid_json, a documented parser limit
    body = json.dumps({"license_key": lic.key, "stats": stats}, ensure_ascii=False).encode()
    before = {e.key: e.value for e in emu.kv_entries("LICENSE_KV")}.get(f"stats:{lic.id}")
    response = _post(emu, runner, body)
    assert response.status_code == 200, response.text
    verdict = response.json()["stats"]
    expected = oracles.stats_verdict(stats) if stats is not None else None
    writes = response.kv_ops["LICENSE_KV"].writes
    if stats is None:
        assert verdict is None
        assert writes == 1  # the validation timestamp only
    elif expected is None:
        assert verdict == {"accepted": True}
        # The same counts as stored (in the same order) are not written again.
        unchanged = before is not None and json.dumps(json.loads(before)["stats"]) == json.dumps(
            stats
        )
        assert writes == (1 if unchanged else 2)
        stored = {e.key: e.value for e in emu.kv_entries("LICENSE_KV")}[f"stats:{lic.id}"]
        assert json.loads(stored)["stats"] == stats
    else:
        assert verdict["accepted"] is False and verdict["reason"] == expected, verdict
        assert writes == 1  # a refused payload is never written
    if expected is not None:
        assert expected in oracles.STATS_REASONS


heartbeat_bodies = st.one_of(
    st.binary(max_size=600),
    json_values().map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries(
        {"license_key": st.one_of(st.text(max_size=40), json_scalars)},
        optional={"version": st.one_of(st.text(max_size=70), json_scalars), "stats": any_stats},
    ).map(lambda v: json.dumps(v).encode()),
    st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
)


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=heartbeat_bodies, use_real_key=st.booleans())
def test_heartbeat_never_500s_on_arbitrary_bodies(
    heartbeat_target: tuple[Emulator, Runner, NewLicense], body: bytes, use_real_key: bool
) -> None:
    emu, runner, lic = heartbeat_target
    if use_real_key and body.startswith(b'{"license_key": '):
        # Aim the same body at the real license, so the stats and version paths are reached.
        data = json.loads(body)
        data["license_key"] = lic.key
        body = json.dumps(data).encode()
    response = _post(emu, runner, body)
    assert response.status_code in (200, 400, 404), response.text
    if response.status_code != 200:
        error = response.json()["error"]
        assert set(response.json()) == {"error"} and set(error) == {"code", "message"}
        assert error["code"] in {"invalid_json", "invalid_request", "license_not_found"}
        assert response.kv_ops["LICENSE_KV"].writes == 0
