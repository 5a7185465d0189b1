"""How the emulator builds ``env.<binding>`` for a ``durable_objects.bindings`` entry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...config import BindingConfig, ConfigError
from ..services.crossing import enhanced_error_serialization
from .config import bound_class, class_backends, not_in_migrations_message
from .namespace import DurableObjectNamespace
from .store import object_path

if TYPE_CHECKING:
    from ..providers import BindingHost


def provide_durable_objects(binding: BindingConfig, host: BindingHost) -> Any:
    """A namespace of a class this Worker defines (one per class, shared by its bindings).

    A binding to another Worker's class (``script_name``) is not emulated."""
    config = host.config
    script = binding.options.get("script_name")
    if script and script != config.name:
        from ..providers import NotEmulatedBinding

        return NotEmulatedBinding(binding)
    class_name = bound_class(config, binding)
    backend = class_backends(config).get(class_name)
    if backend is None:
        raise ConfigError(not_in_migrations_message(config, class_name))
    unique_key = f"{config.name}-{class_name}"
    persist_to = host.persist_to

    def path_of(object_id: str) -> Any:
        return None if persist_to is None else object_path(persist_to, unique_key, object_id)

    def create() -> DurableObjectNamespace:
        return DurableObjectNamespace(
            binding.name,
            class_name,
            unique_key,
            sql=backend == "sqlite",
            clock=host.clock,
            object_path=path_of,
            enhanced_errors=enhanced_error_serialization(config),
        )

    return host.shared("durable_objects", class_name, create)
