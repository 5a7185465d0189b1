"""The on-disk cache: private, atomic, and free of the license key."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from certifyclouds_license import OfflineGraceExpired
from certifyclouds_license._keys import canonical_key
from certifyclouds_license.cache import CacheEntry, LeaseCache
from client_fakes import LICENSE_KEY

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


@posix_only
def test_file_0600_and_directory_0700(client):
    client.heartbeat("2.4.1")
    path = Path(client.cache_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


@posix_only
def test_existing_open_directory_is_tightened(make_client, tmp_path):
    directory = tmp_path / "shared"
    directory.mkdir(mode=0o755)
    os.chmod(directory, 0o755)
    make_client(cache_dir=directory).heartbeat("2.4.1")
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700


def test_cache_holds_lease_jwks_last_success_and_never_the_key(client, clock):
    client.heartbeat("2.4.1")
    path = Path(client.cache_path)
    raw = path.read_text()
    data = json.loads(raw)
    assert data["lease"].count(".") == 2
    assert data["jwks"]["keys"][0]["kty"] == "OKP"
    assert data["last_success"] == clock()
    for form in (LICENSE_KEY, canonical_key(LICENSE_KEY), LICENSE_KEY.replace("-", "")):
        assert form not in raw
        assert form not in str(path)
    assert list(path.parent.iterdir()) == [path]  # no temp files left behind


def test_same_key_different_server_gets_its_own_file(make_client, tmp_path):
    a = make_client()
    from certifyclouds_license import LicenseClient

    b = LicenseClient(
        "https://other.example.test",
        LICENSE_KEY,
        cache_dir=tmp_path / "cache",
        grace_period=a.grace_period,
    )
    try:
        assert a.cache_path != b.cache_path
    finally:
        b.close()


def entry(n: int) -> CacheEntry:
    return CacheEntry(lease=f"lease-{n}", jwks={"keys": []}, last_success=float(n), license=None)


def test_write_is_fsynced_then_renamed(tmp_path, monkeypatch):
    cache = LeaseCache(tmp_path / "c", "lease.json")
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(
        os, "replace", lambda a, b: (events.append("replace"), real_replace(a, b))[1]
    )
    cache.save(entry(1))
    assert events[:2] == ["fsync", "replace"]
    assert cache.load() == entry(1)


def test_failed_write_keeps_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    cache = LeaseCache(tmp_path / "c", "lease.json")
    cache.save(entry(1))

    def crash(src, dst):
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        cache.save(entry(2))
    monkeypatch.undo()
    assert cache.load() == entry(1)
    assert [p.name for p in (tmp_path / "c").iterdir()] == ["lease.json"]


def test_interrupted_write_never_exposes_partial_file(tmp_path, monkeypatch):
    """A crash between write and rename (simulated) leaves the previous complete file."""
    cache = LeaseCache(tmp_path / "c", "lease.json")
    cache.save(entry(1))
    real_fsync = os.fsync

    def fsync_then_die(fd):
        real_fsync(fd)
        # The new bytes are in the temp file only; the visible file is still the old one.
        assert cache.load() == entry(1)
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", fsync_then_die)
    with pytest.raises(KeyboardInterrupt):
        cache.save(entry(2))
    monkeypatch.undo()
    assert cache.load() == entry(1)
    assert [p.name for p in (tmp_path / "c").iterdir()] == ["lease.json"]


@pytest.mark.parametrize("content", [b"", b"{not json", b"[]", b'{"format": 99}', b"\xff\xfe"])
def test_damaged_cache_is_ignored(client, server, content):
    client.heartbeat("2.4.1")
    Path(client.cache_path).write_bytes(content)
    server.down = True
    with pytest.raises(OfflineGraceExpired):
        client.heartbeat("2.4.1")
    server.down = False
    assert client.heartbeat("2.4.1").valid  # and a good answer repairs it
    assert json.loads(Path(client.cache_path).read_text())["format"] == 1


def test_unwritable_cache_does_not_fail_a_valid_heartbeat(client, monkeypatch, caplog):
    def crash(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("certifyclouds_license.cache.tempfile.mkstemp", crash)
    result = client.heartbeat("2.4.1")
    assert result.valid and not result.from_cache
    assert not Path(client.cache_path).exists()
    assert any("could not write" in r.getMessage() for r in caplog.records)
