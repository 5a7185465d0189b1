"""Service bindings: one Worker of the dev session calling another's ``fetch`` or RPC."""

from .binding import ServiceBinding, not_running_message
from .provider import check_entrypoints, provide_service

__all__ = ["ServiceBinding", "check_entrypoints", "not_running_message", "provide_service"]
