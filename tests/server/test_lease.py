"""Signed leases (docs/API.md "Lease", "GET /.well-known/jwks.json")."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from license_server.lease import LeaseKeyError, LeaseSigner, generate_signing_key

SEED_A = bytes(range(32))
SEED_B = bytes(range(100, 132))


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


KEY_A = b64u(SEED_A)
KEY_B = b64u(SEED_B)


def verify(token: str, jwks: dict) -> dict:
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.PyJWKSet.from_dict(jwks)[kid]
    options = {"verify_exp": False, "verify_iat": False}  # fixed times in the future/past
    return jwt.decode(token, key.key, algorithms=["EdDSA"], options=options)


def sign(signer: LeaseSigner, **overrides) -> str:
    args = {
        "license_id": "a" * 32,
        "code": "VALID",
        "issued_at": 1_800_000_000,
        "expires_at": 1_800_604_800,
    }
    args.update(overrides)
    return signer.sign(**args)


def test_round_trip_with_published_jwks():
    signer = LeaseSigner.from_secret(KEY_A)
    assert signer is not None
    token = sign(signer)
    claims = verify(token, signer.jwks())
    assert claims == {"sub": "a" * 32, "code": "VALID", "iat": 1_800_000_000, "exp": 1_800_604_800}


def test_header_is_eddsa_jwt_with_kid():
    signer = LeaseSigner.from_secret(KEY_A)
    header = jwt.get_unverified_header(sign(signer))
    assert header == {"alg": "EdDSA", "typ": "JWT", "kid": signer.kid}


def test_no_extra_claims_and_times_as_given():
    signer = LeaseSigner.from_secret(KEY_A)
    token = sign(signer, issued_at=1_000, expires_at=2_000, code="VALID")
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert set(payload) == {"sub", "code", "iat", "exp"}
    assert payload["iat"] == 1_000 and payload["exp"] == 2_000


def test_jwks_shape_and_public_key_matches_seed():
    jwks = LeaseSigner.from_secret(KEY_A).jwks()
    [jwk] = jwks["keys"]
    assert set(jwk) == {"kty", "crv", "x", "kid", "alg", "use"}
    assert (jwk["kty"], jwk["crv"], jwk["alg"], jwk["use"]) == ("OKP", "Ed25519", "EdDSA", "sig")
    raw = (
        Ed25519PrivateKey.from_private_bytes(SEED_A)
        .public_key()
        .public_bytes(Encoding.Raw, PublicFormat.Raw)
    )
    assert jwk["x"] == b64u(raw)
    assert "d" not in jwk


def test_kid_is_rfc7638_thumbprint():
    [jwk] = LeaseSigner.from_secret(KEY_A).jwks()["keys"]
    canonical = '{"crv":"Ed25519","kty":"OKP","x":"' + jwk["x"] + '"}'
    assert jwk["kid"] == b64u(hashlib.sha256(canonical.encode()).digest())


def test_rotation_publishes_both_and_signs_with_first():
    signer = LeaseSigner.from_secret(f"{KEY_B},{KEY_A}")
    old = LeaseSigner.from_secret(KEY_A)
    new = LeaseSigner.from_secret(KEY_B)
    kids = [k["kid"] for k in signer.jwks()["keys"]]
    assert kids == [new.kid, old.kid]
    token = sign(signer)
    assert jwt.get_unverified_header(token)["kid"] == new.kid
    # A lease signed before the rotation still verifies against the rotated JWKS.
    assert verify(sign(old), signer.jwks())["sub"] == "a" * 32
    assert verify(token, signer.jwks())["code"] == "VALID"


def test_other_key_does_not_verify():
    token = sign(LeaseSigner.from_secret(KEY_A))
    jwks_b = LeaseSigner.from_secret(KEY_B).jwks()
    jwks_b["keys"][0]["kid"] = jwt.get_unverified_header(token)["kid"]
    with pytest.raises(jwt.InvalidSignatureError):
        verify(token, jwks_b)


@pytest.mark.parametrize("secret", [None, "", "   "])
def test_no_secret_is_none(secret):
    assert LeaseSigner.from_secret(secret) is None


def test_padded_and_whitespace_accepted():
    padded = base64.urlsafe_b64encode(SEED_A).decode()
    assert padded.endswith("=")
    assert LeaseSigner.from_secret(f" {padded} ,").kid == LeaseSigner.from_secret(KEY_A).kid


def test_duplicate_key_published_once():
    assert len(LeaseSigner.from_secret(f"{KEY_A},{KEY_A}").jwks()["keys"]) == 1


@pytest.mark.parametrize(
    "secret",
    [
        "not base64!!" + KEY_A[12:],  # bad alphabet
        b64u(b"short-secret-value-xyz"),  # wrong length
        b64u(SEED_A + b"extra-secret"),  # too long
        base64.b64encode(bytes([0xFB] * 32)).decode(),  # standard base64 ('+', '/'), not url
        f"{KEY_A},{'x' * 10}secretpart",  # second key bad
        ",,,",
    ],
)
def test_malformed_secret_error_never_contains_secret(secret):
    with pytest.raises(LeaseKeyError) as info:
        LeaseSigner.from_secret(secret)
    text = str(info.value) + repr(info.value)
    for piece in filter(None, (p.strip() for p in secret.split(","))):
        assert piece not in text
    assert "LEASE_SIGNING_KEY" in text
    # Chained exceptions would show up in a traceback: there must be none carrying the value.
    assert info.value.__cause__ is None
    assert info.value.__context__ is None or info.value.__suppress_context__


def test_documented_command_makes_a_valid_key():
    import secrets

    assert LeaseSigner.from_secret(secrets.token_urlsafe(32)) is not None


def test_generate_signing_key_is_usable():
    key = generate_signing_key()
    assert "=" not in key and len(key) == 43
    assert len(base64.urlsafe_b64decode(key + "=")) == 32
    assert generate_signing_key() != key
    assert LeaseSigner.from_secret(key) is not None


def test_parsed_keys_cached_per_secret():
    assert LeaseSigner.from_secret(KEY_A) is LeaseSigner.from_secret(KEY_A)


def test_sign_rejects_bad_times():
    signer = LeaseSigner.from_secret(KEY_A)
    with pytest.raises(TypeError):
        sign(signer, issued_at=True)
    with pytest.raises(TypeError):
        sign(signer, expires_at=1.5)
    with pytest.raises(ValueError):
        sign(signer, issued_at=10, expires_at=9)


def test_import_does_not_load_jwt_or_cryptography():
    code = (
        "import sys; import license_server.lease; "
        "print(any(m == 'jwt' or m.startswith('cryptography') for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": "src"},
        cwd=".",
    )
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("license_id", "code", "iat", "exp"),
    [
        ("0" * 32, "VALID", 0, 0),
        ("ab" * 16, "VALID", 1_798_761_600, 1_799_366_400),
        ("f" * 32, "VALID", 2**40, 2**40 + 604_800),
    ],
)
def test_lease_is_pyjwt_made_and_verifies_against_the_jwks(
    license_id: str, code: str, iat: int, exp: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    signer = LeaseSigner.from_secret(KEY_A)
    assert signer is not None
    # The JWS comes out of PyJWT's PyJWS.encode (the issue: no hand-rolled JOSE).
    made_by_pyjwt: list[str] = []
    original = jwt.PyJWS.encode

    def spy(self: jwt.PyJWS, *args: Any, **kwargs: Any) -> str:
        token: str = original(self, *args, **kwargs)
        made_by_pyjwt.append(token)
        return token

    monkeypatch.setattr(jwt.PyJWS, "encode", spy)
    lease = signer.sign(license_id=license_id, code=code, issued_at=iat, expires_at=exp)
    assert made_by_pyjwt == [lease]
    monkeypatch.undo()

    # Exactly the header and claims promised, verified by PyJWT with the published key alone.
    assert jwt.get_unverified_header(lease) == {"alg": "EdDSA", "kid": signer.kid, "typ": "JWT"}
    (published,) = jwt.PyJWKSet.from_dict(signer.jwks()).keys
    assert published.key_id == signer.kid
    claims = jwt.decode(
        lease,
        published.key,
        algorithms=["EdDSA"],
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims == {"sub": license_id, "code": code, "iat": iat, "exp": exp}
    # And it is what the straightforward jwt.encode gives (Ed25519 is deterministic).
    key = signer._keys[0]
    reference = jwt.encode(
        {"sub": license_id, "code": code, "iat": iat, "exp": exp},
        key.private_key,
        algorithm="EdDSA",
        headers={"typ": "JWT", "kid": key.kid},
    )
    assert lease == reference


def test_a_tampered_lease_does_not_verify() -> None:
    signer = LeaseSigner.from_secret(KEY_A)
    assert signer is not None
    lease = signer.sign(license_id="ab" * 16, code="VALID", issued_at=10, expires_at=20)
    header, _claims, signature = lease.split(".")
    forged_claims = b'{"sub":"' + b"cd" * 16 + b'","code":"VALID","iat":10,"exp":20}'
    forged = base64.urlsafe_b64encode(forged_claims).rstrip(b"=").decode()
    (published,) = jwt.PyJWKSet.from_dict(signer.jwks()).keys
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            f"{header}.{forged}.{signature}",
            published.key,
            algorithms=["EdDSA"],
            options={"verify_exp": False, "verify_iat": False},
        )
