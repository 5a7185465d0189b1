"""How the emulator builds ``env.<binding>`` for a ``services`` entry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config import BindingConfig, ConfigError
from .binding import ServiceBinding
from .crossing import enhanced_error_serialization

if TYPE_CHECKING:
    from ..providers import BindingHost


def provide_service(binding: BindingConfig, host: BindingHost) -> ServiceBinding:
    """A ``ServiceBinding`` to the Worker named by ``service``, looked up among the session's
    Workers (``workers-emulator dev -c a -c b``) when it is called."""
    service = binding.options.get("service")
    entrypoint = binding.options.get("entrypoint")
    if not isinstance(service, str) or not service:
        raise ConfigError(
            f"{host.config.path}: services {binding.name}: `service` (the bound Worker's "
            "name) is required"
        )
    if entrypoint is not None and (not isinstance(entrypoint, str) or not entrypoint):
        raise ConfigError(
            f"{host.config.path}: services {binding.name}: `entrypoint` must be a class name"
        )
    return ServiceBinding(
        binding.name,
        service,
        entrypoint,
        host.workers,
        enhanced_errors=enhanced_error_serialization(host.config),
    )

