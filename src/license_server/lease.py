"""Signed leases: what a client keeps to keep working offline.

A valid heartbeat returns a lease, a compact JWS (``alg`` EdDSA, Ed25519) whose claims are only
``sub`` (license id), ``code``, ``iat`` and ``exp``. Clients verify it offline against the keys
published at ``GET /.well-known/jwks.json`` (:meth:`LeaseSigner.jwks`).

The keys come from the Worker secret ``LEASE_SIGNING_KEY``: comma-separated base64url
(padding optional) 32-byte Ed25519 seeds. The first key signs; every key is published.

Generating a key (either command prints one seed: 32 random bytes, base64url)::

    uv run python -c "import secrets; print(secrets.token_urlsafe(32))"
    openssl rand -base64 32 | tr '+/' '-_' | tr -d '='

then ``uv run pywrangler secret put LEASE_SIGNING_KEY`` (or ``npx wrangler secret put
LEASE_SIGNING_KEY``) and paste it; locally, put ``LEASE_SIGNING_KEY=<seed>`` in ``.dev.vars``.

Rotating: set the secret to ``<new>,<old>`` and deploy (new leases are signed with the new key,
leases signed with the old one still verify), wait one lease lifetime (``LEASE_TTL_SECONDS``),
then set it to ``<new>`` alone and deploy again.

The JWS is produced by PyJWT (a well-kept library, not hand-rolled JOSE) through one reusable
``jwt.PyJWS`` object: the claims are JSON-encoded here exactly as ``jwt.encode`` would, and
PyJWS builds the header, signs and assembles the token. PyJWT and cryptography are imported on
first use (at deploy on the real runtime: :mod:`license_server.snapshot`); parsed keys are
cached per secret value so a heartbeat derives nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any, NamedTuple

from license_server.compact_json import compact_encoder

__all__ = ["LeaseKeyError", "LeaseSigner", "generate_signing_key", "warm_up"]

_SEED_BYTES = 32
_B64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")
# A handful of secret values per isolate at most (a rotation deploys a new isolate anyway).
_CACHE_MAX = 4
_signers: dict[str, LeaseSigner] = {}
# json.dumps(claims, separators=(",", ":")) without building an encoder per lease.
_encode_claims = compact_encoder()


class LeaseKeyError(ValueError):
    """``LEASE_SIGNING_KEY`` is malformed. The message never contains the secret."""


def generate_signing_key() -> str:
    """A fresh Ed25519 seed, base64url without padding, ready for ``LEASE_SIGNING_KEY``."""
    import secrets  # operator tooling only: kept off the Worker's import path

    return _b64url(secrets.token_bytes(_SEED_BYTES))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode_seed(text: str, position: int) -> bytes:
    # The messages name the key's position only: the value is a secret.
    if not _B64URL.match(text):
        raise LeaseKeyError(
            f"LEASE_SIGNING_KEY: key #{position} is not base64url "
            "(expected 32 random bytes, base64url-encoded; see license_server.lease)"
        )
    unpadded = text.rstrip("=")
    try:
        seed = base64.urlsafe_b64decode(unpadded + "=" * (-len(unpadded) % 4))
    except ValueError:
        raise LeaseKeyError(f"LEASE_SIGNING_KEY: key #{position} is not base64url") from None
    if len(seed) != _SEED_BYTES:
        raise LeaseKeyError(
            f"LEASE_SIGNING_KEY: key #{position} decodes to {len(seed)} bytes, "
            f"expected {_SEED_BYTES}"
        )
    return seed


def _jwk_thumbprint(x: str) -> str:
    """RFC 7638 thumbprint of an Ed25519 public JWK: required members, sorted, no spaces."""
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"))
    return _b64url(hashlib.sha256(canonical.encode("ascii")).digest())


_crypto: dict[str, Any] = {}


def _lazy_crypto() -> dict[str, Any]:
    """Import PyJWT and cryptography once, on first use (cold-start budget)."""
    if not _crypto:
        import jwt
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        _crypto.update(
            # One PyJWS for every lease: EdDSA only, header "typ" JWT (its default).
            jws=jwt.PyJWS(algorithms=["EdDSA"]),
            Ed25519PrivateKey=Ed25519PrivateKey,
            Encoding=Encoding,
            PublicFormat=PublicFormat,
        )
    return _crypto


def warm_up() -> None:
    """Import PyJWT and cryptography now rather than with the first lease (see
    :mod:`license_server.snapshot`). Parses no key: the secret is not known at deploy."""
    _lazy_crypto()


class _SigningKey(NamedTuple):
    private_key: Any  # cryptography's Ed25519PrivateKey (imported lazily, hence Any)
    x: str
    kid: str
    headers: dict[str, str]  # the JWS header parameters PyJWS adds to "typ" and "alg"

    def public_jwk(self) -> dict[str, str]:
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": self.x,
            "kid": self.kid,
            "alg": "EdDSA",
            "use": "sig",
        }


class LeaseSigner:
    """Signs leases with the first configured key and publishes all of them."""

    def __init__(self, keys: list[_SigningKey]) -> None:
        if not keys:
            raise LeaseKeyError("LEASE_SIGNING_KEY: no key")
        self._keys = tuple(keys)

    @classmethod
    def from_secret(cls, secret: str | None) -> LeaseSigner | None:
        """The signer for ``LEASE_SIGNING_KEY``; ``None`` when it is unset or empty."""
        if secret is None or not secret.strip():
            return None
        cached = _signers.get(secret)
        if cached is not None:
            return cached
        signer = cls(_parse_secret(secret))
        if len(_signers) >= _CACHE_MAX:
            _signers.clear()
        _signers[secret] = signer
        return signer

    @property
    def kid(self) -> str:
        """The key id of the signing (first) key."""
        return self._keys[0].kid

    def sign(self, *, license_id: str, code: str, issued_at: int, expires_at: int) -> str:
        """A compact JWS over exactly ``sub``, ``code``, ``iat`` and ``exp``."""
        for name, value in (("issued_at", issued_at), ("expires_at", expires_at)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be an int (epoch seconds)")
        if expires_at < issued_at:
            raise ValueError("expires_at is before issued_at")
        key = self._keys[0]
        # The claims as jwt.encode serialises them; PyJWS makes the JWS (header, signature).
        claims = _encode_claims(
            {"sub": license_id, "code": code, "iat": issued_at, "exp": expires_at}
        ).encode()
        token: str = _lazy_crypto()["jws"].encode(
            claims, key.private_key, algorithm="EdDSA", headers=key.headers
        )
        return token

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The JWK Set served at ``/.well-known/jwks.json`` (public halves only)."""
        return {"keys": [k.public_jwk() for k in self._keys]}


def _parse_secret(secret: str) -> list[_SigningKey]:
    crypto = _lazy_crypto()
    keys: list[_SigningKey] = []
    seen: set[str] = set()
    # Empty pieces (a trailing comma, stray spaces) are tolerated: they carry no key.
    pieces = [p.strip() for p in secret.split(",")]
    for position, piece in enumerate(pieces, start=1):
        if not piece:
            continue
        seed = _decode_seed(piece, position)
        private_key = crypto["Ed25519PrivateKey"].from_private_bytes(seed)
        raw = private_key.public_key().public_bytes(
            crypto["Encoding"].Raw, crypto["PublicFormat"].Raw
        )
        x = _b64url(raw)
        kid = _jwk_thumbprint(x)
        if kid in seen:  # the same key listed twice is published once
            continue
        seen.add(kid)
        keys.append(_SigningKey(private_key=private_key, x=x, kid=kid, headers={"kid": kid}))
    if not keys:
        raise LeaseKeyError("LEASE_SIGNING_KEY: no key found (comma-separated base64url seeds)")
    return keys
