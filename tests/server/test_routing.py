"""Routes: literal text around their ``{name}`` segments, which capture one path segment."""

from __future__ import annotations

import pytest

from license_server import app


@pytest.mark.parametrize(
    "path",
    ["/Xwell-known/jwksYjson", "/.well-known/jwksXjson", "/openapiXjson", "/.well-known/jwks"],
)
def test_a_dot_in_a_route_is_a_dot(path: str) -> None:
    assert app._resolve(path) is None


@pytest.mark.parametrize("path", ["/v1/validate", "/healthz", "/.well-known/jwks.json"])
def test_a_fixed_path_resolves_to_its_own_route(path: str) -> None:
    resolved = app._resolve(path)
    assert resolved is not None and (resolved[0].pattern, resolved[1]) == (path, {})


def test_a_segment_is_captured_and_never_spans_a_slash() -> None:
    resolved = app._resolve("/v1/admin/licenses/" + "ab" * 16 + "/validations")
    assert resolved is not None and resolved[1] == {"id": "ab" * 16}
    assert app._resolve("/v1/admin/licenses/a/b") is None
    assert app._resolve("/v1/admin/licenses//validations") is None
