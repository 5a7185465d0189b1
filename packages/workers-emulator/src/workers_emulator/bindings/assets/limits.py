"""Static Assets' limits and fixed answers, as data (workers-shared's constants)."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class AssetsLimits:
    max_asset_size: int = 25 * 1024 * 1024  # bytes per file
    max_asset_count: int = 100_000  # files per Worker version
    max_routing_rules: int = 100  # entries of `run_worker_first`
    max_routing_rule_length: int = 100  # characters per entry


ASSETS_LIMITS = AssetsLimits()

# Browsers revalidate every time: the ETag makes that a 304.
CACHE_CONTROL = "public, max-age=0, must-revalidate"
# Served locally, an asset is always a cache hit (workerd counts <= 100 ms as one).
CACHE_STATUS = "HIT"
# Files the asset server reads as configuration, never serves.
META_FILES = (".assetsignore", "_redirects", "_headers")

HTML_HANDLING = ("auto-trailing-slash", "force-trailing-slash", "drop-trailing-slash", "none")
NOT_FOUND_HANDLING = ("none", "404-page", "single-page-application")
# On by default from this compatibility date: a browser's navigation (`Sec-Fetch-Mode:
# navigate`) gets not_found_handling's page rather than the Worker.
NAVIGATION_FLAG = "assets_navigation_prefers_asset_serving"
NAVIGATION_FLAG_OFF = "assets_navigation_has_no_effect"
NAVIGATION_FLAG_DATE = "2025-04-01"
