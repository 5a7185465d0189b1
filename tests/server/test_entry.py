"""entry.py's conversions, for request shapes the emulator does not produce itself."""

from __future__ import annotations

import asyncio
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from workers_emulator.isolate import standin_workers_module

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture
def entry() -> Iterator[ModuleType]:
    with standin_workers_module():
        sys.modules.pop("entry", None)
        if str(SRC) not in sys.path:
            sys.path.insert(0, str(SRC))
        module = importlib.import_module("entry")
        yield module
        sys.modules.pop("entry", None)


class JsNullLike:
    """Pyodide's ``jsnull``: not None, and without a reader."""

    def __bool__(self) -> bool:
        return False


class RawJsRequest:
    """What a bare JavaScript Request looks like from Python: plain strings, pair iteration."""

    method = "POST"
    url = "https://license.certifyclouds.com/v1/validate?x=1&x=2"
    headers = [("Content-Type", "application/json"), ("CF-Connecting-IP", "192.0.2.1")]
    body = JsNullLike()


def test_a_null_body_reads_as_empty(entry: Any) -> None:
    assert asyncio.run(entry._read_capped_body(None)) == b""
    assert asyncio.run(entry._read_capped_body(JsNullLike())) == b""


def test_a_raw_javascript_request_converts(entry: Any) -> None:
    plain = asyncio.run(entry._plain_request(RawJsRequest()))
    assert plain.method == "POST"
    assert plain.path == "/v1/validate"
    assert plain.query == {"x": "1"}
    assert plain.headers["content-type"] == "application/json"
    assert plain.client_ip == "192.0.2.1"
    assert plain.body == b""


def test_an_unknown_method_becomes_a_placeholder(entry: Any) -> None:
    class Weird:
        @property
        def method(self) -> Any:
            raise KeyError("FOO")

    assert entry._method(Weird()) == "UNKNOWN"
