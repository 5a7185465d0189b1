"""The JavaScript ``Headers`` stand-in: iteration in JavaScript's order (sorted names, repeats
joined, Set-Cookie apart), values trimmed, invalid names and values refused on every path in
(constructor from a dict or a list, ``extend``, ``append``, ``set``), and the SDK's
``HTTPMessage`` copy."""

from __future__ import annotations

from typing import Any

import pytest
from workers_emulator.errors import JsException
from workers_emulator.runtime.workers._headers import JsHeaders
from workers_emulator.runtime.workers.utils import _js_headers_to_http_message


def test_iteration_sorts_names_and_joins_repeats_but_not_set_cookie() -> None:
    headers = JsHeaders(
        [
            ("X-B", "2"),
            ("set-cookie", "a=1"),
            ("x-a", "1"),
            ("X-b", "3"),
            ("Set-Cookie", "b=2"),
        ]
    )
    assert list(headers) == [
        ("set-cookie", "a=1"),
        ("set-cookie", "b=2"),
        ("x-a", "1"),
        ("x-b", "2, 3"),
    ]


def test_iteration_without_repeats_is_the_sorted_pairs() -> None:
    headers = JsHeaders({"Zeta": "z", "alpha": "a", "set-cookie": "s=1", "Mid": "m"})
    assert list(headers) == [("alpha", "a"), ("mid", "m"), ("set-cookie", "s=1"), ("zeta", "z")]
    assert list(JsHeaders()) == []


def test_iteration_is_repeatable_and_sees_later_changes() -> None:
    headers = JsHeaders({"a": "1"})
    assert list(headers) == list(headers) == [("a", "1")]
    headers.append("a", "2")
    assert list(headers) == [("a", "1, 2")]
    headers.delete("a")
    assert list(headers) == []


@pytest.mark.parametrize(
    "pairs",
    [
        [("b", "1"), ("a", "2")],
        [("b", "1"), ("a", "2"), ("B", "3")],
        [("set-cookie", "x=1"), ("Set-Cookie", "y=2"), ("a", "z")],
        [("set-cookie", "x=1"), ("a", "z")],
        [],
    ],
)
def test_headers_iterate_as_the_grouping_pass_does(pairs: list[tuple[str, str]]) -> None:
    headers = JsHeaders(pairs)
    assert list(headers) == list(headers._grouped_iter())


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("  padded\t", "padded"),
        ("inner\ttab", "inner\ttab"),  # not printable, yet allowed
        ("del\x7fchar", "del\x7fchar"),
        ("caf\u00e9", "caf\u00e9"),
        (42, "42"),
    ],
)
def test_values_are_trimmed_and_kept_as_given(value: object, stored: str) -> None:
    for headers in (JsHeaders({"x": value}), JsHeaders([("x", value)])):
        assert headers.raw_items() == [("x", stored)]
    one = JsHeaders()
    one.append("x", value)  # type: ignore[arg-type]
    assert one.raw_items() == [("x", stored)]


@pytest.mark.parametrize(
    "value",
    [" a ", "\x85x", "a\u00a0b", "line\u2028sep", "tab\tinside", "\x7f", "é", 12, None],
)
def test_header_values_extend_and_append_agree(value: Any) -> None:
    by_extend = JsHeaders([("x-v", value)])
    by_append = JsHeaders()
    by_append.append("x-v", value)
    assert by_extend.raw_items() == by_append.raw_items()


@pytest.mark.parametrize("value", ["a\rb", "a\nb", "a\0b", "\r\n x \0"])
def test_values_with_cr_lf_or_nul_are_refused_on_every_path(value: str) -> None:
    for build in (
        lambda: JsHeaders({"x": value}),
        lambda: JsHeaders([("x", value)]),
        lambda: JsHeaders().extend([("x", value)]),
        lambda: JsHeaders().append("x", value),
        lambda: JsHeaders().set("x", value),
    ):
        with pytest.raises(JsException, match=r"^TypeError: Invalid header value\.$"):
            build()


@pytest.mark.parametrize("name", ["bad name", "", "caf\u00e9", 7])
def test_bad_names_are_refused_on_every_path(name: object) -> None:
    for build in (
        lambda: JsHeaders({name: "v"}),
        lambda: JsHeaders([(name, "v")]),
        lambda: JsHeaders().append(name, "v"),  # type: ignore[arg-type]
    ):
        with pytest.raises(JsException, match=r"^TypeError: Invalid header name\.$"):
            build()


def test_has_answers_for_any_spelling() -> None:
    headers = JsHeaders([("Content-Type", "a"), ("X-One", "1")])
    assert headers.has("content-type") and headers.has("CONTENT-TYPE") and headers.has("x-one")
    assert not headers.has("x-two")
    assert not JsHeaders().has("x")


def test_http_message_copy_matches_the_iteration() -> None:
    headers = JsHeaders([("b", "2"), ("a", "1"), ("b", "3")])
    message = _js_headers_to_http_message(headers)
    assert message.items() == [("a", "1"), ("b", "2, 3")]
    message["c"] = "x"  # a copy: the JS headers are unchanged
    assert headers.raw_items() == [("b", "2"), ("a", "1"), ("b", "3")]
