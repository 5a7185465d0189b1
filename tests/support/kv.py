"""Reading the emulator's KV as a privacy check: what still names a license."""

from __future__ import annotations

import json

from workers_emulator import Emulator


def everything_naming(emu: Emulator, needle: str, binding: str = "LICENSE_KV") -> list[str]:
    """Keys of live entries whose key, value or metadata mention ``needle``."""
    found = []
    for entry in emu.kv_entries(binding):
        text = entry.key + entry.value.decode("utf-8", "replace") + json.dumps(entry.metadata)
        if needle in text:
            found.append(entry.key)
    return found
