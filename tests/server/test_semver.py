"""SemVer 2.0.0 parsing and precedence (the update check compares with it)."""

from __future__ import annotations

import itertools

import pytest

from license_server.semver import compare, parse_version

# SemVer 2.0.0 section 11's example chain, plus numeric-vs-lexical cases, ascending.
ASCENDING = [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "1.0.1",
    "1.2.0",
    "1.10.0",
    "2.0.0-0",
    "2.0.0-1",
    "2.0.0-a",
    "2.0.0",
    "10.0.0",
]


def test_precedence_chain() -> None:
    versions = [parse_version(v) for v in ASCENDING]
    assert all(v is not None for v in versions)
    for lower, higher in itertools.pairwise(versions):
        assert compare(lower, higher) == -1, (lower.text, higher.text)  # type: ignore[union-attr]
        assert compare(higher, lower) == 1  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("a", "b"), [("1.0.0+build.1", "1.0.0+other"), ("1.0.0-rc.1+x", "1.0.0-rc.1")]
)
def test_build_metadata_is_ignored(a: str, b: str) -> None:
    assert compare(parse_version(a), parse_version(b)) == 0  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "1.0.0",
        "0.0.0",
        "2.4.1",
        "1.0.0-alpha-a.b-c-somethinglong+build.1-aef.1-its-okay",
        "1.0.0-0A.is.legal",
        "1.0.0-x-y-z.--",
        "9" * 20 + ".0.0",
        "1." + "2" * 60 + ".3",  # 64 characters
    ],
)
def test_valid(text: str) -> None:
    assert len(text) <= 64
    assert parse_version(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1",
        "1.2",
        "v1.2.3",
        "01.2.3",
        "1.02.3",
        "1.2.03",
        "1.2.3-01",
        "1.2.3-",
        "1.2.3+",
        "1.2.3-a..b",
        "1.2.3 ",
        "1.2.3\n",
        "1.2.3-\u03b1",  # Greek alpha
        "\u0661.\u0662.\u0663",  # Arabic-Indic digits
        "1." + "2" * 61 + ".3",  # 65 characters
        None,
        123,
    ],
)
def test_invalid(text: object) -> None:
    assert parse_version(text) is None
