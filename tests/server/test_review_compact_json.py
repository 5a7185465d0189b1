"""compact_encoder falls back to json's public encoder whenever the C fast path is not usable.

The fast path calls ``json.encoder.c_make_encoder`` (an implementation detail of CPython's
``_json``); Pyodide or a future CPython may lack it, change its arguments or its output.
"""

from __future__ import annotations

import json
from json import encoder as json_encoder
from typing import Any

import pytest

from license_server.compact_json import compact_encoder

VALUE = {"b": [1, 2.5, None, True, "é\u2028"], "a": {"c": -3}, "": ""}


def _expected(ensure_ascii: bool) -> str:
    return json.dumps(VALUE, separators=(",", ":"), ensure_ascii=ensure_ascii)


def _is_public_fallback(encode: Any) -> bool:
    return isinstance(getattr(encode, "__self__", None), json.JSONEncoder)


@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_the_fast_path_is_taken_where_c_make_encoder_works(ensure_ascii: bool) -> None:
    if json_encoder.c_make_encoder is None:
        pytest.skip("this interpreter has no _json accelerator")
    encode = compact_encoder(ensure_ascii=ensure_ascii)
    assert not _is_public_fallback(encode)
    assert encode(VALUE) == _expected(ensure_ascii)


_REAL_C_MAKE_ENCODER = json_encoder.c_make_encoder


def _as_json_calls_it(markers: Any, *args: Any) -> Any:
    # json's own JSONEncoder.iterencode passes a markers dict: it keeps working throughout.
    assert _REAL_C_MAKE_ENCODER is not None
    return _REAL_C_MAKE_ENCODER(markers, *args)


def _other_signature(markers: Any, *args: Any) -> Any:
    if markers is None:  # compact_encoder's call: an interpreter that wants other arguments
        raise TypeError("c_make_encoder() argument 1 must be dict")
    return _as_json_calls_it(markers, *args)


def _wrong_output(markers: Any, *args: Any) -> Any:
    if markers is None:  # compact_encoder's call: an encoder whose text differs
        return lambda value, level: iter(["{}"])
    return _as_json_calls_it(markers, *args)


@pytest.mark.parametrize("stand_in", [None, _other_signature, _wrong_output])
@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_public_encoder_when_the_c_encoder_is_missing_different_or_wrong(
    monkeypatch: pytest.MonkeyPatch, stand_in: Any, ensure_ascii: bool
) -> None:
    if stand_in is not None and _REAL_C_MAKE_ENCODER is None:
        pytest.skip("this interpreter has no _json accelerator")
    monkeypatch.setattr(json_encoder, "c_make_encoder", stand_in)
    encode = compact_encoder(ensure_ascii=ensure_ascii)
    assert _is_public_fallback(encode)
    assert encode(VALUE) == _expected(ensure_ascii)
