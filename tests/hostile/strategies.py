"""Hypothesis strategies shared by the property tests: JSON values, stats payloads, versions."""

from __future__ import annotations

import json
import string
from typing import Any

from hypothesis import strategies as st

_KEY_FIRST = string.ascii_letters
_KEY_REST = string.ascii_letters + string.digits + "_.-"

valid_stats_keys = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from(_KEY_FIRST),
    st.text(alphabet=_KEY_REST, max_size=63),
)
# Near misses of the key pattern next to arbitrary text, so both branches are reached often.
near_miss_keys = st.one_of(
    st.just(""),
    st.sampled_from(["1a", "_a", ".a", "-a", "a b", "a/b", "a\n", "é", "aé", "a\u0660", "A" * 65]),
    st.builds(lambda k: k + "!", valid_stats_keys),
    st.text(max_size=70),
)
stats_keys = st.one_of(valid_stats_keys, near_miss_keys)

counts = st.one_of(
    st.integers(min_value=0, max_value=2**53 - 1),
    st.sampled_from([0, 1, 2**53 - 1, 2**53, 2**63, -1, -(2**53)]),
)
near_miss_values = st.one_of(
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, 1.0, -0.0, 1e300]),
    st.integers(),
    st.text(max_size=8),
)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)


def json_values(max_leaves: int = 30) -> st.SearchStrategy[Any]:
    """Any JSON value (finite numbers, no lone surrogates: what a conforming encoder emits)."""
    return st.recursive(
        json_scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=5),
            st.dictionaries(stats_keys, children, max_size=5),
        ),
        max_leaves=max_leaves,
    )


# Stats-shaped objects: mostly valid, with a few wrong values or keys mixed in.
stats_like = st.dictionaries(
    stats_keys,
    st.one_of(
        counts,
        near_miss_values,
        st.dictionaries(stats_keys, st.one_of(counts, near_miss_values), max_size=4),
        st.lists(counts, max_size=3),
    ),
    max_size=8,
)


@st.composite
def stats_near_size_limit(draw: st.DrawFn) -> dict[str, Any]:
    """Valid-looking stats whose serialised size lands within a few bytes of 4096."""
    target = draw(st.integers(min_value=4080, max_value=4110))
    stats: dict[str, Any] = {}
    index = 0
    # Fill with 60-character keys until the remainder is small, then pad one last key.
    while True:
        size = len(json.dumps(stats, separators=(",", ":")).encode())
        remaining = target - size
        if remaining < 80:
            break
        stats[f"k{index:04d}".ljust(60, "x")] = 1
        index += 1
    # One more entry `,"<key>":1` costs len(key) + 5 bytes (+0 if the object was empty: no comma).
    overhead = 4 if not stats else 5
    key_len = max(1, min(64, remaining - overhead))
    if draw(st.booleans()):
        stats["z" * key_len] = 1
    else:
        # The same byte count spent on two-byte characters: the size counts UTF-8 bytes, not
        # characters, and such a key is invalid, which pins "too large" before "invalid".
        stats["\u00e9" * (key_len // 2) + "z" * (key_len % 2)] = 1
    return stats


@st.composite
def semvers(draw: st.DrawFn) -> str:
    """Valid SemVer 2.0.0 strings of at most 64 characters, biased to collide on the core."""
    number = st.one_of(st.integers(0, 3), st.integers(0, 10**6))
    core = ".".join(str(draw(number)) for _ in range(3))
    identifier = st.one_of(
        st.integers(0, 20).map(str),
        st.sampled_from(["alpha", "beta", "rc", "a", "b", "A", "Z", "0a", "a0", "-", "x-y"]),
        st.text(alphabet=string.ascii_letters + string.digits + "-", min_size=1, max_size=5).filter(
            lambda s: not (s.isdigit() and len(s) > 1 and s[0] == "0")
        ),
    )
    text = core
    if draw(st.booleans()):
        text += "-" + ".".join(draw(st.lists(identifier, min_size=1, max_size=4)))
    if draw(st.integers(0, 3)) == 0:
        build = st.text(alphabet=string.ascii_letters + string.digits + "-", min_size=1, max_size=4)
        text += "+" + ".".join(draw(st.lists(build, min_size=1, max_size=2)))
    return text[:64] if len(text) <= 64 else core
