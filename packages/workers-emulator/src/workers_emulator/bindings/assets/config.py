"""The config's ``assets`` table, checked: where the files are, how paths map to them, and
which requests reach the Worker first."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from ...config import ConfigError, WorkerConfig
from .limits import (
    ASSETS_LIMITS,
    HTML_HANDLING,
    NAVIGATION_FLAG,
    NAVIGATION_FLAG_DATE,
    NAVIGATION_FLAG_OFF,
    NOT_FOUND_HANDLING,
)


@dataclasses.dataclass(frozen=True)
class AssetsConfig:
    directory: Path
    binding: str | None = None
    html_handling: str = "auto-trailing-slash"
    not_found_handling: str = "none"
    # run_worker_first = true: every request goes to the Worker first.
    worker_first: bool = False
    # run_worker_first = [...]: "/path*" rules to the Worker, "!/path*" rules to the assets.
    worker_rules: tuple[str, ...] = ()
    asset_rules: tuple[str, ...] = ()
    navigation_prefers_assets: bool = True

    @property
    def has_static_routing(self) -> bool:
        return bool(self.worker_rules or self.asset_rules)

    def routes_to_worker(self, pathname: str) -> bool | None:
        """True/False when ``run_worker_first`` decides for this path, None when it does not."""
        if _matches(self.asset_rules, pathname):
            return False
        if _matches(self.worker_rules, pathname):
            return True
        return True if self.worker_first else None


def _matches(rules: tuple[str, ...], pathname: str) -> bool:
    # Only "*" is special in a rule; it matches anything, slashes included.
    return any(re.fullmatch(".*".join(map(re.escape, rule.split("*"))), pathname) for rule in rules)


def assets_config(config: WorkerConfig) -> AssetsConfig | None:
    """The Worker's ``assets`` table checked (None if it has none); ConfigError otherwise."""
    found = [b for b in config.bindings if b.kind.key == "assets"]
    if not found:
        return None
    options: dict[str, Any] = found[0].options
    where = f"{config.path}: `assets`"
    directory = options.get("directory")
    if not isinstance(directory, str) or not directory:
        raise ConfigError(f"{where} needs a `directory`: the folder of files to serve")
    folder = (config.directory / directory).resolve()
    if not folder.is_dir():
        raise ConfigError(f"{where}: the directory {folder} does not exist")
    binding = options.get("binding")
    html = options.get("html_handling", "auto-trailing-slash")
    if html not in HTML_HANDLING:
        raise ConfigError(f"{where}.html_handling must be one of {', '.join(HTML_HANDLING)}")
    not_found = options.get("not_found_handling", "none")
    if not_found not in NOT_FOUND_HANDLING:
        raise ConfigError(
            f"{where}.not_found_handling must be one of {', '.join(NOT_FOUND_HANDLING)}"
        )
    first = options.get("run_worker_first", False)
    worker_rules: list[str] = []
    asset_rules: list[str] = []
    if isinstance(first, list):
        worker_rules, asset_rules = _routing_rules(where, first)
        first = False
    elif not isinstance(first, bool):
        raise ConfigError(f"{where}.run_worker_first must be true, false or a list of routes")
    flags = config.compatibility_flags
    navigation = NAVIGATION_FLAG in flags or (
        NAVIGATION_FLAG_OFF not in flags
        and (config.compatibility_date or "2021-11-02") >= NAVIGATION_FLAG_DATE
    )
    return AssetsConfig(
        directory=folder,
        binding=binding if isinstance(binding, str) else None,
        html_handling=html,
        not_found_handling=not_found,
        worker_first=first,
        worker_rules=tuple(worker_rules),
        asset_rules=tuple(asset_rules),
        navigation_prefers_assets=navigation,
    )


def _routing_rules(where: str, rules: list[Any]) -> tuple[list[str], list[str]]:
    """``run_worker_first``'s routes split into Worker and asset rules, checked with the
    platform's messages."""
    limits = ASSETS_LIMITS
    if not rules:
        raise ConfigError(
            "No `run_worker_first` rules were provided; must provide at least 1 rule."
        )
    if len(rules) > limits.max_routing_rules:
        raise ConfigError(
            f"Too many `run_worker_first` rules were provided; {len(rules)} rules provided "
            f"exceeds max of {limits.max_routing_rules}."
        )
    worker: list[str] = []
    assets: list[str] = []
    invalid: list[str] = []
    for rule in rules:
        if not isinstance(rule, str):
            raise ConfigError(f"{where}.run_worker_first: every route must be a string")
        if rule.startswith("!/"):
            assets.append(rule[1:])
        elif rule.startswith("/"):
            worker.append(rule)
        elif rule.startswith("!"):
            invalid.append(f"'{rule}': negative rules must start with '!/'")
        else:
            invalid.append(f"'{rule}': rules must start with '/' or '!/'")
    if assets and not worker:
        raise ConfigError(
            "Only negative `run_worker_first` rules were provided; must provide at least 1 "
            "non-negative rule"
        )
    invalid += _invalid_rules(worker) + _invalid_rules(["!" + r for r in assets])
    if invalid:
        raise ConfigError("Invalid routes in `run_worker_first`:\n" + "\n".join(invalid))
    return worker, assets


def _invalid_rules(rules: list[str]) -> list[str]:
    invalid: list[str] = []
    seen: set[str] = set()
    longest = ASSETS_LIMITS.max_routing_rule_length
    for rule in rules:
        if len(rule) > longest:
            invalid.append(f"'{rule}': all rules must be less than {longest} characters in length")
        if rule in seen:
            invalid.append(f"'{rule}': rule is a duplicate; rules must be unique")
        if rule.endswith("*"):
            invalid.extend(
                f"'{other}': rule '{rule}' makes it redundant"
                for other in rules
                if other != rule and other.startswith(rule[:-1])
            )
        seen.add(rule)
    return invalid
