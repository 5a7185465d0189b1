"""The heartbeat's hot paths give exactly what their straightforward versions give.

bench/ optimises code on the heartbeat path; these pin the results to reference computations
written out here (PyJWT for the lease, textbook Horner for the key check code), so a faster
version can never be a different one. The lease must also be PyJWT's own work (the lease issue
asks for a well-kept JOSE library): the test watches PyJWS.encode make it.
"""

from __future__ import annotations

import base64
import hashlib
import random
from typing import Any

import jwt
import pytest

from license_server import keys
from license_server.lease import LeaseSigner

SEED = base64.urlsafe_b64encode(hashlib.sha256(b"fast-path test key").digest()).decode()


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
    signer = LeaseSigner.from_secret(SEED)
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
    signer = LeaseSigner.from_secret(SEED)
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


def _reference_is_codeword(symbols: list[int]) -> bool:
    # Syndromes at alpha, alpha^2, alpha^3 by Horner's rule with plain GF(32) multiplication.
    for root in range(1, keys.CHECK_SYMBOLS + 1):
        point = keys._EXP[root]
        accumulator = 0
        for symbol in symbols:
            accumulator = keys._mul(accumulator, point) ^ symbol
        if accumulator:
            return False
    return True


def test_check_code_verdicts_match_the_reference() -> None:
    rng = random.Random(20261126)
    cases: list[list[int]] = []
    for _ in range(300):
        key = keys.generate_key().replace("-", "")[len(keys.PREFIX) :]
        valid = [keys._SYMBOL_VALUE[c] for c in key]
        cases.append(valid)
        for _ in range(5):  # one to three substitutions: always detected
            damaged = list(valid)
            for position in rng.sample(range(keys.KEY_SYMBOLS), rng.randint(1, 3)):
                damaged[position] ^= rng.randint(1, 31)
            cases.append(damaged)
        cases.append([rng.randrange(32) for _ in range(keys.KEY_SYMBOLS)])
    for symbols in cases:
        assert keys._is_codeword(symbols) is _reference_is_codeword(symbols)
    assert sum(map(_reference_is_codeword, cases)) >= 300
