"""The reusable compact encoder writes exactly what ``json.dumps`` with compact separators does."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from license_server.compact_json import compact_encoder

_JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@pytest.mark.parametrize("ensure_ascii", [True, False])
@given(value=_JSON_VALUES)
def test_same_text_as_json_dumps(ensure_ascii: bool, value: Any) -> None:
    expected = json.dumps(value, separators=(",", ":"), ensure_ascii=ensure_ascii)
    assert compact_encoder(ensure_ascii=ensure_ascii)(value) == expected


@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_same_errors_as_json_dumps(ensure_ascii: bool) -> None:
    encode = compact_encoder(ensure_ascii=ensure_ascii)
    with pytest.raises(TypeError, match="not JSON serializable"):
        encode({"a": object()})
    # Past Python's int/str conversion limit: the stats check relies on this ValueError.
    with pytest.raises(ValueError):
        encode({"a": 10**5000})
    assert encode("\ud800") == json.dumps("\ud800", ensure_ascii=ensure_ascii)
