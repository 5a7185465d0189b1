"""Bindings.for_env reads an env object once and answers exactly what from_env would."""

from __future__ import annotations

import contextlib
import io
from types import SimpleNamespace

from license_server.context import Bindings


def _env(**values: object) -> SimpleNamespace:
    return SimpleNamespace(LICENSE_KV=object(), ADMIN_TOKEN="t", **values)


def _logged(call: object) -> tuple[object, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = call()  # type: ignore[operator]
    return result, out.getvalue()


def test_same_bindings_and_log_lines_as_from_env_on_every_request() -> None:
    env = _env(LEASE_TTL_SECONDS="-5", RELEASE_CACHE_SECONDS="soon")
    expected, expected_log = _logged(lambda: Bindings.from_env(env))
    assert expected_log.count("config_invalid") == 2
    for _ in range(3):  # the first reads env, the others reuse it: the same answer and lines
        bindings, log = _logged(lambda: Bindings.for_env(env))
        assert bindings == expected
        assert log == expected_log


def test_another_env_object_is_read_afresh() -> None:
    first = Bindings.for_env(_env(LEASE_TTL_SECONDS="60"))
    second_env = _env(LEASE_TTL_SECONDS="120", LEASE_SIGNING_KEY="k")
    second = Bindings.for_env(second_env)
    assert (first.lease_ttl_seconds, second.lease_ttl_seconds) == (60, 120)
    assert second == Bindings.from_env(second_env)
    assert Bindings.for_env(second_env) is second
