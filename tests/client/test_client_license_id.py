"""The client's license id derivation equals the server's (the lease's ``sub`` check needs it)."""

from __future__ import annotations

import pytest
from certifyclouds_license._keys import canonical_key, license_id

from license_server import keys as server_keys


def server_id(key: str) -> str | None:
    canonical = server_keys.parse(key)
    return None if canonical is None else server_keys.license_id(canonical)


@pytest.mark.parametrize("seed", range(50))
def test_generated_keys_give_the_same_id(seed):
    key = server_keys.generate_key()
    assert license_id(key) == server_id(key)
    assert len(license_id(key)) == 32


def test_variants_the_server_accepts_give_the_same_id():
    key = server_keys.generate_key()
    compact = key.replace("-", "")
    variants = [
        key.lower(),
        compact,
        " ".join(key.split("-")),
        # O/I/L typed for 0/1 (the server reads them as the digits they resemble).
        key.replace("0", "O").replace("1", "l"),
    ]
    for variant in variants:
        assert server_keys.parse(variant) == key
        assert canonical_key(variant) == key
        assert license_id(variant) == server_id(variant)


def test_not_a_key():
    for text in ["", "CC-", "XX-" + "A" * 28, "CC-" + "U" * 28, "CC-" + "A" * 29]:
        assert license_id(text) is None
        assert server_keys.parse(text) is None
