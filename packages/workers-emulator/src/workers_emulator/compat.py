"""Whether a Worker's compatibility date and flags turn one of workerd's behaviours on.

Each behaviour in workerd's ``compatibility-date.capnp`` has a flag that enables it, one that
disables it, and the date from which it is on by default.
"""

from __future__ import annotations

from .config import WorkerConfig


def compat_enabled(config: WorkerConfig, flag: str, off_flag: str, since: str) -> bool:
    """On if ``flag`` is set, off if ``off_flag`` is, else on from the date ``since``."""
    if off_flag in config.compatibility_flags:
        return False
    if flag in config.compatibility_flags:
        return True
    return config.compatibility_date is not None and config.compatibility_date >= since
