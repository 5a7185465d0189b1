"""The asset folder as the asset server sees it: each file's URL path, ETag and type.

As under ``wrangler dev``, an ETag is a hash of the file's absolute path and modification
time (not of its bytes), so an edited file gets a new ETag without being read.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import hashlib
import os
from pathlib import Path

from ...config import ConfigError
from .contenttypes import content_type
from .limits import ASSETS_LIMITS, META_FILES


@dataclasses.dataclass(frozen=True)
class Asset:
    file: Path
    etag: str  # without quotes
    content_type: str | None


def _js_number(value: float) -> str:
    """A float as JavaScript's ``String(n)`` writes it (``1.0`` is ``1``)."""
    return str(int(value)) if value == int(value) else repr(value)


def asset_etag(file: Path) -> str:
    """``wrangler dev``'s ETag: 16 bytes of SHA-256 over the path and ``mtimeMs``, in hex."""
    mtime_ms = os.stat(file).st_mtime_ns / 1_000_000
    digest = hashlib.sha256(f"{file}{_js_number(mtime_ms)}".encode()).digest()
    return digest[:16].hex()


def _ignore_patterns(directory: Path) -> list[str]:
    """``.assetsignore``'s patterns (gitignore syntax, the common subset)."""
    ignore = directory / ".assetsignore"
    if not ignore.is_file():
        return []
    lines = ignore.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _ignored(relative: str, patterns: list[str]) -> bool:
    name = relative.rsplit("/", 1)[-1]
    for pattern in patterns:
        anchored = pattern.startswith("/")
        bare = pattern.strip("/")
        if fnmatch.fnmatchcase(relative, bare) or fnmatch.fnmatchcase(relative, bare + "/*"):
            return True
        parts = relative.split("/")
        if not anchored and (
            fnmatch.fnmatchcase(name, bare) or any(fnmatch.fnmatchcase(p, bare) for p in parts)
        ):
            return True
    return False


class AssetManifest:
    """URL path (``/dir/file.html``) to asset, read from ``directory`` once."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._by_path: dict[str, Asset] = {}
        self._by_etag: dict[str, Asset] = {}
        patterns = _ignore_patterns(directory)
        limits = ASSETS_LIMITS
        for root, dirs, files in os.walk(directory):
            dirs.sort()
            for name in sorted(files):
                file = Path(root) / name
                relative = file.relative_to(directory).as_posix()
                if relative in META_FILES or _ignored(relative, patterns) or file.is_symlink():
                    continue
                size = file.stat().st_size
                if size > limits.max_asset_size:
                    raise ConfigError(
                        f"Asset too large: {file} has {size} bytes; Cloudflare Workers "
                        f"serves assets of up to {limits.max_asset_size} bytes"
                    )
                asset = Asset(file, asset_etag(file), content_type(name))
                self._by_path["/" + relative] = asset
                self._by_etag[asset.etag] = asset
        if len(self._by_path) > limits.max_asset_count:
            raise ConfigError(
                f"Maximum number of assets exceeded: {len(self._by_path)} files in {directory}; "
                f"Cloudflare Workers supports up to {limits.max_asset_count}"
            )

    def exists(self, pathname: str) -> str | None:
        """The ETag of the asset at this decoded URL path, or None."""
        asset = self._by_path.get(pathname)
        return None if asset is None else asset.etag

    def by_etag(self, etag: str) -> Asset:
        return self._by_etag[etag]

    def __len__(self) -> int:
        return len(self._by_path)
