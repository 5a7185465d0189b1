"""How the emulator builds ``env.<binding>`` for a ``services`` entry."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ...config import BindingConfig, ConfigError
from .binding import ServiceBinding
from .crossing import enhanced_error_serialization

if TYPE_CHECKING:
    from ...emulator import Emulator
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


def check_entrypoints(workers: Iterable[Emulator]) -> None:
    """Once the session's Workers are loaded: a binding naming an entrypoint its Worker of
    the session does not export stops the start, in workerd's words (a Worker not in the
    session is only "not connected")."""
    loaded = {worker.config.name: worker for worker in workers}
    for worker in loaded.values():
        for config in worker.config.bindings:
            if config.kind.key != "services":
                continue
            name = config.name
            binding = worker.service(name)
            target = loaded.get(binding.service)
            entrypoint = binding.entrypoint
            if target is None or entrypoint is None or entrypoint in target.isolate.entrypoints:
                continue
            raise ConfigError(
                f'Worker "{worker.config.name}"\'s binding "{name}" refers to service '
                f'"{binding.service}" with a named entrypoint "{entrypoint}", but '
                f'"{binding.service}" has no such named entrypoint.'
            )
