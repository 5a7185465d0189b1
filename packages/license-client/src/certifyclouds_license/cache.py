"""The on-disk lease cache: the last verified lease, the JWKS it verified with, and when the
server last answered.

One JSON file per (server, license) pair, named by a hash so the key never appears on disk.
Writes are atomic (temp file, fsync, ``os.replace``): a crash leaves the old file or the new
one, never half of either.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger("certifyclouds_license")

_FORMAT = 1
_NAME_DOMAIN = b"certifyclouds/license-cache/v1\x00"


@dataclass(frozen=True)
class CacheEntry:
    """What is kept between runs. ``lease`` is ``None`` when only the JWKS is known."""

    lease: str | None
    jwks: dict[str, Any] | None
    last_success: float | None
    license: dict[str, Any] | None
    checked_at: str | None = None  # the server's own timestamp of that success


def cache_file_name(base_url: str, license_key: str) -> str:
    digest = hashlib.sha256(
        _NAME_DOMAIN + base_url.encode() + b"\x00" + license_key.encode()
    ).hexdigest()
    return f"lease-{digest[:32]}.json"


class LeaseCache:
    """Reads and atomically writes one cache file under ``directory`` (mode 0700, file 0600)."""

    def __init__(self, directory: str | os.PathLike[str], file_name: str) -> None:
        self.directory = Path(directory)
        self.path = self.directory / file_name

    def load(self) -> CacheEntry | None:
        """The cached entry, or ``None`` if absent or unreadable (a damaged cache is ignored)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            logger.warning("license cache unreadable (%s); ignoring it", exc.strerror)
            return None
        try:
            data = json.loads(raw)
        except ValueError:
            logger.warning("license cache is not valid JSON; ignoring it")
            return None
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            return None
        last_success = data.get("last_success")
        return CacheEntry(
            lease=data.get("lease") if isinstance(data.get("lease"), str) else None,
            jwks=data.get("jwks") if isinstance(data.get("jwks"), dict) else None,
            last_success=float(last_success)
            if isinstance(last_success, int | float) and not isinstance(last_success, bool)
            else None,
            license=data.get("license") if isinstance(data.get("license"), dict) else None,
            checked_at=data.get("checked_at") if isinstance(data.get("checked_at"), str) else None,
        )

    def save(self, entry: CacheEntry) -> None:
        """Replace the cache file atomically."""
        payload = json.dumps(
            {
                "format": _FORMAT,
                "lease": entry.lease,
                "jwks": entry.jwks,
                "last_success": entry.last_success,
                "license": entry.license,
                "checked_at": entry.checked_at,
            },
            separators=(",", ":"),
        ).encode()
        self._ensure_directory()
        # mkstemp creates the file with mode 0600 and a name nobody else can predict.
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".lease-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        self._fsync_directory()

    def clear(self) -> None:
        """Forget the cached lease (the server said the license is no longer valid)."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
            self._fsync_directory()

    def _ensure_directory(self) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        # mkdir's mode is filtered by the umask and ignored for an existing directory.
        if os.name == "posix" and self.directory.stat().st_mode & 0o077:
            os.chmod(self.directory, 0o700)

    def _fsync_directory(self) -> None:
        # Makes the rename itself durable; POSIX only (Windows cannot open a directory).
        if os.name != "posix":
            return
        try:
            fd = os.open(self.directory, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)
