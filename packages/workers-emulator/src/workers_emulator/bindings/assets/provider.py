"""How the emulator builds the asset server, and ``env.<binding>`` when ``assets.binding``
names one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config import BindingConfig
from .binding import AssetsBinding
from .config import assets_config
from .server import AssetServer

if TYPE_CHECKING:
    from ..providers import BindingHost


def asset_server(host: BindingHost) -> AssetServer | None:
    """The Worker's one asset server (None without an ``assets`` table)."""
    config = assets_config(host.config)
    if config is None:
        return None
    server: AssetServer = host.shared("assets", str(config.directory), lambda: AssetServer(config))
    return server


def provide_assets(binding: BindingConfig, host: BindingHost) -> AssetsBinding | AssetServer:
    """``env.ASSETS`` for a bound assets table; the server itself for an unbound one."""
    server = asset_server(host)
    assert server is not None  # the binding comes from the assets table
    if not binding.kind.on_env:
        return server
    return AssetsBinding(binding.name, server)
