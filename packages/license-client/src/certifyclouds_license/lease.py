"""Offline verification of the server's signed leases (docs/API.md "Lease")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jwt

from .errors import LeaseVerificationError

ALGORITHM = "EdDSA"


@dataclass(frozen=True)
class Lease:
    """A verified lease: the server's signed statement that a license was valid until ``exp``."""

    token: str
    license_id: str
    code: str
    issued_at: int
    expires_at: int
    kid: str


def lease_kid(token: str) -> str | None:
    """The ``kid`` in a lease's header, or ``None`` if there is none (or it is not a JWS)."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.PyJWTError:
        return None
    return kid if isinstance(kid, str) else None


def find_key(jwks: dict[str, Any] | None, kid: str) -> dict[str, Any] | None:
    """The Ed25519 JWK with this ``kid`` in a JWK Set, if any."""
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        return None
    for jwk in jwks["keys"]:
        if (
            isinstance(jwk, dict)
            and jwk.get("kid") == kid
            and jwk.get("kty") == "OKP"
            and jwk.get("crv") == "Ed25519"
        ):
            return jwk
    return None


def _int_claim(claims: dict[str, Any], name: str) -> int:
    value = claims.get(name)
    if type(value) is not int:
        raise LeaseVerificationError(f"lease claim {name!r} is not an integer")
    return value


def verify_lease(token: str, jwks: dict[str, Any] | None, *, license_id: str, now: float) -> Lease:
    """Check signature, key, license and expiry; raise :class:`LeaseVerificationError` if any fails.

    Time is checked against ``now`` (the client's clock) rather than by PyJWT, so an injected
    clock governs both this and the grace period.
    """
    if not isinstance(token, str):
        raise LeaseVerificationError("no lease in the answer")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise LeaseVerificationError(f"lease is not a JWS: {exc}") from None
    if header.get("alg") != ALGORITHM:
        raise LeaseVerificationError(f"lease algorithm {header.get('alg')!r} is not EdDSA")
    kid = header.get("kid")
    jwk = find_key(jwks, kid) if isinstance(kid, str) else None
    if jwk is None or not isinstance(kid, str):
        raise LeaseVerificationError("lease signed with an unknown key (kid not in the JWKS)")
    try:
        key = jwt.PyJWK(jwk, algorithm=ALGORITHM).key
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            options={
                "require": ["sub", "code", "iat", "exp"],
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except jwt.PyJWTError as exc:
        raise LeaseVerificationError(f"lease signature does not verify: {exc}") from None
    issued_at = _int_claim(claims, "iat")
    expires_at = _int_claim(claims, "exp")
    if claims.get("sub") != license_id:
        raise LeaseVerificationError("lease is for another license")
    if claims.get("code") != "VALID":
        raise LeaseVerificationError("lease does not grant a valid license")
    if expires_at < issued_at:
        raise LeaseVerificationError("lease expires before it was issued")
    if now >= expires_at:
        raise LeaseVerificationError("lease has expired")
    return Lease(
        token=token,
        license_id=license_id,
        code="VALID",
        issued_at=issued_at,
        expires_at=expires_at,
        kid=kid,
    )
