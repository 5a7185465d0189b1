"""wrangler.toml and .dev.vars.example say what docs/ARCHITECTURE.md's binding table says."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wrangler_toml() -> None:
    config = tomllib.loads((ROOT / "wrangler.toml").read_text())
    assert config["main"] == "src/entry.py"
    assert "python_workers" in config["compatibility_flags"]
    assert [ns["binding"] for ns in config["kv_namespaces"]] == ["LICENSE_KV"]
    limits = {rl["name"]: rl["simple"] for rl in config["ratelimits"]}
    assert limits == {
        "LICENSE_RATE_LIMITER": {"limit": 30, "period": 60},
        "CLIENT_RATE_LIMITER": {"limit": 60, "period": 60},
    }
    assert all(rl["namespace_id"] for rl in config["ratelimits"])
    assert config["vars"] == {"LEASE_TTL_SECONDS": "604800", "RELEASE_CACHE_SECONDS": "60"}
    assert {"pattern": "license.certifyclouds.com", "custom_domain": True} in config["routes"]
    assert config["observability"]["enabled"] is True
    # Secrets never live in the config.
    assert "ADMIN_TOKEN" not in config["vars"] and "LEASE_SIGNING_KEY" not in config["vars"]


def test_dev_vars_example_names_the_secrets_without_values() -> None:
    lines = [
        line
        for line in (ROOT / ".dev.vars.example").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines == ["ADMIN_TOKEN=", "LEASE_SIGNING_KEY="]
