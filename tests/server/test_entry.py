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
        # First on the path: an emulator loaded earlier put its own Worker's folder there.
        if str(SRC) in sys.path:
            sys.path.remove(str(SRC))
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


@pytest.mark.parametrize(
    "pairs",
    [
        [("Content-Type", "application/json"), ("CF-Connecting-IP", "192.0.2.1")],
        [("X-Dup", "a"), ("x-dup", "b"), ("Authorization", "  Bearer t  ")],
        [("Set-Cookie", "a=1"), ("set-cookie", "b=2"), ("Accept", "*/*")],
        [],
    ],
)
def test_headers_come_from_js_object_as_the_sdk_mapping_gives_them(
    entry: Any, pairs: list[tuple[str, str]]
) -> None:
    """The JavaScript Headers are read directly; the answer is what the SDK's HTTPMessage
    copy (``request.headers``) gives: same names, joined duplicates, stripped values."""
    from workers import Request

    request = Request._incoming("https://h.example/v1/validate", "POST", pairs, None, None)
    via_sdk = {name.lower(): value for name, value in request.headers.items()}
    assert entry._headers(request) == via_sdk
    assert request.js_object.headers is request.js_object.headers  # JavaScript's live object
