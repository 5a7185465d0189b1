"""The heartbeat's hot paths give exactly what their straightforward versions give.

bench/ optimises code on the heartbeat path; these pin the results to reference computations
written out here (PyJWT for the lease, textbook Horner for the key check code), so a faster
version can never be a different one.
"""

from __future__ import annotations

import base64
import hashlib
import random

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
def test_lease_is_byte_for_byte_what_pyjwt_encodes(
    license_id: str, code: str, iat: int, exp: int
) -> None:
    signer = LeaseSigner.from_secret(SEED)
    assert signer is not None
    key = signer._keys[0]
    reference = jwt.encode(
        {"sub": license_id, "code": code, "iat": iat, "exp": exp},
        key.private_key,
        algorithm="EdDSA",
        headers={"typ": "JWT", "kid": key.kid},
    )
    assert signer.sign(license_id=license_id, code=code, issued_at=iat, expires_at=exp) == (
        reference
    )
    claims = jwt.decode(
        reference,
        key.private_key.public_key(),
        algorithms=["EdDSA"],
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims == {"sub": license_id, "code": code, "iat": iat, "exp": exp}


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
