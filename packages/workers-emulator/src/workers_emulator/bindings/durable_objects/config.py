"""What the config says about Durable Objects: ``durable_objects.bindings`` and which
classes ``migrations`` declare SQLite-backed (``new_sqlite_classes``) or key-value-backed
(``new_classes``), following renames and deletions in order."""

from __future__ import annotations

from typing import Literal

from ...config import BindingConfig, ConfigError, WorkerConfig

Backend = Literal["sqlite", "kv"]


def class_backends(config: WorkerConfig) -> dict[str, Backend]:
    """Each class the migrations leave declared, with its storage backend."""
    classes: dict[str, Backend] = {}
    for migration in config.migrations:
        for name in migration.get("new_sqlite_classes", []):
            classes[str(name)] = "sqlite"
        for name in migration.get("new_classes", []):
            classes[str(name)] = "kv"
        for rename in migration.get("renamed_classes", []):
            if isinstance(rename, dict) and rename.get("from") in classes:
                classes[str(rename.get("to"))] = classes.pop(str(rename["from"]))
        for name in migration.get("deleted_classes", []):
            classes.pop(str(name), None)
    return classes


def bound_class(config: WorkerConfig, binding: BindingConfig) -> str:
    name = binding.options.get("class_name")
    if not isinstance(name, str) or not name:
        raise ConfigError(
            f"{config.path}: durable_objects.bindings {binding.name}: `class_name` is required"
        )
    return name


def not_in_migrations_message(config: WorkerConfig, class_name: str) -> str:
    """Why a bound class of this Worker cannot be used."""
    return (
        f"Durable Object class {class_name!r} (bound in {config.path.name}) is not declared "
        "in `migrations`: add it to `new_sqlite_classes` (SQLite-backed, recommended) or "
        "`new_classes`"
    )
