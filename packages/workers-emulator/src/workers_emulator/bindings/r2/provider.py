"""How the emulator builds ``env.<binding>`` for an ``r2_buckets`` entry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config import BindingConfig, ConfigError
from .bucket import R2Bucket
from .store import R2Store, bucket_path

if TYPE_CHECKING:
    from ..providers import BindingHost


def provide_r2(binding: BindingConfig, host: BindingHost) -> R2Bucket:
    """One ``R2Bucket`` per binding; bindings naming one bucket share its store."""
    name = binding.options.get("bucket_name") or binding.name
    if not isinstance(name, str) or "/" in name or name.startswith("."):
        raise ConfigError(
            f"{host.config.path}: r2_buckets {binding.name}: `bucket_name` {name!r} is not "
            "usable as a file name"
        )

    def create() -> R2Store:
        return R2Store(None if host.persist_to is None else bucket_path(host.persist_to, name))

    return R2Bucket(binding.name, host.shared("r2", name, create), clock=host.clock)
