"""The ``js`` stand-in behaves as the runtime's JavaScript globals do, as Python sees them
through Pyodide (``Class.new(...)``, keyword arguments as the options object)."""

from __future__ import annotations

import asyncio
import hashlib

import pytest
from workers_emulator import JsException, NotEmulatedError
from workers_emulator.runtime import js
from workers_emulator.runtime.pyodide.ffi import JsProxy, to_js


def run(coro):
    return asyncio.run(coro)


def test_response_new_with_keyword_options_and_an_options_object() -> None:
    r = js.Response.new("hi", status=201, headers=js.Headers.new({"x-a": "1"}))
    assert (r.status, r.ok, r.statusText) == (201, True, "Created")  # workerd's default
    assert r.headers.get("content-type") == "text/plain;charset=UTF-8"
    assert run(r.text()) == "hi"
    assert r.bodyUsed
    with pytest.raises(JsException, match=r"^TypeError: Body has already been used"):
        run(r.text())
    init = js.Object.fromEntries([["status", 404], ["statusText", "Nope"]])
    r2 = js.Response.new(None, init)
    assert (r2.status, r2.statusText, r2.body) == (404, "Nope", None)


def test_response_refuses_what_workerd_refuses() -> None:
    with pytest.raises(JsException, match=r"^RangeError: Responses may only be constructed"):
        js.Response.new("x", status=99)
    with pytest.raises(JsException, match=r"null body status \(101, 204, 205, or 304\)"):
        js.Response.new("x", status=204)
    with pytest.raises(JsException, match=r"^RangeError: 200 is not a redirect status code"):
        js.Response.redirect("https://example.com/", 200)
    with pytest.raises(NotEmulatedError, match="WebSocket"):
        js.Response.new(None, status=101, webSocket=object())


def test_response_json_static_and_instance() -> None:
    r = js.Response.json(to_js({"a": [1, None]}, dict_converter=js.Object.fromEntries))
    assert r.headers.get("content-type") == "application/json"
    body = run(r.json())
    assert isinstance(body, JsProxy) and body.to_py() == {"a": [1, None]}
    redirect = js.Response.redirect("https://example.com/x/../y", 307)
    assert redirect.headers.get("location") == "https://example.com/y"


def test_binary_bodies_from_to_js_bytes_typed_arrays_and_blobs() -> None:
    data = bytes(range(256))
    r = js.Response.new(to_js(data), headers={"content-type": "image/png"})
    assert run(r.arrayBuffer()).to_bytes() == data
    assert "content-type" not in js.Response.new(js.Uint8Array.new(3)).headers
    blob = js.Blob.new(["ab", to_js(b"cd")], type="Text/Plain")
    r2 = js.Response.new(blob)
    assert r2.headers.get("content-type") == "text/plain"
    assert run(r2.text()) == "abcd"


def test_formdata_body_round_trips_through_multipart() -> None:
    form = js.FormData.new()
    form.append("name", "Ada")
    form.append("file", js.Blob.new(["xyz"], type="text/x"), "a.txt")
    r = js.Response.new(form)
    assert r.headers.get("content-type").startswith("multipart/form-data; boundary=")
    parsed = run(r.formData())
    assert parsed.get("name") == "Ada"
    upload = parsed.get("file")
    assert (upload.name, upload.type, run(upload.text())) == ("a.txt", "text/x", "xyz")


def test_urlsearchparams_body_is_form_urlencoded() -> None:
    params = js.URLSearchParams.new("a=1&b=two words")
    r = js.Response.new(params)
    assert r.headers.get("content-type") == "application/x-www-form-urlencoded;charset=UTF-8"
    assert run(r.text()) == "a=1&b=two+words"
    assert run(js.Response.new(run(js.Response.new(params).text()), r).formData()).get("b") == (
        "two words"
    )


def test_request_new_and_its_body() -> None:
    req = js.Request.new("https://example.com/a?b=1", method="POST", body="payload")
    assert (req.method, req.url, req.bodyUsed) == ("POST", "https://example.com/a?b=1", False)
    assert req.headers.get("content-type") == "text/plain;charset=UTF-8"
    assert run(req.clone().text()) == "payload"
    assert run(req.text()) == "payload"
    with pytest.raises(JsException, match=r"^TypeError: .*GET or HEAD"):
        js.Request.new("https://example.com/", body="x")


def test_headers_combine_and_iterate_in_javascripts_order() -> None:
    headers = js.Headers.new([["B", "1"], ["a", "2"], ["b", "3"], ["Set-Cookie", "x"]])
    headers.append("set-cookie", "y")
    assert list(headers) == [("a", "2"), ("b", "1, 3"), ("set-cookie", "x"), ("set-cookie", "y")]
    assert headers.getSetCookie() == ["x", "y"]
    with pytest.raises(JsException, match=r"^TypeError: Invalid header name"):
        js.Headers.new({"bad name": "1"})


def test_url_parses_and_normalises() -> None:
    url = js.URL.new("HTTPS://Example.COM:443/a/./b/../c d?x=1&y=2#frag")
    assert url.href == "https://example.com/a/c%20d?x=1&y=2#frag"
    assert (url.protocol, url.host, url.pathname, url.search, url.hash) == (
        "https:",
        "example.com",
        "/a/c%20d",
        "?x=1&y=2",
        "#frag",
    )
    assert url.searchParams.get("y") == "2"
    url.searchParams.append("z", "a b")
    assert url.search == "?x=1&y=2&z=a+b"
    assert js.URL.new("/p?q", "https://h.test/base/").href == "https://h.test/p?q"
    with pytest.raises(JsException, match=r"^TypeError: Invalid URL string"):
        js.URL.new("not a url")
    assert js.URL.canParse("nope") is False


def test_object_and_json() -> None:
    obj = js.Object.fromEntries(to_js({"a": 1, "b": [1, 2]}).entries())
    assert (obj.a, js.Object.keys(obj).to_py()) == (1, ["a", "b"])
    assert js.JSON.stringify(obj) == '{"a":1,"b":[1,2]}'
    assert js.JSON.stringify(to_js({"n": None}, dict_converter=js.Object.fromEntries)) == "{}"
    assert js.JSON.stringify(to_js([None])) == "[null]"
    assert js.JSON.stringify("é") == '"é"'
    parsed = js.JSON.parse('{"x": {"y": [true]}}')
    assert parsed.x.y[0] is True and parsed.to_py() == {"x": {"y": [True]}}
    with pytest.raises(JsException, match=r"^SyntaxError"):
        js.JSON.parse("{")


def test_a_javascript_error_made_in_python_can_be_raised_as_pyodide_allows() -> None:
    # Pyodide's proxy of a JS error is a JsException: `raise js.TypeError.new(...)` throws
    # that very error to JavaScript (the service bindings differential test relies on it).
    error = js.TypeError.new("bad input")
    assert isinstance(error, JsException)
    error.name = "CustomError"
    with pytest.raises(JsException) as caught:
        raise error
    assert caught.value is error
    assert (error.name, error.message, str(error)) == (
        "CustomError",
        "bad input",
        "CustomError: bad input",
    )
    assert js.Error.new("").toString() == "Error"


def test_text_encoding_and_base64() -> None:
    encoded = js.TextEncoder.new().encode("é€")
    assert (encoded.length, encoded.to_bytes()) == (5, "é€".encode())
    assert js.TextDecoder.new().decode(encoded) == "é€"
    assert js.TextDecoder.new().decode(to_js(b"\xff")) == "\ufffd"
    with pytest.raises(JsException, match=r"^TypeError"):
        js.TextDecoder.new("utf-8", fatal=True).decode(to_js(b"\xff"))
    assert js.btoa("hi") == "aGk=" and js.atob("aGk=") == "hi"
    assert js.encodeURIComponent("a b/é") == "a%20b%2F%C3%A9"


def test_crypto() -> None:
    array = js.crypto.getRandomValues(js.Uint8Array.new(16))
    assert len(array.to_bytes()) == 16 and array.buffer.byteLength == 16
    uuid = js.crypto.randomUUID()
    assert len(uuid) == 36 and uuid[14] == "4"
    digest = run(js.crypto.subtle.digest("SHA-256", js.TextEncoder.new().encode("abc")))
    assert digest.to_bytes() == hashlib.sha256(b"abc").digest()
    with pytest.raises(JsException, match=r"^QuotaExceededError"):
        js.crypto.getRandomValues(js.Uint8Array.new(65537))
    with pytest.raises(NotEmulatedError, match=r"crypto\.subtle\.importKey is not emulated"):
        js.crypto.subtle.importKey("raw", b"", "HMAC", False, [])


def test_date_follows_the_clock() -> None:
    date = js.Date.new(0)
    assert date.toISOString() == "1970-01-01T00:00:00.000Z"
    assert js.Date.new("2026-01-02T03:04:05.678Z").getTime() == 1767323045678
    assert abs(js.Date.now() - js.Date.new().getTime()) < 1000


def test_timers_promises_and_abort() -> None:
    async def scenario() -> list[str]:
        seen: list[str] = []
        js.setTimeout(lambda: seen.append("later"), 5)
        cancelled = js.setTimeout(lambda: seen.append("never"), 1)
        js.clearTimeout(cancelled)
        js.queueMicrotask(lambda: seen.append("soon"))
        value = await js.Promise.resolve(1).then(lambda v: v + 1)
        seen.append(f"then {value}")
        controller = js.AbortController.new()
        controller.signal.addEventListener("abort", lambda _e: seen.append("aborted"))
        controller.abort("why")
        assert controller.signal.aborted and controller.signal.reason == "why"
        await asyncio.sleep(0.02)
        return seen

    assert run(scenario()) == ["soon", "then 2", "aborted", "later"]


def test_console_logs_where_print_goes(capsys) -> None:
    js.console.log("a", 1, None, js.JSON.parse('{"k":[1]}'))
    js.console.error("bad")
    out = capsys.readouterr()
    assert out.out == 'a 1 undefined {"k":[1]}\n' and out.err == "bad\n"


def test_a_global_the_emulator_lacks_is_not_emulated_and_an_unknown_one_is_absent() -> None:
    rewriter = js.HTMLRewriter  # importing it works: `from js import HTMLRewriter` loads
    with pytest.raises(NotEmulatedError, match=r"^js\.HTMLRewriter is not emulated"):
        rewriter.new()
    with pytest.raises(NotEmulatedError, match=r"^js\.WebSocketPair is not emulated"):
        js.WebSocketPair()
    with pytest.raises(AttributeError):
        js.NoSuchGlobal  # noqa: B018
    assert "Response" in dir(js) and "HTMLRewriter" in dir(js)


def test_no_submodule_shadows_a_global() -> None:
    import importlib
    import pkgutil
    import types

    for info in pkgutil.iter_modules(js.__path__, f"{js.__name__}."):
        importlib.import_module(info.name)  # each sets the package attribute of its name
    for name in dir(js):
        assert not isinstance(getattr(js, name), types.ModuleType), name


# -- from a Worker -----------------------------------------------------------------------------

INTEROP_WORKER = """
    from js import HTMLRewriter, Object, Response, fetch
    from pyodide.ffi import to_js
    from pyodide.http import pyfetch
    from workers import WorkerEntrypoint

    PNG = bytes([0x89, 0x50, 0x4E, 0x47, 0, 1, 2, 255])

    class Default(WorkerEntrypoint):
        async def fetch(self, request):
            path = request.url.split("/", 3)[3]
            if path == "binary":
                headers = to_js({"content-type": "image/png"}, dict_converter=Object.fromEntries)
                return Response.new(to_js(PNG), headers=headers)
            if path == "echo-js":
                js_request = request.js_object
                body = await js_request.arrayBuffer()
                return Response.new(body, status=202, headers=js_request.headers)
            if path == "rewrite":
                return HTMLRewriter.new().transform(Response.new("<p>"))
            target = request.headers.get("x-target")
            if path == "js-fetch":
                answer = await fetch(target, method="POST", body="sent", headers=Object.fromEntries(
                    to_js([["x-one", "1"]])))
                return Response.new(await answer.text(), status=answer.status)
            if path == "pyfetch":
                answer = await pyfetch(target)
                return Response.new(f"{answer.status} {await answer.string()} {answer.url}")
            return Response.new("?", status=404)
"""


@pytest.fixture
def interop(tmp_path):
    from tests.support.worker_files import worker_emulator

    emu = worker_emulator(tmp_path, INTEROP_WORKER)
    with emu.test_client() as client:
        yield emu, client


def test_a_binary_response_made_with_to_js(interop) -> None:
    _, client = interop
    r = client.get("/binary")
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/png"
    assert r.content == bytes([0x89, 0x50, 0x4E, 0x47, 0, 1, 2, 255])


def test_the_javascript_request_and_response_serve_as_they_are(interop) -> None:
    _, client = interop
    r = client.post("/echo-js", content=b"\x00raw", headers={"x-kept": "yes"})
    assert (r.status_code, r.content, r.headers["x-kept"]) == (202, b"\x00raw", "yes")


def test_js_fetch_and_pyfetch_go_out_through_the_outbound_hook(interop) -> None:
    from tests.support.origin import origin_server

    _, client = interop
    with origin_server() as origin:
        r = client.get("/js-fetch", headers={"x-target": f"{origin}/echo"})
        echoed = r.json()
        assert (r.status_code, echoed["method"], echoed["body"]) == (200, "POST", "sent")
        assert echoed["headers"]["x-one"] == "1"
        r = client.get("/pyfetch", headers={"x-target": f"{origin}/hello"})
        assert r.text == f"200 hello from the origin {origin}/hello"


def test_a_global_the_emulator_lacks_fails_where_it_is_used(interop) -> None:
    emu, client = interop
    r = client.get("/rewrite")  # the Worker loaded: importing HTMLRewriter worked
    assert r.status_code == 500
    assert any("js.HTMLRewriter is not emulated" in line for line in emu.log_lines)


def test_a_readable_stream_from_an_underlying_source_is_pulled_on_demand() -> None:
    async def scenario() -> tuple[list[bytes], list[str]]:
        calls: list[str] = []
        left = [b"a", b"b"]

        def pull(controller):
            calls.append("pull")
            if left:
                controller.enqueue(js.Uint8Array.new(left.pop(0)))
            else:
                controller.close()

        stream = js.ReadableStream.new(pull=pull)
        reader = stream.getReader()
        first = await reader.read()
        assert calls == ["pull"]  # nothing read ahead
        rest = [first.value.to_bytes()]
        while not (chunk := await reader.read()).done:
            rest.append(chunk.value.to_bytes())
        return rest, calls

    assert run(scenario()) == ([b"a", b"b"], ["pull", "pull", "pull"])


def test_a_stream_source_that_errors_fails_the_read_and_a_string_chunk_is_refused() -> None:
    async def read_all(stream) -> bytes:
        return await js.Response.new(stream).text()

    broken = js.ReadableStream.new(start=lambda c: c.error("boom"))
    with pytest.raises(JsException, match="boom"):
        run(read_all(broken))
    with pytest.raises(JsException, match=r"^TypeError"):
        run(read_all(js.ReadableStream.new(start=lambda c: c.enqueue("text"))))


STREAMING_WORKER = """
    import asyncio

    from js import Response, TextEncoder, TransformStream
    from workers import WorkerEntrypoint

    class Default(WorkerEntrypoint):
        async def fetch(self, request):
            stream = TransformStream.new()
            writer = stream.writable.getWriter()

            async def produce():
                for part in ("one ", "two ", "three"):
                    await writer.write(TextEncoder.new().encode(part))
                    await asyncio.sleep(0)
                await writer.close()

            self.ctx.waitUntil(produce())
            return Response.new(stream.readable, headers={"content-type": "text/plain"})
"""


def test_a_response_streams_from_a_transform_stream_written_after_it_is_returned(
    tmp_path,
) -> None:
    from tests.support.worker_files import worker_emulator

    emu = worker_emulator(tmp_path, STREAMING_WORKER)
    with emu.test_client() as client:
        r = client.get("/")
    assert (r.status_code, r.text) == (200, "one two three")
