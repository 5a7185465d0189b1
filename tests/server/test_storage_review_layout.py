"""The KV layout stays in one module: other modules use only what ``storage`` publishes."""

from __future__ import annotations

import re
from pathlib import Path

from license_server import storage

SRC = Path(__file__).resolve().parents[2] / "src"
KV_KEY_PREFIXES = (storage.LICENSE_PREFIX, storage.STATS_PREFIX, storage.VALIDATION_PREFIX)


def _other_modules() -> list[Path]:
    storage_dir = SRC / "license_server" / "storage"
    return [path for path in SRC.rglob("*.py") if storage_dir not in path.parents]


def test_every_storage_name_other_modules_use_is_published() -> None:
    used = set()
    for path in _other_modules():
        used.update(re.findall(r"\bstorage\.([A-Za-z_]\w*)", path.read_text()))
    used.discard("py")  # "storage.py", the module's file named in docstrings
    assert used, "no module uses storage?"
    assert sorted(used - set(storage.__all__)) == []


def test_no_other_module_builds_kv_key_names() -> None:
    for path in _other_modules():
        text = path.read_text()
        for prefix in KV_KEY_PREFIXES:
            # ratelimit keys its limiter (not KV) by "license:<id>": a different namespace.
            hits = [
                line
                for line in text.splitlines()
                if f'"{prefix}' in line and "limiter" not in line and "_limit(" not in line
            ]
            assert hits == [], (path, prefix)
