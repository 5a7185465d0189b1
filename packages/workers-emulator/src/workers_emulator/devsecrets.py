"""Generated development secrets, kept with the persisted state so they survive restarts.

``workers-emulator dev`` generates a value for each secret named in ``.dev.vars.example`` and
missing from ``.dev.vars``; those values live in ``<persist-to>/dev-secrets.json`` (mode 0600,
as the state folder is local and private), are reused on the next start, and go away with the
state folder. ``.dev.vars`` always wins.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

DEV_SECRETS_FILE = "dev-secrets.json"


def dev_secrets_path(persist_to: str | Path) -> Path:
    return Path(persist_to) / DEV_SECRETS_FILE


def load_dev_secrets(path: Path) -> dict[str, str]:
    """The kept values (name to value); none when the file is missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str) and v}


def save_dev_secrets(path: Path, values: dict[str, str]) -> None:
    """Write ``values`` readable by the owner only, replacing the file in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    # Created 0600: the values never sit in a file others can read, not even briefly.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        json.dump(values, file, indent=2, sort_keys=True)
        file.write("\n")
    os.replace(temporary, path)
