"""Small Workers written into a temporary folder for a test: the source of ``src/entry.py`` and
its wrangler config, then an ``Emulator`` over them."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from workers_emulator import Emulator


def write_worker(
    folder: Path,
    source: str,
    config: str = "",
    *,
    name: str = "entry",
    date: str = "2025-06-01",
    flags: tuple[str, ...] = ("python_workers",),
) -> Path:
    """``folder/src/<name>.py`` holding ``source`` and ``folder/wrangler.toml`` pointing at it
    (compatibility ``date`` and ``flags``, then ``config``); returns the config's path."""
    (folder / "src").mkdir(parents=True, exist_ok=True)
    (folder / "src" / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    path = folder / "wrangler.toml"
    flag_list = ", ".join(f'"{flag}"' for flag in flags)
    path.write_text(
        f'name = "test-worker"\nmain = "src/{name}.py"\ncompatibility_date = "{date}"\n'
        f"compatibility_flags = [{flag_list}]\n{textwrap.dedent(config)}",
        encoding="utf-8",
    )
    return path


def worker_emulator(
    folder: Path,
    source: str,
    config: str = "",
    *,
    date: str = "2025-06-01",
    flags: tuple[str, ...] = ("python_workers",),
    **kwargs: Any,
) -> Emulator:
    """An ``Emulator`` over a Worker made by ``write_worker``."""
    return Emulator(write_worker(folder, source, config, date=date, flags=flags), **kwargs)
