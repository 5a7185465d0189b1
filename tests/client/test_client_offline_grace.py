"""Offline grace, retries and definitive errors."""

from __future__ import annotations

import os
from datetime import timedelta

import httpx
import pytest
from certifyclouds_license import (
    LeaseVerificationError,
    LicenseClient,
    LicenseServerError,
    LicenseServerUnreachable,
    OfflineGraceExpired,
)
from client_fakes import LICENSE_KEY, START, TTL

VALIDATE = "/v1/validate"


def test_online_result_fields(client, server):
    result = client.heartbeat("2.4.1")
    assert result.valid and result.code == "VALID" and not result.from_cache
    assert result.license.id == server.license_id and result.license.plan == "enterprise"
    assert result.license.expires_at.year == 2028
    assert result.update.current_version == "2.4.1"
    assert result.checked_at.isoformat() == "2027-01-01T00:00:00+00:00"


def test_cached_answer_within_grace_then_grace_expired(client, server, clock):
    online = client.heartbeat("2.4.1")
    server.down = True
    clock.advance(days=1)
    cached = client.heartbeat("2.4.1")
    assert cached.valid and cached.from_cache and cached.code == "VALID"
    assert cached.checked_at.timestamp() == START  # the last time the server answered
    assert cached.license == online.license
    assert cached.update is None
    assert cached.grace_expires_at.timestamp() == START + 3 * 86400
    clock.advance(days=2, seconds=-1)
    assert client.heartbeat("2.4.1").from_cache
    clock.advance(1)
    with pytest.raises(OfflineGraceExpired) as info:
        client.heartbeat("2.4.1")
    assert info.value.grace_ended_at.timestamp() == START + 3 * 86400
    assert isinstance(info.value, LicenseServerUnreachable)


def test_grace_never_outlives_the_lease(make_client, server, clock):
    client = make_client(grace_period=timedelta(days=30))
    client.heartbeat("2.4.1")
    server.down = True
    clock.advance(TTL - 1)
    assert client.heartbeat("2.4.1").from_cache
    clock.advance(1)
    with pytest.raises(OfflineGraceExpired):
        client.heartbeat("2.4.1")


def test_success_renews_the_grace(client, server, clock):
    client.heartbeat("2.4.1")
    clock.advance(days=2)
    client.heartbeat("2.4.1")
    server.down = True
    clock.advance(days=2)
    assert client.heartbeat("2.4.1").from_cache  # 4 days after the first, 2 after the last


def test_no_cache_offline_raises(client, server):
    server.down = True
    with pytest.raises(OfflineGraceExpired, match="no cached lease"):
        client.heartbeat("2.4.1")


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_5xx_and_429_answered_from_cache(client, server, status):
    client.heartbeat("2.4.1")
    server.status = status
    assert client.heartbeat("2.4.1").from_cache


@pytest.mark.parametrize("body", [b"<html>captive portal</html>", b"{}", b"[1]"])
def test_200_that_is_not_a_heartbeat_answer_uses_cache(client, server, body):
    client.heartbeat("2.4.1")
    server.raw_body = body
    assert client.heartbeat("2.4.1").from_cache


def test_proxy_4xx_without_error_envelope_uses_cache(client, server):
    client.heartbeat("2.4.1")
    server.status, server.raw_body = 407, b"Proxy Authentication Required"
    assert client.heartbeat("2.4.1").from_cache


def test_timeout_answered_from_cache(make_client, server, tmp_path):
    timeouts = {"on": False}

    def handler(request):
        if timeouts["on"]:
            raise httpx.ReadTimeout("slow", request=request)
        return server.handle(request)

    client = make_client(transport=httpx.MockTransport(handler))
    client.heartbeat("2.4.1")
    timeouts["on"] = True
    assert client.heartbeat("2.4.1").from_cache


def test_retries_bounded_with_jittered_exponential_backoff(make_client, server, sleeps):
    client = make_client(retries=4, backoff_base=1.0, backoff_max=5.0)
    server.down = True
    with pytest.raises(OfflineGraceExpired):
        client.heartbeat("2.4.1")
    assert server.count(VALIDATE) == 5
    assert len(sleeps) == 4
    caps = [1.0, 2.0, 4.0, 5.0]
    for delay, cap in zip(sleeps, caps, strict=True):
        assert cap / 2 <= delay <= cap


def test_jitter_differs_between_clients(make_client, server, sleeps):
    server.down = True
    for _ in range(2):
        with pytest.raises(OfflineGraceExpired):
            make_client(retries=3).heartbeat("2.4.1")
    assert sleeps[:3] != sleeps[3:]


def test_retry_after_honoured_but_bounded(make_client, server, sleeps):
    client = make_client(retries=2, backoff_base=0.1, backoff_max=10.0)
    server.status, server.retry_after = 429, "7"
    with pytest.raises(OfflineGraceExpired):
        client.heartbeat("2.4.1")
    assert sleeps == [7.0, 7.0]
    sleeps.clear()
    server.retry_after = "86400"
    with pytest.raises(OfflineGraceExpired):
        client.heartbeat("2.4.1")
    assert sleeps == [10.0, 10.0]


def test_zero_retries_means_one_attempt(make_client, server, sleeps):
    server.down = True
    with pytest.raises(OfflineGraceExpired):
        make_client(retries=0).heartbeat("2.4.1")
    assert server.count(VALIDATE) == 1 and sleeps == []


def test_transient_failure_then_success(make_client, server):
    state = {"failures": 2}

    def handler(request):
        if request.url.path == VALIDATE and state["failures"]:
            state["failures"] -= 1
            return httpx.Response(
                503, json={"error": {"code": "storage_unavailable", "message": "m"}}
            )
        return server.handle(request)

    result = make_client(transport=httpx.MockTransport(handler)).heartbeat("2.4.1")
    assert result.valid and not result.from_cache


def test_404_license_not_found_raises_and_forgets_the_lease(client, server):
    client.heartbeat("2.4.1")
    server.status, server.error_code = 404, "license_not_found"
    with pytest.raises(LicenseServerError) as info:
        client.heartbeat("2.4.1")
    assert (info.value.status, info.value.code) == (404, "license_not_found")
    assert server.count(VALIDATE) == 2  # a definitive answer is not retried
    assert not os.path.exists(client.cache_path)
    server.status, server.down = None, True
    with pytest.raises(OfflineGraceExpired):
        client.heartbeat("2.4.1")


def test_400_raises_and_keeps_the_lease(client, server):
    client.heartbeat("2.4.1")
    server.status, server.error_code = 400, "invalid_request"
    with pytest.raises(LicenseServerError, match="invalid_request"):
        client.heartbeat("not a version")
    assert os.path.exists(client.cache_path)


@pytest.mark.parametrize("code", ["EXPIRED", "SUSPENDED", "REVOKED"])
def test_not_valid_answer_is_final_and_clears_the_cache(client, server, code):
    client.heartbeat("2.4.1")
    server.code = code
    result = client.heartbeat("2.4.1")
    assert (result.valid, result.code, result.from_cache) == (False, code, False)
    assert result.lease_expires_at is None
    assert not os.path.exists(client.cache_path)
    server.down = True
    with pytest.raises(OfflineGraceExpired):
        client.heartbeat("2.4.1")


def test_valid_answer_without_lease_is_not_trusted(client, server):
    server.lease_factory = lambda claims: None
    with pytest.raises(LeaseVerificationError):
        client.heartbeat("2.4.1")


def test_offline_stats_reported_not_sent(client, server):
    client.heartbeat("2.4.1")
    server.down = True
    result = client.heartbeat("2.4.1", {"secrets_total": 4})
    assert result.from_cache
    assert (result.stats_sent, result.stats_accepted, result.stats_reason) == (
        False,
        None,
        "offline",
    )


def test_update_check(client, server):
    info = client.update_check("2.4.1")
    assert (info.current_version, info.latest_version, info.update_available) == (
        "2.4.1",
        "2.5.0",
        True,
    )
    assert LICENSE_KEY not in str(server.requests[-1].url)
    server.status, server.error_code = 400, "invalid_request"
    with pytest.raises(LicenseServerError):
        client.update_check("x")
    server.status, server.down = None, True
    with pytest.raises(LicenseServerUnreachable):
        client.update_check("2.4.1")


def test_malformed_key_refused_without_echo(tmp_path):
    secretish = "CC-NOT-A-REAL-KEY-SECRET-VALUE"
    with pytest.raises(ValueError) as info:
        LicenseClient(
            "https://x.test", secretish, cache_dir=tmp_path, grace_period=timedelta(days=1)
        )
    assert secretish not in str(info.value)


def test_redirect_not_followed(make_client, server):
    def handler(request):
        server.requests.append(request)
        return httpx.Response(302, headers={"location": "https://evil.test/v1/validate"})

    client = make_client(transport=httpx.MockTransport(handler), retries=0)
    with pytest.raises(OfflineGraceExpired):
        client.heartbeat("2.4.1")
    assert all(r.url.host == "license.example.test" for r in server.requests)


def test_errors_never_contain_the_key(client, server):
    server.down = True
    with pytest.raises(OfflineGraceExpired) as info:
        client.heartbeat("2.4.1")
    assert LICENSE_KEY not in str(info.value)


def test_clock_set_back_before_last_success_withholds_the_cache(client, server, clock):
    client.heartbeat("2.4.1")
    server.down = True
    clock.advance(-1800)  # within the tolerance (an NTP step)
    assert client.heartbeat("2.4.1").from_cache
    clock.advance(-2 * 3600)
    with pytest.raises(OfflineGraceExpired, match="clock"):
        client.heartbeat("2.4.1")
