"""The license server Worker under the emulator, as every test area drives it.

One clock start, one admin token, one lease signing key and one way to create a license, so the
areas (server, admin, hostile, client) cannot drift apart.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any, NamedTuple

from workers_emulator import Emulator, ManualClock

REPO = Path(__file__).resolve().parents[2]
WRANGLER_TOML = REPO / "wrangler.toml"
START = 1_798_761_600  # 2027-01-01T00:00:00Z
DAY = 86400
ADMIN_TOKEN = "test-admin-token-0123456789abcdef"
ADMIN = {"authorization": f"Bearer {ADMIN_TOKEN}"}
# A fixed Ed25519 seed: leases are signed the same way on every run.
LEASE_SIGNING_KEY = base64.urlsafe_b64encode(bytes(range(32))).rstrip(b"=").decode()
SECRETS = {"ADMIN_TOKEN": ADMIN_TOKEN, "LEASE_SIGNING_KEY": LEASE_SIGNING_KEY}


def make_emulator(clock: ManualClock | None = None, **options: Any) -> Emulator:
    """The repository's Worker on a fake clock at ``START``, with :data:`SECRETS`."""
    options.setdefault("secrets", dict(SECRETS))
    return Emulator(WRANGLER_TOML, clock=clock or ManualClock(start=START), **options)


class NewLicense(NamedTuple):
    """A license just created through the admin API: its key (shown this once) and view."""

    key: str
    view: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.view["id"])


def create_license(
    through: Emulator | Any,
    *,
    expires_at: str | None = "2028-01-01T00:00:00Z",
    customer: str = "Contoso Ltd",
    plan: str = "enterprise",
    then_advance: float = 0,
) -> NewLicense:
    """``POST /v1/admin/licenses`` through an Emulator (its test client) or a test client.

    ``then_advance`` moves the emulator's clock afterwards (KV takes one write per second per
    key, so a test that writes the record again right away moves past that).
    """
    client = through.test_client() if isinstance(through, Emulator) else through
    body = {"customer": customer, "plan": plan, "expires_at": expires_at}
    response = client.post("/v1/admin/licenses", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    if then_advance:
        emulator = through if isinstance(through, Emulator) else client.emulator
        emulator.clock.advance(seconds=then_advance)
    return NewLicense(response.json()["license_key"], response.json()["license"])
