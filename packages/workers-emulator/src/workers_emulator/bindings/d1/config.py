"""A ``d1_databases`` entry of the Worker's config, as wrangler reads it."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from ...config import BindingConfig, ConfigError, WorkerConfig

DEFAULT_MIGRATIONS_DIR = "migrations"
DEFAULT_MIGRATIONS_TABLE = "d1_migrations"
_FILE_NAME = re.compile(r"^[A-Za-z0-9._-]+$")


@dataclasses.dataclass(frozen=True)
class D1DatabaseConfig:
    """One D1 database binding: its name on ``env``, the database it names, its migrations."""

    binding: str
    database_name: str | None
    database_id: str
    migrations_dir: Path
    migrations_table: str


def d1_database(config: WorkerConfig, entry: BindingConfig) -> D1DatabaseConfig:
    """The D1 settings of one ``d1_databases`` binding of ``config``."""
    options = entry.options
    name = options.get("database_name")
    if name is not None and not isinstance(name, str):
        raise ConfigError(f"{config.path}: d1_databases {entry.name}: `database_name` must be text")
    # Local state is keyed by the database id, as wrangler keys it (else its name or binding).
    database_id = options.get("database_id") or name or entry.name
    if not isinstance(database_id, str) or not _FILE_NAME.match(database_id):
        raise ConfigError(
            f"{config.path}: d1_databases {entry.name}: database id {database_id!r} "
            "is not usable as a file name"
        )
    migrations_dir = options.get("migrations_dir") or DEFAULT_MIGRATIONS_DIR
    migrations_table = options.get("migrations_table") or DEFAULT_MIGRATIONS_TABLE
    if not isinstance(migrations_dir, str) or not isinstance(migrations_table, str):
        raise ConfigError(
            f"{config.path}: d1_databases {entry.name}: `migrations_dir` and "
            "`migrations_table` must be text"
        )
    return D1DatabaseConfig(
        binding=entry.name,
        database_name=name,
        database_id=database_id,
        migrations_dir=config.directory / migrations_dir,
        migrations_table=migrations_table,
    )


def d1_databases(config: WorkerConfig) -> list[D1DatabaseConfig]:
    """Every D1 database binding of ``config``, in config order."""
    return [d1_database(config, b) for b in config.bindings if b.kind.key == "d1_databases"]


def find_d1_database(config: WorkerConfig, name: str) -> D1DatabaseConfig:
    """The database a wrangler command names: by ``database_name``, else by binding."""
    databases = d1_databases(config)
    for database in databases:
        if database.database_name == name:
            return database
    for database in databases:
        if database.binding == name:
            return database
    # wrangler's words
    raise ConfigError(
        f"Couldn't find a D1 DB with the name or binding '{name}' in your {config.path.name} file."
    )
