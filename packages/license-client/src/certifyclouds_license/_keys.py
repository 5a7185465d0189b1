"""The license id the server derives from a key, re-implemented so the client imports no
server code (``tests/client/test_keys.py`` pins equality with ``license_server.keys``).

The client needs it only to check a lease's ``sub``: a lease for another license is refused.
"""

from __future__ import annotations

import hashlib

_ALPHABET = frozenset("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = str.maketrans("", "", "- \t")
_PREFIX = "CC"
_SYMBOLS = 28
_GROUP = 4
_ID_DOMAIN = b"certifyclouds/license-id/v1\x00"


def canonical_key(key: str) -> str | None:
    """``CC-XXXX-…`` as the server normalises it, or ``None`` if it cannot be a key.

    The check code is not verified here: the server refuses a mistyped key with a 404.
    """
    compact = key.translate(_SEPARATORS).upper()
    if len(compact) != len(_PREFIX) + _SYMBOLS or not compact.startswith(_PREFIX):
        return None
    body = compact[len(_PREFIX) :].translate(_LOOKALIKES)
    if not set(body) <= _ALPHABET:
        return None
    groups = [body[i : i + _GROUP] for i in range(0, len(body), _GROUP)]
    return "-".join([_PREFIX, *groups])


def license_id(key: str) -> str | None:
    """32 lowercase hex characters of SHA-256 over a domain prefix and the canonical key."""
    canonical = canonical_key(key)
    if canonical is None:
        return None
    return hashlib.sha256(_ID_DOMAIN + canonical.encode("ascii")).hexdigest()[:32]
