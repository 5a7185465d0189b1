"""The Durable Objects test Worker (tests/emulator/workers/durable_objects) and ways to start it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from workers_emulator import Emulator

WORKER = Path(__file__).resolve().parents[1] / "emulator" / "workers" / "durable_objects"


def do_worker(tmp_path: Path, **overrides: Any) -> Path:
    """A copy of the Worker in ``tmp_path``; ``overrides`` replace top-level config keys."""
    folder = tmp_path / "worker"
    shutil.copytree(WORKER, folder, dirs_exist_ok=True)
    if overrides:
        config = folder / "wrangler.jsonc"
        text = "\n".join(
            line for line in config.read_text().splitlines() if not line.startswith("//")
        )
        config.write_text(json.dumps({**json.loads(text), **overrides}))
    return folder / "wrangler.jsonc"


def start(config: Path, **kwargs: Any) -> Emulator:
    return Emulator(config, secrets={}, **kwargs)
