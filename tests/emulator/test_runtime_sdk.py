"""The stand-in ``workers`` classes behave as the SDK's do on the platform."""

from __future__ import annotations

import asyncio
import json
from http import HTTPMethod, HTTPStatus

import pytest
from workers_emulator import JsException
from workers_emulator.runtime.workers import Request, Response
from workers_emulator.runtime.workers._streams import ReadableStream


def run(coro):
    return asyncio.run(coro)


def body_of(response: Response) -> bytes:
    return run(response.bytes())


# -- Response ------------------------------------------------------------------------------


def test_static_json_means_from_json() -> None:
    r = Response.json({"a": [1, "é"]}, status=201)
    assert r.status == 201
    assert r.headers["content-type"] == "application/json"
    # The SDK serialises with json.dumps defaults.
    assert body_of(r) == json.dumps({"a": [1, "é"]}).encode()


def test_instance_json_reads_the_body() -> None:
    r = Response('{"x": 1}')
    assert run(r.json()) == {"x": 1}


def test_from_json_keeps_a_given_content_type() -> None:
    r = Response.from_json([1], headers={"Content-Type": "application/problem+json"})
    assert r.headers["content-type"] == "application/problem+json"
    assert r.status == HTTPStatus.OK


def test_text_body_gets_text_plain_bytes_get_none() -> None:
    assert Response("hi").headers["content-type"] == "text/plain;charset=UTF-8"
    assert "content-type" not in Response(b"\x00").headers
    assert Response(None).status == 200


def test_status_defaults_and_status_text() -> None:
    r = Response("x", status=HTTPStatus.ACCEPTED, status_text="Accepted!")
    assert (r.status, r.status_text, r.ok) == (202, "Accepted!", True)
    assert Response("x", status=404).ok is False


def test_null_body_status_refuses_a_body(capsys) -> None:
    assert Response(None, status=204).status == 204
    with pytest.raises(JsException) as info:
        Response("x", status=204)
    assert info.value.name == "TypeError"
    assert "null body status (101, 204, 205, or 304)" in info.value.message
    # workerd still accepts a zero-length body there, and warns (checked against wrangler dev).
    assert body_of(Response("", status=204)) == b""
    assert "zero-length body" in capsys.readouterr().err


def test_status_out_of_range_is_a_range_error() -> None:
    with pytest.raises(JsException) as info:
        Response("x", status=199)
    assert info.value.name == "RangeError"
    # from_json converts it to ValueError, as the SDK does.
    with pytest.raises(ValueError):
        Response.from_json({}, status=600)


def test_unsupported_body_type() -> None:
    with pytest.raises(TypeError, match="Unsupported type in Response: dict"):
        Response({"a": 1})  # type: ignore[arg-type]


def test_headers_are_a_fresh_http_message_each_time() -> None:
    r = Response("x", headers={"X-Thing": "1"})
    headers = r.headers
    assert headers["x-thing"] == "1" and headers.get("X-THING") == "1"
    assert headers["absent"] is None  # HTTPMessage semantics
    headers["x-added"] = "2"
    # As in the SDK: the copy is detached from the response.
    assert "x-added" not in r.headers


def test_invalid_header_is_refused_with_workerds_words() -> None:
    with pytest.raises(JsException, match=r"^TypeError: Invalid header name\.$"):
        Response("x", headers={"bad header": "1"})
    with pytest.raises(JsException, match=r"^TypeError: Invalid header value\.$"):
        Response("x", headers={"x": "a\r\nb"})
    # from_json converts the JS TypeError, as the SDK does.
    with pytest.raises(TypeError, match="Invalid header name"):
        Response.from_json({}, headers={"bad header": "1"})
    with pytest.raises(TypeError, match="unexpected type for headers"):
        Response("x", headers="x: 1")  # type: ignore[arg-type]
    assert Response("x", headers={"a": "  padded  "}).headers["a"] == "padded"


def test_redirect_is_the_javascript_response_as_in_the_sdk() -> None:
    r = Response.redirect("https://example.com/a", 301)
    assert r.constructor.name == "Response"
    assert r.status == 301 and r.headers.get("location") == "https://example.com/a"
    assert Response(r).headers["location"] == "https://example.com/a"
    with pytest.raises(ValueError, match="200 is not a redirect status code"):
        Response.redirect("https://example.com/", 200)


def test_body_can_be_read_once() -> None:
    r = Response("once")
    assert run(r.text()) == "once"
    assert r.body_used
    with pytest.raises(OSError, match="Body already used"):
        run(r.text())


def test_replace_body_keeps_status_and_headers() -> None:
    r = Response("a", status=418, headers={"x": "1"}).replace_body("b")
    assert (r.status, r.headers["x"], body_of(r)) == (418, "1", b"b")


# -- Request -------------------------------------------------------------------------------


def incoming(body: bytes | None, headers=None, method: str = "POST") -> Request:
    stream = None if body is None else ReadableStream.from_bytes(body)
    return Request._incoming("https://w.example/p?q=1", method, headers or [], stream, None)


def test_request_basics() -> None:
    req = incoming(b"{}", [("Content-Type", "application/json"), ("X-A", "1"), ("x-a", "2")])
    assert req.method is HTTPMethod.POST
    assert req.url == "https://w.example/p?q=1"
    # Names are lower-cased and repeated headers joined, as the JS Headers object does.
    assert dict(req.headers.items()) == {"content-type": "application/json", "x-a": "1, 2"}
    assert req.headers.get("CONTENT-TYPE") == "application/json"
    assert req.cf is None


def test_unknown_method_fails_like_the_sdk() -> None:
    req = incoming(None, method="patch")  # only six names are upper-cased by Fetch
    with pytest.raises(KeyError):
        _ = req.method
    assert incoming(None, method="delete").method is HTTPMethod.DELETE


def test_text_decodes_like_fetch() -> None:
    assert run(incoming(b"\xef\xbb\xbfhi").text()) == "hi"  # BOM dropped
    assert run(incoming(b"a\xffb").text()) == "a\ufffdb"  # invalid UTF-8 replaced


def test_json_and_body_used() -> None:
    req = incoming(b'{"k": 2}')
    assert run(req.json()) == {"k": 2}
    assert req.body_used
    with pytest.raises(OSError, match="Body already used"):
        run(req.bytes())


def test_clone_gives_two_readable_bodies() -> None:
    req = incoming(b"twice")
    copy = req.clone()
    assert run(copy.text()) == "twice"
    assert run(req.text()) == "twice"


def test_constructed_request() -> None:
    req = Request("https://x.example/", method=HTTPMethod.PUT, body="data", headers={"A": "b"})
    assert req.method is HTTPMethod.PUT and req.headers["a"] == "b"
    assert run(req.text()) == "data"
    # The JavaScript constructor's TypeError, as the SDK lets it through (checked against
    # workerd by tests/differential/test_runtime_globals_differential.py).
    with pytest.raises(JsException, match=r"^TypeError: Request with a GET or HEAD method"):
        Request("https://x.example/", method="GET", body="no")
    with pytest.raises(JsException, match=r"^TypeError: Invalid HTTP method string: Foo"):
        Request("https://x.example/", method="Foo")
    assert Request("https://x.example/", method="patch").method is HTTPMethod.PATCH
    # The SDK's private attribute, which Cloudflare's examples use, is the JavaScript Request.
    assert req._js_request.constructor.name == "Request" and req._js_request.url == req.url


# -- ReadableStream ------------------------------------------------------------------------


def test_reader_protocol() -> None:
    async def scenario():
        stream = ReadableStream.from_bytes(b"abc")
        reader = stream.getReader()
        with pytest.raises(JsException, match="locked"):
            stream.getReader()
        first = await reader.read()
        assert not first.done and first.value.to_bytes() == b"abc" and first.value.length == 3
        last = await reader.read()
        assert last.done and last.value is None
        reader.releaseLock()
        stream.getReader()  # released: can be locked again

    run(scenario())


# -- Blob, File, FormData --------------------------------------------------------------------


def test_blob_and_file() -> None:
    from workers_emulator.runtime.workers import Blob, File

    blob = Blob(["ab", b"cd"], content_type="text/plain")
    assert (blob.size, blob.content_type) == (4, "text/plain")
    assert run(blob.text()) == "abcd" and run(blob.bytes()) == b"abcd"
    assert run(blob.slice(1, 3).text()) == "bc"
    assert Blob(blob).content_type == "text/plain"  # a single Blob lends its type
    file = File([b"x"], "a.bin", content_type="application/x", last_modified=5)
    assert (file.name, file.last_modified, file.content_type) == ("a.bin", 5, "application/x")
    with pytest.raises(TypeError, match="Don't know how to handle"):
        Blob([object()])


def test_formdata_mapping_and_files() -> None:
    from workers_emulator.runtime.workers import Blob, File, FormData

    form = FormData({"a": "1"})
    form.append("a", "2")
    form["f"] = File(["content"], "f.txt")
    form.append("b", Blob(["raw"]), filename="b.bin")
    assert form["a"] == "1" and form.get_all("a") == ["1", "2"]
    assert "f" in form and "zzz" not in form
    assert isinstance(form["f"], File) and form["f"].name == "f.txt"
    assert isinstance(form["b"], File) and form["b"].name == "b.bin"
    assert list(form.keys()) == ["a", "a", "f", "b"]
    del form["a"]
    assert len(form) == 2
    with pytest.raises(TypeError, match="single item"):
        form["x"] = ["a", "b"]  # type: ignore[assignment]


def test_formdata_response_and_request_bodies_round_trip() -> None:
    from workers_emulator.runtime.workers import File, FormData

    form = FormData({"name": "Ada"})
    form.append("upload", File([b"\x00\x01"], "u.bin", content_type="application/x"))
    r = Response(form)
    assert r.headers["content-type"].startswith("multipart/form-data; boundary=")
    back = run(r.form_data())
    assert back["name"] == "Ada" and run(back["upload"].bytes()) == b"\x00\x01"
    req = Request("https://x.example/", method="POST", body=form)
    assert run(req.form_data())["name"] == "Ada"
    with pytest.raises(TypeError, match="Unrecognized Content-Type"):
        run(Request("https://x.example/", method="POST", body="plain").form_data())


def test_response_from_a_javascript_response_and_bodies() -> None:
    from workers_emulator.runtime import js

    inner = js.Response.new("x", status=418)
    assert Response(inner).status == 418
    with pytest.raises(ValueError, match="Expected no options"):
        Response(inner, status=200)
    assert body_of(Response(js.Uint8Array.new([1, 2]))) == b"\x01\x02"
    with pytest.raises(TypeError, match="Unsupported type in Response: Headers"):
        Response(js.Headers.new())


# -- RPC conversions -------------------------------------------------------------------------


def test_python_to_rpc_and_back() -> None:
    import datetime

    from workers_emulator.runtime.workers import python_from_rpc, python_to_rpc

    value = {"a": None, "b": [1, {"c": "d"}], "when": datetime.datetime(2026, 1, 2, 3, 4, 5)}
    js_value = python_to_rpc(value)
    assert js_value.constructor.name == "Object"
    assert js_value.b[1].constructor.name == "Object"
    assert js_value.when.constructor.name == "Date"
    back = python_from_rpc(js_value)
    assert back == value and back.b[1].c == "d"  # JsDict: attribute access too
    response = python_from_rpc(python_to_rpc(Response("r", status=201)))
    assert isinstance(response, Response) and response.status == 201
    for refused in ((1, 2), bytearray(b"x")):
        with pytest.raises(TypeError, match="cannot be sent over RPC"):
            python_to_rpc(refused)
    assert python_from_rpc(python_to_rpc(None)) is None


# -- env, patch_env, cloudflare:workers --------------------------------------------------------


def test_patch_env_and_import_from_javascript() -> None:
    from workers_emulator import NotEmulatedError
    from workers_emulator.runtime.workers import import_from_javascript, patch_env
    from workers_emulator.runtime.workers._context import Env, current_env

    token = current_env.set(Env({"A": "1"}))
    try:
        module = import_from_javascript("cloudflare:workers")
        with patch_env(B="2"):
            assert (module.env.A, module.env.B) == ("1", "2")
        assert not hasattr(module.env, "B")
    finally:
        current_env.reset(token)
    with pytest.raises(NotEmulatedError, match="cloudflare:sockets"):
        import_from_javascript("cloudflare:sockets")


def test_durable_object_context_wraps_once_and_abort_is_not_an_exception() -> None:
    from workers_emulator.runtime.workers import DurableObject
    from workers_emulator.runtime.workers.entrypoints import (
        DurableObjectAbort,
        DurableObjectContext,
    )

    class State:
        id = "x"

    obj = DurableObject(State(), env=None)
    assert obj.ctx.id == "x" and DurableObjectContext(obj.ctx) is obj.ctx
    with pytest.raises(DurableObjectAbort):
        obj.ctx.abort("stop")
    assert not issubclass(DurableObjectAbort, Exception)
