"""Admin authentication (docs/API.md: bearer token compared in constant time; a missing or wrong
token, or no ADMIN_TOKEN configured, is `401 unauthorized` with zero KV operations).

No timing measurement (that would be flaky): the test pins instead that the decision goes
through ``hmac.compare_digest`` over two fixed-length digests, whatever the caller sent.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Any

import pytest
from workers_emulator import EmulatorResponse, ManualClock

from tests.hostile.harness import (
    ADMIN_TOKEN,
    LEASE_SIGNING_KEY,
    START,
    Runner,
    make_emulator,
)

ADMIN_PATHS = [
    ("GET", "/v1/admin/release"),
    ("PUT", "/v1/admin/release"),
    ("POST", "/v1/admin/licenses"),
    ("GET", "/v1/admin/licenses"),
    ("GET", "/v1/admin/licenses/" + "a" * 32),
    ("DELETE", "/v1/admin/licenses/" + "a" * 32),
    ("GET", "/v1/admin/fleet"),
    ("GET", "/v1/admin/no-such-route"),
]
WRONG: list[str | None] = [
    None,
    "",
    "Bearer",
    "Bearer ",
    "Bearer\t" + ADMIN_TOKEN,  # RFC 9110 separates scheme and token by spaces only
    "Bearer" + ADMIN_TOKEN,
    "Token " + ADMIN_TOKEN,
    "Basic " + ADMIN_TOKEN,
    ADMIN_TOKEN,
    "Bearer " + ADMIN_TOKEN[:-1],
    "Bearer " + ADMIN_TOKEN + "x",
    "Bearer " + "x" * 10_000,
    "Bearer " + ADMIN_TOKEN + ", Bearer " + ADMIN_TOKEN,
]
# The scheme is case-insensitive and may be followed by several spaces (RFC 9110).
RIGHT = ["Bearer " + ADMIN_TOKEN, "bearer " + ADMIN_TOKEN, "BEARER   " + ADMIN_TOKEN]


def _runner(secrets: dict[str, str]) -> Iterator[Runner]:
    emu = make_emulator(ManualClock(start=START), secrets=secrets)
    runner = Runner(emu)
    yield runner
    runner.close()
    emu.close()


@pytest.fixture
def configured() -> Iterator[Runner]:
    yield from _runner({"ADMIN_TOKEN": ADMIN_TOKEN, "LEASE_SIGNING_KEY": LEASE_SIGNING_KEY})


@pytest.fixture
def unconfigured() -> Iterator[Runner]:
    yield from _runner({"LEASE_SIGNING_KEY": LEASE_SIGNING_KEY})


@pytest.fixture
def empty_token() -> Iterator[Runner]:
    yield from _runner({"ADMIN_TOKEN": "", "LEASE_SIGNING_KEY": LEASE_SIGNING_KEY})


def _send(runner: Runner, method: str, path: str, authorization: str | None) -> EmulatorResponse:
    headers = [("content-type", "application/json")]
    if authorization is not None:
        headers.append(("authorization", authorization))
    body = b'{"latest_version":"1.0.0"}' if method in ("PUT", "POST") else None
    return runner.send(method, path, headers, body)


def _fingerprint(response: EmulatorResponse) -> tuple[int, bytes, tuple[tuple[str, str], ...]]:
    return response.status_code, response.content, tuple(sorted(response.headers.items()))


def test_every_refusal_is_identical_and_costs_no_kv(
    configured: Runner, unconfigured: Runner, empty_token: Runner
) -> None:
    fingerprints = set()
    count = 0
    for runner in (configured, unconfigured, empty_token):
        for method, path in ADMIN_PATHS:
            for authorization in [*WRONG, *RIGHT]:
                if runner is configured and authorization in RIGHT:
                    continue  # the ones that must succeed
                response = _send(runner, method, path, authorization)
                assert response.status_code == 401, (method, path, authorization, response.text)
                assert response.kv_ops["LICENSE_KV"].total == 0
                fingerprints.add(_fingerprint(response))
                count += 1
    assert count > 200
    assert len(fingerprints) == 1, fingerprints
    status, body, headers = fingerprints.pop()
    assert status == 401
    assert body.startswith(b'{"error":{"code":"unauthorized"')
    assert ("www-authenticate", "Bearer") in headers


@pytest.mark.parametrize("authorization", RIGHT)
def test_the_right_token_is_accepted(configured: Runner, authorization: str) -> None:
    response = _send(configured, "GET", "/v1/admin/release", authorization)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("which", ["configured", "unconfigured"])
def test_comparison_is_compare_digest_over_fixed_length_digests(
    which: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner: Runner = request.getfixturevalue(which)
    calls: list[tuple[Any, Any]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return real(a, b)

    # The Worker's modules are loaded fresh per isolate, but the stdlib hmac is shared.
    monkeypatch.setattr(hmac, "compare_digest", spy)
    lengths = set()
    for authorization in [*WRONG, *RIGHT]:
        calls.clear()
        response = _send(runner, "GET", "/v1/admin/release", authorization)
        expected = 200 if which == "configured" and authorization in RIGHT else 401
        assert response.status_code == expected
        # Exactly one comparison, also for a missing header or no configured token: every
        # refusal takes the same path, and nothing is decided before the comparison.
        assert len(calls) == 1, (authorization, calls)
        a, b = calls[0]
        assert isinstance(a, bytes) and isinstance(b, bytes)
        lengths.add((len(a), len(b)))
    # The same length whatever was sent (0 to 10,000 characters): digests, not the token.
    assert lengths == {(32, 32)}, lengths
