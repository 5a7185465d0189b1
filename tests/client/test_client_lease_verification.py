"""A lease that fails verification is never trusted or cached."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import jwt
import pytest
from certifyclouds_license import LeaseVerificationError
from certifyclouds_license._keys import license_id
from client_fakes import OTHER_KEY, SEED_A, SEED_B, TTL

from license_server.lease import LeaseSigner

JWKS = "/.well-known/jwks.json"


def tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["exp"] += 365 * 86400
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def forged_with_kid(kid: str):
    """Signed by key B but claiming key A's kid."""
    private = LeaseSigner.from_secret(SEED_B)._keys[0].private_key

    def make(claims):
        payload = {
            "sub": claims["license_id"],
            "code": "VALID",
            "iat": claims["issued_at"],
            "exp": claims["expires_at"],
        }
        return jwt.encode(payload, private, algorithm="EdDSA", headers={"kid": kid})

    return make


REFUSALS = {
    "tampered": lambda s: lambda c: tamper(s.signer.sign(**c)),
    "expired": lambda s: (
        lambda c: s.signer.sign(
            **{**c, "issued_at": c["issued_at"] - TTL, "expires_at": c["issued_at"] - 1}
        )
    ),
    "wrong_key_unpublished": lambda s: lambda c: LeaseSigner.from_secret(SEED_B).sign(**c),
    "wrong_key_same_kid": lambda s: forged_with_kid(s.signer.kid),
    "wrong_license": lambda s: (
        lambda c: s.signer.sign(**{**c, "license_id": license_id(OTHER_KEY)})
    ),
    "not_valid_code": lambda s: lambda c: s.signer.sign(**{**c, "code": "REVOKED"}),
    "not_a_jws": lambda s: lambda c: "not-a-lease",
    "alg_none": lambda s: (
        lambda c: jwt.encode(
            {"sub": c["license_id"], "code": "VALID", "iat": 1, "exp": c["expires_at"]},
            None,
            algorithm="none",
            headers={"kid": s.signer.kid},
        )
    ),
}


@pytest.mark.parametrize("kind", sorted(REFUSALS))
def test_bad_lease_refused_and_not_cached(kind, client, server):
    server.lease_factory = REFUSALS[kind](server)
    with pytest.raises(LeaseVerificationError):
        client.heartbeat("2.4.1")
    assert not os.path.exists(client.cache_path)


@pytest.mark.parametrize("kind", sorted(REFUSALS))
def test_bad_lease_does_not_replace_good_cache(kind, client, server, clock):
    good = client.heartbeat("2.4.1")
    assert good.valid and not good.from_cache
    before = Path(client.cache_path).read_bytes()
    clock.advance(3600)
    server.lease_factory = REFUSALS[kind](server)
    result = client.heartbeat("2.4.1")
    # Still within grace: the previous verified lease answers, marked as such.
    assert result.from_cache and result.valid
    assert result.lease_expires_at == good.lease_expires_at
    assert Path(client.cache_path).read_bytes() == before


def test_good_lease_cached(client, server, clock):
    result = client.heartbeat("2.4.1")
    assert result.valid and result.code == "VALID" and not result.from_cache
    assert result.lease_expires_at.timestamp() == clock() + TTL
    assert result.grace_expires_at.timestamp() == clock() + 3 * 86400
    assert os.path.exists(client.cache_path)


def test_first_heartbeat_fetches_jwks_once_then_uses_cache(client, server):
    client.heartbeat("2.4.1")
    assert server.count(JWKS) == 1
    client.heartbeat("2.4.1")
    client.heartbeat("2.4.1")
    assert server.count(JWKS) == 1


def test_rotation_unknown_kid_triggers_exactly_one_refresh(client, server):
    client.heartbeat("2.4.1")
    assert server.count(JWKS) == 1
    server.signer = LeaseSigner.from_secret(f"{SEED_B},{SEED_A}")  # rotate: B signs now
    result = client.heartbeat("2.4.1")
    assert result.valid and not result.from_cache
    assert server.count(JWKS) == 2
    client.heartbeat("2.4.1")
    assert server.count(JWKS) == 2


def test_unpublished_kid_refreshes_once_then_refuses(client, server):
    client.heartbeat("2.4.1")
    server.lease_factory = lambda c: LeaseSigner.from_secret(SEED_B).sign(**c)
    result = client.heartbeat("2.4.1")
    assert result.from_cache  # refused, the earlier lease stands in
    assert server.count(JWKS) == 2


def test_pinned_jwks_never_fetched(make_client, server):
    client = make_client(jwks=LeaseSigner.from_secret(SEED_A).jwks())
    assert client.heartbeat("2.4.1").valid
    assert server.count(JWKS) == 0
    server.signer = LeaseSigner.from_secret(SEED_B)
    with pytest.raises(LeaseVerificationError):
        make_client(
            jwks=LeaseSigner.from_secret(SEED_A).jwks(), cache_dir=client.cache_path + ".d"
        ).heartbeat("2.4.1")
    assert server.count(JWKS) == 0


def test_cached_lease_tampered_on_disk_is_refused(client, server):
    client.heartbeat("2.4.1")
    with open(client.cache_path) as handle:
        data = json.load(handle)
    data["lease"] = tamper(data["lease"])
    with open(client.cache_path, "w") as handle:
        json.dump(data, handle)
    server.down = True
    with pytest.raises(Exception, match="no cached lease"):
        client.heartbeat("2.4.1")


def test_refused_lease_keeps_the_servers_stats_verdict(client, server):
    client.heartbeat("2.4.1")
    server.lease_factory = REFUSALS["tampered"](server)
    result = client.heartbeat("2.4.1", {"secrets_total": 5})
    assert result.from_cache
    assert (result.stats_sent, result.stats_accepted, result.stats_reason) == (True, True, None)
