"""Static Assets: the asset folder served in front of the Worker and as ``env.ASSETS``."""

from .binding import AssetsBinding
from .config import AssetsConfig, assets_config
from .limits import ASSETS_LIMITS, AssetsLimits
from .manifest import Asset, AssetManifest
from .provider import asset_server, provide_assets
from .server import AssetServer

__all__ = [
    "ASSETS_LIMITS",
    "Asset",
    "AssetManifest",
    "AssetServer",
    "AssetsBinding",
    "AssetsConfig",
    "AssetsLimits",
    "asset_server",
    "assets_config",
    "provide_assets",
]
