"""KV key names are built in one module (storage/layout.py, the privacy page), and the rest of
the Worker reaches KV only through what the storage package publishes."""

from __future__ import annotations

import re
from pathlib import Path

from license_server import storage
from license_server.storage import layout

SRC = Path(__file__).resolve().parents[2] / "src"
STORAGE = SRC / "license_server" / "storage"
KV_KEY_PREFIXES = (
    layout.LICENSE_PREFIX,
    layout.STATS_PREFIX,
    layout.VALIDATION_PREFIX,
    layout.ERASURE_PREFIX,
)


def test_outside_the_storage_package_only_published_names_are_used() -> None:
    used = set()
    for path in SRC.rglob("*.py"):
        if STORAGE not in path.parents:
            used.update(re.findall(r"\bstorage\.([A-Za-z_]\w*)", path.read_text()))
    assert used, "no module uses storage?"
    assert sorted(used - set(storage.__all__)) == []


def test_only_the_layout_module_spells_a_key_prefix() -> None:
    for path in SRC.rglob("*.py"):
        if path == STORAGE / "layout.py":
            continue
        for prefix in KV_KEY_PREFIXES:
            # ratelimit keys its limiter (not KV) by "license:<id>": a different namespace.
            hits = [
                line
                for line in path.read_text().splitlines()
                if f'"{prefix}' in line and "limiter" not in line and "_limit(" not in line
            ]
            assert hits == [], (path, prefix)
