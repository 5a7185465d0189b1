"""R2 under the emulator: what the differential test cannot see. Operations counted per
request and per kind, one fault switch, the fake clock, bytes kept under ``persist_to``, the
banner, multipart uploads counted and kept. Answers themselves are held to workerd by
tests/differential/test_r2_differential.py."""

from __future__ import annotations

import asyncio
import warnings
from pathlib import Path

import pytest
from workers_emulator import Emulator, ManualClock
from workers_emulator.bindings.r2 import bucket_path
from workers_emulator.server import banner

from tests.support.worker_files import worker_emulator

WORKER = """\
from urllib.parse import urlsplit

from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        path = urlsplit(request.url).path
        bucket = self.env.BUCKET
        if path == "/put":
            stored = await bucket.put("k", await request.text())
            return Response(str(int(stored.uploaded.getTime())))
        if path == "/get":
            found = await bucket.get("k")
            return Response("missing" if found is None else await found.text())
        if path == "/all":
            await bucket.head("k")
            await bucket.list()
            await bucket.delete(["k"])
            return Response("done")
        if path == "/multipart":
            upload = await bucket.createMultipartUpload("big")
            part = await upload.uploadPart(1, "only part")
            await upload.complete([part])
            other = await bucket.createMultipartUpload("dropped")
            await other.abort()
            return Response(await (await bucket.get("big")).text())
        return Response("no route", status=404)
"""
CONFIG = '[[r2_buckets]]\nbinding = "BUCKET"\nbucket_name = "files"\n'


def _emulator(folder: Path, **kwargs: object) -> Emulator:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a provided binding warns of nothing
        return worker_emulator(folder, WORKER, CONFIG, **kwargs)


def test_each_operation_counts_once_by_kind(tmp_path: Path) -> None:
    with _emulator(tmp_path) as emulator:
        client = emulator.test_client()
        assert client.post("/put", content=b"v").kv_ops["BUCKET"].writes == 1
        counts = client.get("/all").kv_ops["BUCKET"]
        assert (counts.reads, counts.lists, counts.deletes, counts.writes) == (1, 1, 1, 0)
        assert emulator.r2("BUCKET").counters.total == 4


def test_an_injected_fault_is_r2s_internal_error_and_changes_nothing(tmp_path: Path) -> None:
    with _emulator(tmp_path) as emulator:
        emulator.inject_faults(1.0, ops=("write",))
        response = emulator.test_client().post("/put", content=b"v")
        assert response.status_code == 500
        assert "Error: put: We encountered an internal error. Please try again. (10001)" in (
            response.text
        )
        emulator.inject_faults(0.0)
        assert emulator.test_client().get("/get").text == "missing"


def test_uploaded_follows_the_fake_clock(tmp_path: Path) -> None:
    clock = ManualClock(start=1_800_000_000.0)
    with _emulator(tmp_path, clock=clock) as emulator:
        assert emulator.test_client().post("/put", content=b"v").text == "1800000000000"


def test_objects_persist_on_disk_across_restarts(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with _emulator(tmp_path, persist_to=state) as emulator:
        emulator.test_client().post("/put", content=b"kept bytes")
    assert bucket_path(state, "files").is_file()
    with _emulator(tmp_path, persist_to=state) as emulator:
        assert emulator.test_client().get("/get").text == "kept bytes"


def test_a_multipart_upload_counts_its_writes_and_persists(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with _emulator(tmp_path, persist_to=state) as emulator:
        response = emulator.test_client().get("/multipart")
        assert response.text == "only part"
        counts = response.kv_ops["BUCKET"]
        # create, uploadPart, complete, create; abort is a delete; the get a read.
        assert (counts.writes, counts.deletes, counts.reads) == (4, 1, 1)
    with _emulator(tmp_path, persist_to=state) as emulator:
        assert emulator.test_client().get("/get").text == "missing"  # "k" was never put
        assert asyncio.run(_text(emulator, "big")) == "only part"


async def _text(emulator: Emulator, key: str) -> str:
    found = await emulator.r2("BUCKET").get(key)
    assert found is not None
    return str(await found.text())


def test_the_banner_lists_the_bucket_as_local(tmp_path: Path) -> None:
    with _emulator(tmp_path) as emulator:
        # As wrangler shows it: the binding, the bucket's name, the kind, local.
        rows = [line for line in banner(emulator) if line.startswith("env.BUCKET (files) ")]
        assert len(rows) == 1 and "R2 Bucket" in rows[0] and rows[0].endswith("local")


@pytest.mark.parametrize("name", ["../escape", ".hidden"])
def test_a_bucket_name_that_is_not_a_file_name_is_a_config_error(tmp_path: Path, name: str) -> None:
    from workers_emulator.config import ConfigError

    with pytest.raises(ConfigError, match="not usable as a file name"):
        worker_emulator(
            tmp_path, WORKER, f'[[r2_buckets]]\nbinding = "B"\nbucket_name = "{name}"\n'
        )
