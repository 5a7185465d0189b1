"""The bench's JavaScript twin does what the Python Worker does, so that comparing the two
servers' throughput compares runtimes, not workloads.

From the same KV state (the Python Worker's own entries, copied), each heartbeat case goes to
the twin under ``wrangler dev`` (real workerd) and to the Python Worker under the emulator: the
answers must agree (lease included, checked against the Worker's JWKS) and so must what each
wrote to KV.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest

from bench import twin
from bench.cases import REFUSED_STATS, STATS, VERSION
from bench.inprocess import unknown_keys

pytestmark = pytest.mark.skipif(twin.unavailable() is not None, reason=str(twin.unavailable()))

# The validation entry's last part is random; its reversed epoch may differ by the second.
VALIDATION = re.compile(r"^(validation:[0-9a-f]{32}):\d{10}:[0-9a-f]{4}$")


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, list[str], str]]:
    emu, keys = twin.python_worker(3)
    with twin.twin_server(tmp_path_factory.mktemp("twin")) as (url, _pgid):
        twin.seed(url, twin.kv_entries(emu))
        yield emu, keys, url


def _python(emu: Any, method: str, path: str, body: Any = None) -> httpx.Response:
    client = emu.test_client()
    headers = {"cf-connecting-ip": "2001:db8::1"}
    if method == "POST":
        return client.post(path, json=body, headers=headers)
    return client.get(path, headers=headers)


def _twin(url: str, method: str, path: str, body: Any = None) -> httpx.Response:
    return httpx.request(method, f"{url}{path}", json=body, timeout=30)


def _same_lease(python: str, js: str, jwks: dict[str, Any]) -> None:
    key = jwt.PyJWK(jwks["keys"][0]).key
    claims = [jwt.decode(t, key, algorithms=["EdDSA"]) for t in (python, js)]
    assert claims[0]["sub"] == claims[1]["sub"] and claims[0]["code"] == claims[1]["code"]
    for name in ("iat", "exp"):
        assert abs(claims[0][name] - claims[1][name]) <= 1
    assert [jwt.get_unverified_header(t) for t in (python, js)] == [
        {"alg": "EdDSA", "kid": jwks["keys"][0]["kid"], "typ": "JWT"}
    ] * 2


def _comparable(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k not in ("lease", "checked_at")}


@pytest.mark.parametrize(
    ("name", "extra"),
    [("no stats", {}), ("stats", {"stats": STATS}), ("refused stats", {"stats": REFUSED_STATS})],
)
def test_heartbeats_answer_alike(
    both: tuple[Any, list[str], str], name: str, extra: dict[str, Any]
) -> None:
    emu, keys, url = both
    body = {"license_key": keys[0], "version": VERSION, **extra}
    python, js = (
        _python(emu, "POST", "/v1/validate", body),
        _twin(url, "POST", "/v1/validate", body),
    )
    assert python.status_code == js.status_code == 200
    assert _comparable(js.json()) == _comparable(python.json())
    jwks = _python(emu, "GET", "/.well-known/jwks.json").json()
    _same_lease(python.json()["lease"], js.json()["lease"], jwks)


def test_unknown_key_and_update_check_answer_alike(both: tuple[Any, list[str], str]) -> None:
    emu, _keys, url = both
    body = {"license_key": unknown_keys(1)[0], "version": VERSION}
    python, js = (
        _python(emu, "POST", "/v1/validate", body),
        _twin(url, "POST", "/v1/validate", body),
    )
    assert python.status_code == js.status_code == 404
    assert js.json()["error"]["code"] == python.json()["error"]["code"] == "license_not_found"
    path = f"/v1/update-check?version={VERSION}"
    python, js = _python(emu, "GET", path), _twin(url, "GET", path)
    assert python.status_code == js.status_code == 200
    assert js.json() == python.json()


def _shape(entries: list[dict[str, Any]], now: float) -> list[tuple[Any, ...]]:
    """Entries with the validation entry's time and random parts masked, TTLs made relative."""
    out = []
    for e in entries:
        key = e["key"]
        match = VALIDATION.match(key)
        if match:
            # Written "now" with a 90-day TTL: only its relative expiration is comparable.
            out.append((match.group(1), round((e["expiration"] - now) / 86400), None, None))
            continue
        value = e["value"]
        if key.startswith("stats:"):
            value = re.sub(r'"received_at":"[^"]+"', '"received_at":"-"', value)
        out.append(
            (key, e["expiration"], value, None if key.startswith("stats:") else e["metadata"])
        )
    return sorted(out)


def test_heartbeat_writes_alike(both: tuple[Any, list[str], str]) -> None:
    emu, keys, url = both
    body = {"license_key": keys[1], "version": VERSION, "stats": STATS}
    before = emu.kv_counters("LICENSE_KV")
    assert _python(emu, "POST", "/v1/validate", body).status_code == 200
    after = emu.kv_counters("LICENSE_KV")
    assert _twin(url, "POST", "/v1/validate", body).status_code == 200
    now = time.time()
    python = _shape(twin.kv_entries(emu), now)
    js = _shape(httpx.get(f"{url}/__bench/entries", timeout=30).json(), now)
    assert [k for k in js if k[0].startswith("stats:")] != []
    assert js == python
    # What the twin had to match: the Worker's one read and two writes (release cached).
    assert (after.reads - before.reads, after.writes - before.writes) == (1, 2)
