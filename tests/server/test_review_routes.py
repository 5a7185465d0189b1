"""Route resolution: the exact-path table answers what trying each route's regex in order does."""

from __future__ import annotations

import re

import pytest

from license_server import app


def _first_regex_match(path: str) -> tuple[str, dict[str, str]] | None:
    for route in app.ROUTES:
        match = route.matcher.fullmatch(path)
        if match is not None:
            return route.pattern, match.groupdict()
    return None


def _resolved(path: str) -> tuple[str, dict[str, str]] | None:
    resolved = app._resolve(path)
    return None if resolved is None else (resolved[0].pattern, resolved[1])


def _paths() -> list[str]:
    paths = ["/", "", "/v1", "/v1/", "/nope", "/v1/admin/licenses/", "/v1/admin/licenses//x"]
    for route in app.ROUTES:
        filled = re.sub(r"\{\w+\}", "0123456789abcdef0123456789abcdef", route.pattern)
        paths += [route.pattern, filled, filled + "/", filled.upper(), "/x" + filled]
        # Patterns are regexes: an unescaped "." also matches another character.
        paths.append(filled.replace(".", "X"))
    return paths


@pytest.mark.parametrize("path", _paths())
def test_resolve_answers_as_the_regexes_in_order(path: str) -> None:
    assert _resolved(path) == _first_regex_match(path)


def test_the_heartbeat_path_is_in_the_exact_table() -> None:
    assert app._EXACT_PATHS["/v1/validate"].pattern == "/v1/validate"


@pytest.mark.parametrize(
    "path",
    ["/Xwell-known/jwksYjson", "/.well-known/jwksXjson", "/openapiXjson", "/.well-known/jwks"],
)
def test_a_dot_in_a_route_is_a_dot(path: str) -> None:
    """Route patterns are literal text around their "{name}" segments: a "." matches only "."."""
    assert app._resolve(path) is None


def test_routes_still_capture_their_segments() -> None:
    resolved = app._resolve("/v1/admin/licenses/" + "ab" * 16 + "/validations")
    assert resolved is not None and resolved[1] == {"id": "ab" * 16}
