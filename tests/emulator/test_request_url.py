"""The request URL the dev server hands a Worker, part by part, as workerd builds it (the
cases are workerd's own answers under wrangler dev 4.86; the differential test sends them)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from workers_emulator.requesturl import (
    InvalidRequestTarget,
    normalise_path,
    normalise_query,
    parse_host,
    resolve_path,
)


@pytest.mark.parametrize(
    ("raw", "pathname"),
    [
        (b"/v1/x/../admin/licenses", "/v1/admin/licenses"),
        (b"/./healthz", "/healthz"),
        (b"/a/%2e%2E/b", "/b"),
        (b"/a/b/..", "/a/"),
        (b"/../../etc", "/etc"),
        (b"//double//slash", "//double//slash"),
        (b"/x\\y", "/x/y"),
        (b"/%7e/%41", "/%7e/%41"),
        (b"/a%0D%0Afake", "/a%0D%0Afake"),
        (b"/a\r\nb", "/a%0D%0Ab"),
        (b"/\xc3\xa9", "/%C3%A9"),
        (b'/p<>"`{}|', "/p%3C%3E%22%60%7B%7D|"),
        (b"/.well-known/jwks.json", "/.well-known/jwks.json"),
        (b"/v1/validate", "/v1/validate"),
    ],
)
def test_paths_are_resolved_and_escaped_as_workerd_does(raw: bytes, pathname: str) -> None:
    assert normalise_path(raw) == pathname


@pytest.mark.parametrize("raw", [b"", b"*", b"noslash", b"http://x/"])
def test_a_target_that_is_not_a_path_is_refused(raw: bytes) -> None:
    with pytest.raises(InvalidRequestTarget):
        normalise_path(raw)


@given(st.binary(max_size=40).map(lambda b: b"/" + b))
def test_the_quick_path_answers_what_the_long_way_does(raw: bytes) -> None:
    assert normalise_path(raw) == resolve_path(raw)


@given(st.lists(st.sampled_from(["a", ".", "..", "%2e", "%2E.", "", "b"]), max_size=8))
def test_no_dot_segment_survives(segments: list[str]) -> None:
    resolved = normalise_path(("/" + "/".join(segments)).encode())
    assert not {".", "..", "%2e", "%2e."} & {s.lower() for s in resolved.split("/")}


def test_the_query_is_escaped_as_a_special_urls() -> None:
    assert normalise_query(b"a=%0D%0A&b=<>\"'`") == "a=%0D%0A&b=%3C%3E%22%27`"


@pytest.mark.parametrize(
    ("header", "host"),
    [
        ("example.com", "example.com"),
        ("EXAMPLE.com.", "example.com."),
        ("example.com:80", "example.com"),
        ("example.com:", "example.com"),
        ("example.com:8787", "example.com:8787"),
        ("[::1]:8787", "[::1]:8787"),
        ("[0:0::1]", "[::1]"),
        ("under_score.example", "under_score.example"),
        ("bücher.example", "xn--bcher-kva.example"),
    ],
)
def test_hosts_are_read_as_a_url_reads_them(header: str, host: str) -> None:
    assert parse_host(header) == host


@pytest.mark.parametrize(
    "header",
    [
        "",
        "[",
        "[::1",
        "[nope]",
        "x/v1/admin",
        "ex ample.com",
        "example.com:99999",
        "a:b:c",
        "user@example.com",
        "a%41.example",
        "x?y",
        "x#y",
        "x\\y",
    ],
)
def test_what_is_not_a_host_is_refused(header: str) -> None:
    with pytest.raises(InvalidRequestTarget):
        parse_host(header)
