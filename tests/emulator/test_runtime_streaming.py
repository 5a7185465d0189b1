"""Request bodies reach the Worker lazily: nothing is read before the Worker asks."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from workers_emulator import Emulator

CONFIG = Path(__file__).parent / "workers" / "minimal" / "wrangler.toml"


class Source:
    """An upload that records how much was pulled from it."""

    def __init__(self, chunks: int, size: int = 64 * 1024) -> None:
        self.chunks, self.size = chunks, size
        self.pulled = 0
        self.closed = False

    async def __aiter__(self):
        try:
            for _ in range(self.chunks):
                self.pulled += 1
                yield b"x" * self.size
        finally:
            self.closed = True


@pytest.fixture(scope="module")
def emu() -> Emulator:
    return Emulator(CONFIG)


def test_worker_reads_one_chunk_and_refuses(emu) -> None:
    source = Source(chunks=16 * 1024)  # 1 GiB if it were all read
    body = source.__aiter__()
    r = asyncio.run(emu.fetch("POST", "/stream-head", {"content-length": str(1 << 30)}, body))
    assert (r.status_code, r.text) == (413, f"first chunk {64 * 1024}")
    assert source.pulled == 1  # no read-ahead
    assert source.closed  # cancel() closed the upload


def test_a_declared_size_can_be_refused_without_reading(emu) -> None:
    source = Source(chunks=16 * 1024)
    r = asyncio.run(
        emu.fetch("POST", "/declared", {"content-length": str(1 << 30)}, source.__aiter__())
    )
    assert r.status_code == 413 and source.pulled == 0


def test_text_reads_every_chunk(emu) -> None:
    source = Source(chunks=3, size=5)
    r = asyncio.run(emu.fetch("POST", "/echo", {}, source.__aiter__()))
    assert r.json()["body"] == "x" * 15 and source.pulled == 3


def test_empty_chunks_are_skipped(emu) -> None:
    async def chunks():
        for part in (b"", b"ab", b"", b"c"):
            yield part

    r = asyncio.run(emu.fetch("POST", "/echo", {}, chunks()))
    assert r.json()["body"] == "abc"
