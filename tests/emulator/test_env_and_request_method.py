"""``self.env`` reads its bindings as attributes (a missing one is an AttributeError naming it,
a write stays in the isolate), and ``Request.method`` is the ``HTTPMethod`` member, or the
enum's own KeyError for a method it does not know."""

from __future__ import annotations

import pytest
from workers_emulator.runtime.workers._context import Env


def test_env_reads_its_bindings_keeps_writes_and_refuses_missing_names() -> None:
    bindings = {"B_VAR": "b", "A_KV": 1}
    env = Env(bindings)
    assert (env.B_VAR, env.A_KV, getattr(env, "MISSING", None)) == ("b", 1, None)
    with pytest.raises(AttributeError) as caught:
        env.MISSING  # noqa: B018
    assert caught.value.args == ("MISSING",)
    env.C_NEW = 3
    assert env.C_NEW == 3 and hasattr(env, "C_NEW") and not hasattr(env, "D")
    assert "C_NEW" not in bindings  # the caller's dict is not written
    assert dir(env) == ["A_KV", "B_VAR", "C_NEW"]
    assert repr(env) == "[object Object] (A_KV, B_VAR, C_NEW)"


def test_request_method_is_the_http_method_member_or_the_enums_key_error() -> None:
    from http import HTTPMethod

    from workers_emulator.runtime.workers.request import Request

    for name in HTTPMethod.__members__:
        request = Request._incoming("http://x/", name, [], None, None)
        assert request.method is HTTPMethod[name]
    for odd in ("patch", "FOO"):
        request = Request._incoming("http://x/", odd, [], None, None)
        with pytest.raises(KeyError) as caught:
            request.method  # noqa: B018
        assert caught.value.args == (odd,)
    assert Request._incoming("http://x/", "post", [], None, None).method is HTTPMethod.POST
