"""Rate limiting (docs/API.md: 429 `rate_limited` with Retry-After): per license 30 per 60 s, per
client for unknown or malformed keys; no KV write when limited; recovery after the period;
nothing identifying (address, key) in the store, the logs or the limiter's own buckets.
"""

from __future__ import annotations

import json
import re
from typing import Any

from workers_emulator import Emulator, EmulatorResponse, ManualClock

from license_server import keys
from tests.hostile.harness import NewLicense, Runner

JSON = [("content-type", "application/json")]
PERIOD = 60
LICENSE_LIMIT = 30
CLIENT_LIMIT = 60
ADDRESSES = ("198.51.100.23", "2001:db8::beef", "192.0.2.77")


def _heartbeat(
    runner: Runner, key: str, ip: str = ADDRESSES[0], stats: bool = True
) -> EmulatorResponse:
    body: dict[str, object] = {"license_key": key, "version": "1.0.0"}
    if stats:
        body["stats"] = {"secrets_total": 1}
    return runner.send("POST", "/v1/validate", JSON, json.dumps(body).encode(), client_ip=ip)


def _to_next_window(clock: ManualClock) -> None:
    clock.set((int(clock.now()) // PERIOD + 1) * PERIOD)


def _assert_limited(response: EmulatorResponse) -> None:
    assert response.status_code == 429, response.text
    assert response.json() == {
        "error": {"code": "rate_limited", "message": response.json()["error"]["message"]}
    }
    retry_after = response.headers.get("retry-after", "")
    assert re.fullmatch(r"\d+", retry_after), retry_after
    assert 0 < int(retry_after) <= PERIOD
    assert response.kv_ops["LICENSE_KV"].writes == 0


def test_per_license_limit_then_recovery(
    runner: Runner, clock: ManualClock, new_license: Any
) -> None:
    lic: NewLicense = new_license()
    other: NewLicense = new_license()
    _to_next_window(clock)
    for i in range(LICENSE_LIMIT):
        response = _heartbeat(runner, lic.key, ip=ADDRESSES[i % 3])
        assert response.status_code == 200, (i, response.text)
        clock.advance(1)  # one second apart: KV takes one write per second per key
    for _ in range(5):
        limited = _heartbeat(runner, lic.key)
        _assert_limited(limited)
        # Limited before the license is even read: no KV operation at all.
        assert limited.kv_ops["LICENSE_KV"].total == 0
    # Another license, same clients: not affected.
    assert _heartbeat(runner, other.key).status_code == 200
    # The limit recovers once the period has passed.
    _to_next_window(clock)
    assert _heartbeat(runner, lic.key).status_code == 200


def test_per_client_limit_for_malformed_keys(runner: Runner, clock: ManualClock) -> None:
    _to_next_window(clock)
    malformed = "CC-NOT-A-REAL-KEY"
    for i in range(CLIENT_LIMIT):
        response = _heartbeat(runner, f"{malformed}-{i}", ip=ADDRESSES[0])
        assert response.status_code == 404, (i, response.text)
        assert response.kv_ops["LICENSE_KV"].total == 0
    limited = _heartbeat(runner, malformed, ip=ADDRESSES[0])
    _assert_limited(limited)
    assert limited.kv_ops["LICENSE_KV"].total == 0
    # Another client is not limited by the first one's garbage.
    assert _heartbeat(runner, malformed, ip=ADDRESSES[1]).status_code == 404
    _to_next_window(clock)
    assert _heartbeat(runner, malformed, ip=ADDRESSES[0]).status_code == 404


def test_per_client_limit_for_unknown_well_formed_keys(
    runner: Runner, clock: ManualClock, new_license: Any
) -> None:
    lic: NewLicense = new_license()
    _to_next_window(clock)
    for i in range(CLIENT_LIMIT):
        response = _heartbeat(runner, keys.generate_key(), ip=ADDRESSES[2])
        assert response.status_code == 404, (i, response.text)
        assert response.kv_ops["LICENSE_KV"].writes == 0
    limited = _heartbeat(runner, keys.generate_key(), ip=ADDRESSES[2])
    _assert_limited(limited)
    # The address spent its unknown-key budget: refused before the read, a real key included,
    # until Retry-After has passed (ratelimit.py: the trade-off for bounded KV reads).
    refused = _heartbeat(runner, lic.key, ip=ADDRESSES[2])
    _assert_limited(refused)
    assert refused.kv_ops["LICENSE_KV"].total == 0
    # Other addresses are not affected, and the address recovers after Retry-After.
    assert _heartbeat(runner, lic.key, ip=ADDRESSES[1]).status_code == 200
    clock.advance(int(refused.headers["retry-after"]))
    assert _heartbeat(runner, lic.key, ip=ADDRESSES[2]).status_code == 200


def test_minted_keys_buy_a_bounded_number_of_kv_reads(
    emulator: Emulator, runner: Runner, clock: ManualClock
) -> None:
    """Well-formed keys with valid check codes that no license has, as fast as one client can."""
    _to_next_window(clock)
    before = emulator.kv_counters("LICENSE_KV")
    answers: dict[int, int] = {}
    for _ in range(1000):
        response = _heartbeat(runner, keys.generate_key(), ip=ADDRESSES[0], stats=False)
        answers[response.status_code] = answers.get(response.status_code, 0) + 1
    after = emulator.kv_counters("LICENSE_KV")
    # One isolate: the budget's reads, plus the one whose miss found the budget spent.
    assert after.reads - before.reads == CLIENT_LIMIT + 1
    assert answers == {404: CLIENT_LIMIT, 429: 1000 - CLIENT_LIMIT}
    assert after.writes == before.writes
    # A minute later the same client gets the budget again, and no more.
    clock.advance(PERIOD)
    _to_next_window(clock)
    before = emulator.kv_counters("LICENSE_KV")
    for _ in range(200):
        _heartbeat(runner, keys.generate_key(), ip=ADDRESSES[0], stats=False)
    assert emulator.kv_counters("LICENSE_KV").reads - before.reads == CLIENT_LIMIT + 1


def test_any_number_of_known_keys_may_share_an_address(
    runner: Runner, clock: ManualClock, new_license: Any
) -> None:
    """Many deployments behind one NAT address: known keys never spend the unknown-key budget."""
    licenses: list[NewLicense] = [new_license() for _ in range(3 * CLIENT_LIMIT)]
    _to_next_window(clock)
    for lic in licenses:
        response = _heartbeat(runner, lic.key, ip=ADDRESSES[1], stats=False)
        assert response.status_code == 200, response.text


def test_nothing_identifying_is_kept(
    emulator: Emulator, runner: Runner, clock: ManualClock, new_license: Any
) -> None:
    lic: NewLicense = new_license()
    probes = [lic.key, "CC-NOT-A-REAL-KEY", keys.generate_key()]
    for _ in range(2):  # enough to hit both limiters
        for i in range(70):
            for probe in probes:
                _heartbeat(runner, probe, ip=ADDRESSES[i % 3])
            clock.advance(1)
    compact = lic.key.replace("-", "")
    secrets = [*probes, compact, compact.lower(), *ADDRESSES, "198.51.100", "db8::beef"]
    stored: list[str] = []
    for entry in emulator.kv_entries("LICENSE_KV"):
        stored += [entry.key, entry.value.decode("utf-8", "replace"), json.dumps(entry.metadata)]
    limiter_keys: list[str] = []
    for name in ("LICENSE_RATE_LIMITER", "CLIENT_RATE_LIMITER"):
        limiter_keys += list(emulator.ratelimiter(name)._windows)
    for where, texts in (
        ("store", stored),
        ("logs", emulator.log_lines),
        ("rate limiter buckets", limiter_keys),
    ):
        for secret in secrets:
            leaked = [text for text in texts if secret.lower() in text.lower()]
            assert not leaked, f"{secret!r} found in the {where}: {leaked[:3]}"
    # The limiters were really used, with opaque keys.
    assert limiter_keys
    assert all(re.fullmatch(r"(license|client):[0-9a-f]{32}", k) for k in limiter_keys), (
        limiter_keys[:5]
    )
