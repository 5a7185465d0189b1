"""A Worker's outbound ``fetch()`` (``workers.fetch``) reaches a real origin, here one on
127.0.0.1, and answers with the stand-in SDK's ``Response``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from workers_emulator import Emulator, JsException
from workers_emulator.runtime.workers import Response

from tests.support.origin import origin_server
from tests.support.worker_files import worker_emulator

WORKER = """
    import json
    from workers import Response, WorkerEntrypoint, fetch

    class Default(WorkerEntrypoint):
        async def fetch(self, request):
            target = request.headers.get("x-target")
            options = json.loads(request.headers.get("x-options") or "{}")
            try:
                answer = await fetch(target, **options)
            except Exception as exc:
                return Response(f"{type(exc).__name__}: {exc}", status=502)
            body = await answer.text()
            return Response.json({
                "status": answer.status,
                "ok": answer.ok,
                "url": answer.url,
                "type": type(answer).__name__,
                "content_type": answer.headers.get("content-type"),
                "origin": answer.headers.get("x-origin"),
                "location": answer.headers.get("location"),
                "body": body,
            })
"""


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    with origin_server() as url:
        yield url


@pytest.fixture
def emu(tmp_path: Path) -> Emulator:
    return worker_emulator(tmp_path, WORKER)


def _fetch(emu: Emulator, target: str, options: str = "{}") -> dict:
    with emu.test_client() as client:
        r = client.get("/", headers={"x-target": target, "x-options": options})
    assert r.status_code == 200, r.text
    return r.json()


def test_a_get_reaches_the_origin_and_its_answer_is_a_stand_in_response(emu, origin) -> None:
    seen = _fetch(emu, f"{origin}/hello")
    assert seen["status"] == 200 and seen["ok"] is True
    assert seen["type"] == "Response"
    assert seen["body"] == "hello from the origin"
    assert seen["origin"] == "local" and seen["content_type"] == "text/plain"


def test_method_headers_and_body_go_out_as_given(emu, origin) -> None:
    options = '{"method": "PUT", "headers": {"x-one": "1"}, "body": "payload"}'
    echoed = json.loads(_fetch(emu, f"{origin}/echo", options)["body"])
    assert echoed["method"] == "PUT"
    assert echoed["headers"]["x-one"] == "1"
    assert echoed["headers"]["content-type"] == "text/plain;charset=UTF-8"
    assert echoed["body"] == "payload"


def test_redirects_are_followed_by_default_and_kept_with_manual(emu, origin) -> None:
    followed = _fetch(emu, f"{origin}/redirect?to=/hello")
    assert (followed["status"], followed["body"]) == (200, "hello from the origin")
    assert followed["url"] == f"{origin}/hello"
    manual = _fetch(emu, f"{origin}/redirect?to=/hello", '{"redirect": "manual"}')
    assert (manual["status"], manual["location"]) == (302, "/hello")


def test_error_statuses_are_answers_not_exceptions(emu, origin) -> None:
    seen = _fetch(emu, f"{origin}/status/503")
    assert (seen["status"], seen["ok"], seen["body"]) == (503, False, "status")


def test_an_unreachable_origin_is_a_js_error(emu, tmp_path) -> None:
    from tests.support.devserver import free_port

    with emu.test_client() as client:
        r = client.get("/", headers={"x-target": f"http://127.0.0.1:{free_port()}/"})
    assert r.status_code == 502
    assert r.text == "JsException: Error: Network connection lost."


def test_redirect_error_mode_is_refused_as_workerd_refuses_it(emu, origin) -> None:
    from workers_emulator.outbound import INVALID_REDIRECT_MESSAGE

    with emu.test_client() as client:
        r = client.get(
            "/",
            headers={"x-target": f"{origin}/redirect", "x-options": '{"redirect": "error"}'},
        )
    assert (r.status_code, r.text) == (502, f"JsException: TypeError: {INVALID_REDIRECT_MESSAGE}")


def test_the_hook_takes_a_request_object_and_refuses_a_body_on_get(origin) -> None:
    from workers_emulator import outbound
    from workers_emulator.runtime.workers import Request

    async def go() -> None:
        answer = await outbound.fetch(Request(f"{origin}/echo", method="POST", body="b"))
        assert isinstance(answer, Response)
        assert (await answer.json())["body"] == "b"
        with pytest.raises(JsException, match="GET or HEAD"):
            await outbound.fetch(f"{origin}/echo", body="x")
        await outbound.aclose_clients()

    asyncio.run(go())


PASS_THROUGH = """
    from workers import Response, WorkerEntrypoint, fetch

    class Default(WorkerEntrypoint):
        async def fetch(self, request):
            answer = await fetch(request.headers.get("x-target"))
            if request.headers.get("x-read") == "no":
                return Response(str(answer.status))  # the body is never read
            return answer
"""


def test_a_fetched_body_streams_through_unchanged(tmp_path: Path, origin: str) -> None:
    emu = worker_emulator(tmp_path, PASS_THROUGH)
    size = 3_000_000
    with emu.test_client() as client:
        r = client.get("/", headers={"x-target": f"{origin}/bytes?n={size}"})
    assert r.status_code == 200 and r.headers["content-length"] == str(size)
    assert r.content == bytes(i % 251 for i in range(size))


def test_bodies_left_unread_are_closed_when_the_request_ends(tmp_path: Path, origin: str) -> None:
    # More requests than the client's connection pool holds (100): a body left open for good
    # would hold its connection, and the request after the pool's size would wait forever.
    emu = worker_emulator(tmp_path, PASS_THROUGH)

    async def go() -> list[str]:
        answers = []
        for _ in range(130):
            r = await asyncio.wait_for(
                emu.fetch("GET", "/", {"x-target": f"{origin}/hello", "x-read": "no"}), 10
            )
            answers.append(r.text)
        return answers

    assert asyncio.run(go()) == ["200"] * 130
