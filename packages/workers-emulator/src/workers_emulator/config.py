"""The Worker's configuration: ``wrangler.toml``, ``.dev.vars`` and ``.dev.vars.example``."""

from __future__ import annotations

import base64
import dataclasses
import re
import secrets
import tomllib
from pathlib import Path
from typing import Any


class ConfigError(Exception):
    """The configuration cannot be used; the message is one line for the user."""


@dataclasses.dataclass(frozen=True)
class KVNamespaceConfig:
    """A ``[[kv_namespaces]]`` entry."""

    binding: str
    id: str


@dataclasses.dataclass(frozen=True)
class RateLimitConfig:
    """A ``[[ratelimits]]`` entry with its ``simple = { limit, period }``."""

    name: str
    namespace_id: str
    limit: int
    period: int


@dataclasses.dataclass
class WorkerConfig:
    """Everything the emulator needs to know about one Worker."""

    path: Path
    name: str
    main: Path
    compatibility_date: str | None = None
    compatibility_flags: list[str] = dataclasses.field(default_factory=list)
    vars: dict[str, Any] = dataclasses.field(default_factory=dict)
    kv_namespaces: list[KVNamespaceConfig] = dataclasses.field(default_factory=list)
    ratelimits: list[RateLimitConfig] = dataclasses.field(default_factory=list)
    crons: list[str] = dataclasses.field(default_factory=list)  # [triggers] crons
    dev_vars: dict[str, str] = dataclasses.field(default_factory=dict)
    secret_names: list[str] = dataclasses.field(default_factory=list)

    @property
    def directory(self) -> Path:
        return self.path.parent

    def kv_namespace(self, binding: str) -> KVNamespaceConfig:
        for namespace in self.kv_namespaces:
            if namespace.binding == binding:
                return namespace
        known = ", ".join(n.binding for n in self.kv_namespaces) or "none"
        raise ConfigError(f"no KV namespace bound as {binding!r} in {self.path} (known: {known})")


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Wrangler only allows these windows for the Rate Limiting binding.
_RATELIMIT_PERIODS = (10, 60)


def load_config(path: str | Path = "wrangler.toml") -> WorkerConfig:
    """Read ``wrangler.toml`` and the ``.dev.vars`` files beside it."""
    path = Path(path).resolve()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None

    main = data.get("main")
    if not isinstance(main, str) or not main:
        raise ConfigError(f"{path}: `main` (the Worker's entry module) is required")
    main_path = (path.parent / main).resolve()
    if not main_path.is_file():
        raise ConfigError(f"{path}: main module not found: {main_path}")

    flags = data.get("compatibility_flags", [])
    if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
        raise ConfigError(f"{path}: `compatibility_flags` must be a list of strings")
    variables = data.get("vars", {})
    if not isinstance(variables, dict):
        raise ConfigError(f"{path}: [vars] must be a table")
    triggers = data.get("triggers", {})
    crons = triggers.get("crons", []) if isinstance(triggers, dict) else None
    if not isinstance(crons, list) or not all(isinstance(c, str) for c in crons):
        raise ConfigError(f"{path}: [triggers] crons must be a list of strings")

    config = WorkerConfig(
        path=path,
        name=str(data.get("name", main_path.stem)),
        main=main_path,
        compatibility_date=data.get("compatibility_date"),
        compatibility_flags=list(flags),
        vars=dict(variables),
        kv_namespaces=[_kv_namespace(path, entry) for entry in data.get("kv_namespaces", [])],
        ratelimits=[_ratelimit(path, entry) for entry in data.get("ratelimits", [])],
        crons=list(crons),
    )
    dev_vars = path.parent / ".dev.vars"
    if dev_vars.is_file():
        config.dev_vars = parse_dotenv(dev_vars.read_text(encoding="utf-8"))
    example = path.parent / ".dev.vars.example"
    if example.is_file():
        config.secret_names = list(parse_dotenv(example.read_text(encoding="utf-8")))
    return config


def _kv_namespace(path: Path, entry: Any) -> KVNamespaceConfig:
    if not isinstance(entry, dict):
        raise ConfigError(f"{path}: each [[kv_namespaces]] entry must be a table")
    binding, ns_id = entry.get("binding"), entry.get("id")
    if not isinstance(binding, str) or not _NAME.match(binding):
        raise ConfigError(f"{path}: [[kv_namespaces]] needs a `binding` name")
    if not isinstance(ns_id, str) or not ns_id:
        # wrangler dev uses the binding name when no id is given.
        ns_id = binding
    if "/" in ns_id or ns_id.startswith("."):
        raise ConfigError(f"{path}: KV namespace id {ns_id!r} is not usable as a file name")
    return KVNamespaceConfig(binding=binding, id=ns_id)


def _ratelimit(path: Path, entry: Any) -> RateLimitConfig:
    if not isinstance(entry, dict):
        raise ConfigError(f"{path}: each [[ratelimits]] entry must be a table")
    name, namespace_id = entry.get("name"), entry.get("namespace_id")
    simple = entry.get("simple")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(f"{path}: [[ratelimits]] needs a `name`")
    if not isinstance(simple, dict):
        raise ConfigError(f"{path}: [[ratelimits]] {name}: `simple = {{ limit, period }}` needed")
    limit, period = simple.get("limit"), simple.get("period")
    if not isinstance(limit, int) or isinstance(limit, bool) or limit <= 0:
        raise ConfigError(f"{path}: [[ratelimits]] {name}: `limit` must be a positive integer")
    if period not in _RATELIMIT_PERIODS:
        raise ConfigError(f"{path}: [[ratelimits]] {name}: `period` must be 10 or 60")
    return RateLimitConfig(
        name=name, namespace_id=str(namespace_id or name), limit=limit, period=period
    )


_DOTENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*?)\s*$")
_DOUBLE_QUOTE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def parse_dotenv(text: str) -> dict[str, str]:
    """Parse dotenv text (``KEY=value``, quotes, ``#`` comments, ``export`` prefix)."""
    result: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _DOTENV_LINE.match(line)
        if match is None:
            continue
        key, raw = match.groups()
        result[key] = _dotenv_value(raw)
    return result


def _dotenv_value(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":
        return raw[1:-1]
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        return re.sub(
            r"\\(.)", lambda m: _DOUBLE_QUOTE_ESCAPES.get(m.group(1), m.group(0)), raw[1:-1]
        )
    # An unquoted value ends at an inline comment (" #").
    return re.split(r"\s+#", raw, maxsplit=1)[0].strip()


def generate_secret() -> str:
    """A development secret: 32 random bytes, base64url without padding."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
