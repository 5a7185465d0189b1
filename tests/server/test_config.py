"""The Worker's configuration: wrangler.toml, .dev.vars.example, and how settings are read."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest

from license_server.context import (
    DEFAULT_LEASE_TTL_SECONDS,
    DEFAULT_RELEASE_CACHE_SECONDS,
    Bindings,
)

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


def test_an_invalid_setting_is_logged_on_every_request_and_its_default_used(
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = SimpleNamespace(
        LEASE_TTL_SECONDS="-5", RELEASE_CACHE_SECONDS="soon", LEASE_SIGNING_KEY=""
    )
    for _ in range(2):
        bindings = Bindings.from_env(env)
        assert (bindings.lease_ttl_seconds, bindings.release_cache_seconds) == (
            DEFAULT_LEASE_TTL_SECONDS,
            DEFAULT_RELEASE_CACHE_SECONDS,
        )
        assert bindings.lease_signing_key is None  # an empty secret is no secret
        reasons = [json.loads(line)["reason"] for line in capsys.readouterr().out.splitlines()]
        assert reasons == ["LEASE_TTL_SECONDS", "RELEASE_CACHE_SECONDS"]
