"""The Worker's configuration as wrangler reads it: ``wrangler.json``, ``wrangler.jsonc`` or
``wrangler.toml`` (found as wrangler finds it), ``.dev.vars`` and ``.dev.vars.example``."""

from __future__ import annotations

import base64
import dataclasses
import os
import re
import secrets
import tomllib
from pathlib import Path
from typing import Any, Literal

from . import jsonc


class ConfigError(Exception):
    """The configuration cannot be used; the message is one line for the user."""


# wrangler's search order: each name is looked for in the directory and then every parent
# before the next name is tried, so a wrangler.json above beats a wrangler.toml here.
CONFIG_FILE_NAMES = ("wrangler.json", "wrangler.jsonc", "wrangler.toml")

# The top-level keys wrangler 4.86 knows (its config-schema.json, RawConfig). Any other key is
# ignored with wrangler's warning; `$schema` and `env` are known and ignored silently.
KNOWN_TOP_LEVEL_KEYS = frozenset(
    [
        "$schema",
        "account_id",
        "ai",
        "ai_search",
        "ai_search_namespaces",
        "alias",
        "analytics_engine_datasets",
        "artifacts",
        "assets",
        "base_dir",
        "browser",
        "build",
        "cloudchamber",
        "compatibility_date",
        "compatibility_flags",
        "compliance_region",
        "containers",
        "d1_databases",
        "data_blobs",
        "define",
        "dev",
        "dispatch_namespaces",
        "durable_objects",
        "env",
        "find_additional_modules",
        "first_party_worker",
        "flagship",
        "hyperdrive",
        "images",
        "jsx_factory",
        "jsx_fragment",
        "keep_names",
        "keep_vars",
        "kv_namespaces",
        "legacy_env",
        "limits",
        "logfwdr",
        "logpush",
        "main",
        "media",
        "migrations",
        "minify",
        "mtls_certificates",
        "name",
        "no_bundle",
        "observability",
        "pages_build_output_dir",
        "pipelines",
        "placement",
        "preserve_file_names",
        "preview_urls",
        "previews",
        "python_modules",
        "queues",
        "r2_buckets",
        "ratelimits",
        "route",
        "routes",
        "rules",
        "secrets",
        "secrets_store_secrets",
        "send_email",
        "send_metrics",
        "services",
        "site",
        "stream",
        "streaming_tail_consumers",
        "tail_consumers",
        "text_blobs",
        "triggers",
        "tsconfig",
        "unsafe",
        "unsafe_hello_world",
        "upload_source_maps",
        "vars",
        "vectorize",
        "version_metadata",
        "vpc_networks",
        "vpc_services",
        "wasm_modules",
        "worker_loaders",
        "workers_dev",
        "workflows",
    ]
)


@dataclasses.dataclass(frozen=True)
class BindingKind:
    """One kind of binding as the config declares it.

    ``key`` is where it lives (``durable_objects.bindings`` is the ``bindings`` list inside
    ``durable_objects``); ``shape`` says whether that is a list of tables, one table or a
    name-to-value table; ``name_field`` holds the name the Worker sees it by on ``env``.
    """

    key: str
    label: str  # wrangler's name for it (its bindings table says "KV Namespace", ...)
    shape: Literal["list", "table", "mapping"] = "list"
    name_field: str = "binding"
    on_env: bool = True  # False: configures the Worker (a queue consumer), nothing on env


# Every binding kind wrangler 4.86 reads, in its bindings table's order and words. Which of
# them the emulator provides is bindings' business (workers_emulator.bindings).
BINDING_KINDS: tuple[BindingKind, ...] = (
    BindingKind("durable_objects.bindings", "Durable Object", name_field="name"),
    BindingKind("workflows", "Workflow"),
    BindingKind("kv_namespaces", "KV Namespace"),
    BindingKind("send_email", "Send Email", name_field="name"),
    BindingKind("queues.producers", "Queue"),
    BindingKind("queues.consumers", "Queue Consumer", name_field="queue", on_env=False),
    BindingKind("d1_databases", "D1 Database"),
    BindingKind("vectorize", "Vectorize Index"),
    BindingKind("ai_search_namespaces", "AI Search Namespace"),
    BindingKind("ai_search", "AI Search Instance"),
    BindingKind("hyperdrive", "Hyperdrive Config"),
    BindingKind("r2_buckets", "R2 Bucket"),
    BindingKind("logfwdr.bindings", "logfwdr", name_field="name"),
    BindingKind("services", "Worker"),
    BindingKind("analytics_engine_datasets", "Analytics Engine Dataset"),
    BindingKind("browser", "Browser Run", shape="table"),
    BindingKind("ai", "AI", shape="table"),
    BindingKind("images", "Images", shape="table"),
    BindingKind("stream", "Stream", shape="table"),
    BindingKind("media", "Media", shape="table"),
    BindingKind("version_metadata", "Worker Version Metadata", shape="table"),
    BindingKind("unsafe.bindings", "Unsafe Metadata", name_field="name"),
    BindingKind("dispatch_namespaces", "Dispatch Namespace"),
    BindingKind("mtls_certificates", "mTLS Certificate"),
    BindingKind("pipelines", "Pipeline"),
    BindingKind("secrets_store_secrets", "Secrets Store Secret"),
    BindingKind("artifacts", "Artifacts"),
    BindingKind("ratelimits", "Rate Limit", name_field="name"),
    BindingKind("assets", "Assets", shape="table"),
    BindingKind("unsafe_hello_world", "Hello World"),
    BindingKind("flagship", "Flagship"),
    BindingKind("worker_loaders", "Worker Loader"),
    BindingKind("vpc_services", "VPC Service"),
    BindingKind("vpc_networks", "VPC Network"),
    BindingKind("wasm_modules", "Wasm Module", shape="mapping"),
    BindingKind("text_blobs", "Text Blob", shape="mapping"),
    BindingKind("data_blobs", "Data Blob", shape="mapping"),
)
BINDING_KINDS_BY_KEY = {kind.key: kind for kind in BINDING_KINDS}


@dataclasses.dataclass(frozen=True)
class BindingConfig:
    """One binding declared in the config: its kind, the name it has on ``env`` (for what
    is not on env, what names it: a consumer's queue, the assets' directory) and its entry
    as written."""

    kind: BindingKind
    name: str
    options: dict[str, Any]

    @property
    def description(self) -> str:
        """``env.NAME (D1 Database)``, or the kind and name of what is not on env."""
        if self.kind.on_env:
            return f"env.{self.name} ({self.kind.label})"
        return f"{self.kind.label} {self.name!r}"


@dataclasses.dataclass(frozen=True)
class KVNamespaceConfig:
    """A ``kv_namespaces`` entry."""

    binding: str
    id: str


@dataclasses.dataclass(frozen=True)
class RateLimitConfig:
    """A ``ratelimits`` entry with its ``simple = { limit, period }``."""

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
    # Every binding the config declares, whatever its kind, in the config's order per kind.
    bindings: list[BindingConfig] = dataclasses.field(default_factory=list)
    kv_namespaces: list[KVNamespaceConfig] = dataclasses.field(default_factory=list)
    ratelimits: list[RateLimitConfig] = dataclasses.field(default_factory=list)
    # Durable Object migrations, as written (they go with durable_objects.bindings).
    migrations: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    crons: list[str] = dataclasses.field(default_factory=list)  # [triggers] crons
    dev_vars: dict[str, str] = dataclasses.field(default_factory=dict)
    secret_names: list[str] = dataclasses.field(default_factory=list)
    # What wrangler would warn about while reading the file, in its words.
    warnings: list[str] = dataclasses.field(default_factory=list)

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


def find_config(start: str | Path | None = None) -> Path | None:
    """The config file wrangler would use from ``start`` (default: the working directory):
    ``wrangler.json``, then ``wrangler.jsonc``, then ``wrangler.toml``, each searched for in
    ``start`` and its parents. None if there is none."""
    origin = Path(start if start is not None else os.getcwd()).resolve()
    for name in CONFIG_FILE_NAMES:
        for directory in (origin, *origin.parents):
            candidate = directory / name
            if candidate.is_file():
                return candidate
    return None


def resolve_config_path(path: str | Path | None = None) -> Path:
    """``path`` made absolute, or the one ``find_config`` finds; ConfigError if none."""
    if path is not None:
        return Path(path).resolve()
    found = find_config()
    if found is None:
        names = ", ".join(CONFIG_FILE_NAMES)
        raise ConfigError(
            f"no config file found: looked for {names} in {os.getcwd()} and its parents "
            "(or pass --config PATH)"
        )
    return found


def read_config_file(path: Path) -> dict[str, Any]:
    """The file's top-level table: TOML for ``.toml``, JSONC for ``.json`` and ``.jsonc``."""
    if path.suffix not in (".toml", ".json", ".jsonc"):
        raise ConfigError(f"{path}: a config file is .toml, .json or .jsonc")
    try:
        text = path.read_text(encoding="utf-8-sig")  # wrangler drops a UTF-8 BOM
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else jsonc.loads(text)
    except (tomllib.TOMLDecodeError, jsonc.JSONCError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the configuration must be an object (a table)")
    return data


def unexpected_fields_warning(path: Path, data: dict[str, Any]) -> str | None:
    """wrangler's warning for top-level keys it does not know (None if there are none)."""
    unknown = [key for key in data if key not in KNOWN_TOP_LEVEL_KEYS]
    if not unknown:
        return None
    try:
        shown = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        shown = str(path)
    fields = ",".join(f'"{key}"' for key in unknown)
    return (
        f"Processing {shown} configuration:\n\n"
        f"    - Unexpected fields found in top-level field: {fields}"
    )


def load_config(path: str | Path | None = None) -> WorkerConfig:
    """Read the Worker's config (``path``, or the one wrangler would find from the working
    directory) and the ``.dev.vars`` files beside it."""
    path = resolve_config_path(path)
    data = read_config_file(path)

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
        raise ConfigError(f"{path}: `vars` must be a table")
    triggers = data.get("triggers", {})
    crons = triggers.get("crons", []) if isinstance(triggers, dict) else None
    if not isinstance(crons, list) or not all(isinstance(c, str) for c in crons):
        raise ConfigError(f"{path}: `triggers.crons` must be a list of strings")
    migrations = data.get("migrations", [])
    if not isinstance(migrations, list) or not all(isinstance(m, dict) for m in migrations):
        raise ConfigError(f"{path}: `migrations` must be a list of tables")

    bindings = [b for kind in BINDING_KINDS for b in _bindings_of(path, data, kind)]
    _check_unique_names(path, variables, bindings)
    config = WorkerConfig(
        path=path,
        name=str(data.get("name", main_path.stem)),
        main=main_path,
        compatibility_date=data.get("compatibility_date"),
        compatibility_flags=list(flags),
        vars=dict(variables),
        bindings=bindings,
        kv_namespaces=[_kv_namespace(path, b) for b in bindings if b.kind.key == "kv_namespaces"],
        ratelimits=[_ratelimit(path, b) for b in bindings if b.kind.key == "ratelimits"],
        migrations=[dict(m) for m in migrations],
        crons=list(crons),
    )
    warning = unexpected_fields_warning(path, data)
    if warning is not None:
        config.warnings.append(warning)
    dev_vars = path.parent / ".dev.vars"
    if dev_vars.is_file():
        config.dev_vars = parse_dotenv(dev_vars.read_text(encoding="utf-8"))
    example = path.parent / ".dev.vars.example"
    if example.is_file():
        config.secret_names = list(parse_dotenv(example.read_text(encoding="utf-8")))
    return config


def _check_unique_names(
    path: Path, variables: dict[str, Any], bindings: list[BindingConfig]
) -> None:
    """Refuse two bindings (vars included) under one name on ``env``, in wrangler's words."""
    kinds_by_name: dict[str, list[str]] = {}
    named = [(b.name, b.kind.label) for b in bindings if b.kind.on_env]
    for name, label in [*named, *((name, "Environment Variable") for name in variables)]:
        kinds_by_name.setdefault(name, []).append(label)
    problems = []
    for name, labels in kinds_by_name.items():
        different = list(dict.fromkeys(labels))
        if len(different) > 1:
            problems.append(f"{name} assigned to {_english_list(different)} bindings.")
        repeated = [label for label in different if labels.count(label) > 1]
        problems += [f"{name} assigned to multiple {label} bindings." for label in repeated]
    if problems:
        problems.append(
            "Bindings must have unique names, so that they can all be referenced in the worker. "
            "Please change your bindings to have unique names."
        )
        raise ConfigError(f"{path}: " + " ".join(problems))


def _english_list(items: list[str]) -> str:
    """``A and B``, ``A, B, and C``: JavaScript's Intl.ListFormat, as wrangler writes lists."""
    if len(items) == 2:
        return f"{items[0]} and {items[1]}"
    return ", ".join(items[:-1]) + f", and {items[-1]}"


def _bindings_of(path: Path, data: dict[str, Any], kind: BindingKind) -> list[BindingConfig]:
    """The bindings of one kind in the config, checked for a usable name."""
    value: Any = data
    for part in kind.key.split("."):
        if not isinstance(value, dict) or part not in value:
            return []
        value = value[part]
    if kind.shape == "mapping":
        if not isinstance(value, dict):
            raise ConfigError(f"{path}: `{kind.key}` must be a table of names")
        return [BindingConfig(kind, str(name), {"value": v}) for name, v in value.items()]
    if kind.shape == "table":
        if not isinstance(value, dict):
            raise ConfigError(f"{path}: `{kind.key}` must be a table")
        if kind.key == "assets" and "binding" not in value:
            # Assets without a binding are served in front of the Worker, not on env.
            unbound = dataclasses.replace(kind, on_env=False)
            return [BindingConfig(unbound, str(value.get("directory", "")), dict(value))]
        entries = [value]
    elif isinstance(value, list):
        entries = value
    else:
        raise ConfigError(f"{path}: `{kind.key}` must be a list of tables")
    found = []
    for index, entry in enumerate(entries):
        where = kind.key if kind.shape == "table" else f"{kind.key}[{index}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{path}: `{where}` must be a table")
        name = entry.get(kind.name_field)
        valid = isinstance(name, str) and (_NAME.match(name) if kind.on_env else name.strip() != "")
        if not valid:
            what = "a valid binding name" if kind.on_env else "a name"
            raise ConfigError(f"{path}: `{where}` needs a `{kind.name_field}`: {what}")
        found.append(BindingConfig(kind, str(name), dict(entry)))
    return found


def _kv_namespace(path: Path, binding: BindingConfig) -> KVNamespaceConfig:
    ns_id = binding.options.get("id")
    if not isinstance(ns_id, str) or not ns_id:
        # wrangler dev uses the binding name when no id is given.
        ns_id = binding.name
    if "/" in ns_id or ns_id.startswith("."):
        raise ConfigError(f"{path}: KV namespace id {ns_id!r} is not usable as a file name")
    return KVNamespaceConfig(binding=binding.name, id=ns_id)


def _ratelimit(path: Path, binding: BindingConfig) -> RateLimitConfig:
    name, entry = binding.name, binding.options
    simple = entry.get("simple")
    if not isinstance(simple, dict):
        raise ConfigError(f"{path}: ratelimits {name}: `simple = {{ limit, period }}` needed")
    limit, period = simple.get("limit"), simple.get("period")
    if not isinstance(limit, int) or isinstance(limit, bool) or limit <= 0:
        raise ConfigError(f"{path}: ratelimits {name}: `limit` must be a positive integer")
    if period not in _RATELIMIT_PERIODS:
        raise ConfigError(f"{path}: ratelimits {name}: `period` must be 10 or 60")
    return RateLimitConfig(
        name=name, namespace_id=str(entry.get("namespace_id") or name), limit=limit, period=period
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
