"""The probes of ../js/worker.js, written in Python against the runtime's `js` module, as a
Python Worker reaches the JavaScript globals (``Class.new``, keyword options, ``to_js``)."""

import inspect
import json

import js
from js import (
    JSON,
    URL,
    Blob,
    Headers,
    Object,
    Request,
    Response,
    TextDecoder,
    TextEncoder,
    Uint8Array,
    URLSearchParams,
)
from pyodide.ffi import JsProxy, to_js
from workers import WorkerEntrypoint


def obj(**members):
    return to_js(members, dict_converter=Object.fromEntries)


def plain(value):
    """A probe's answer as JSON data (JavaScript arrays and objects converted)."""
    if isinstance(value, JsProxy) and hasattr(value, "to_py"):
        value = value.to_py()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, memoryview):
        return list(value.tobytes())
    return value


async def response_json():
    r = Response.json(obj(a=1), status=201)
    return [r.status, r.headers.get("content-type"), await r.text()]


def url_parts():
    u = URL.new("http://user:pw@h.test:8080/p%41th/?q=1#h")
    return [u.protocol, u.host, u.hostname, u.port, u.pathname, u.search, u.hash, u.origin]


def search_params():
    p = URLSearchParams.new("a=1&b=two words&a=3")
    p.append("c", "é&=")
    return [p.toString(), p.getAll("a"), p.get("b"), p.has("z")]


def search_params_set():
    u = URL.new("https://h.test/?a=1&b=2&a=3")
    u.searchParams.set("a", "x y")
    return u.href


def response_defaults():
    r = Response.new(None)
    return [r.status, r.statusText, r.ok, r.body is None, r.bodyUsed, r.redirected, r.type, r.url]


async def response_body_twice():
    r = Response.new("once")
    await r.text()
    return await r.text()


async def response_clone():
    r = Response.new("twice", status=202, statusText="Yes")
    c = r.clone()
    return [await r.text(), await c.text(), c.status, c.statusText]


def redirect_location():
    r = Response.redirect("https://e.test/a/../b", 301)
    return [r.status, r.headers.get("location")]


async def request_post():
    r = Request.new("https://e.test/p", method="post", body="x")
    return [r.method, r.url, r.headers.get("content-type"), await r.text()]


async def blob():
    b = Blob.new(["ab", Uint8Array.new([99])], type="Text/Plain")
    return [b.type, b.size, await b.text(), await b.slice(1, 2).text()]


async def form_urlencoded():
    r = Response.new(
        "a=1&b=x+y&a=%C3%A9",
        headers=obj(**{"content-type": "application/x-www-form-urlencoded"}),
    )
    return [list(entry) for entry in await r.formData()]


async def params_body():
    r = Response.new(URLSearchParams.new("a=b c"))
    return [r.headers.get("content-type"), await r.text()]


async def digest():
    data = await js.crypto.subtle.digest("SHA-256", TextEncoder.new().encode("abc"))
    return list(Uint8Array.new(data))


async def digest_md5():
    return (await js.crypto.subtle.digest("MD5", Uint8Array.new([1]))).byteLength


def json_parse_error():
    try:
        return JSON.parse("{")
    except Exception as error:
        return error.name


def method_or_error(method):
    try:
        return Request.new("https://e.test/", method=method).method
    except Exception as error:
        return str(error)


async def stream_from_source():
    count = [0]

    def pull(controller):
        count[0] += 1
        if count[0] <= 2:
            controller.enqueue(TextEncoder.new().encode(f"part{count[0]} "))
        else:
            controller.close()

    return await Response.new(js.ReadableStream.new(pull=pull)).text()


async def stream_string_chunk():
    def start(controller):
        controller.enqueue("text")
        controller.close()

    return await Response.new(js.ReadableStream.new(start=start)).text()


async def transform_stream():
    stream = js.TransformStream.new()
    writer = stream.writable.getWriter()
    await writer.write(TextEncoder.new().encode("through"))
    await writer.close()
    return await Response.new(stream.readable).text()


def random_uuid_shape():
    uuid = js.crypto.randomUUID()
    return [len(uuid), uuid[14], [len(part) for part in uuid.split("-")]]


def typed_array_view():
    buffer = js.ArrayBuffer.new(8)
    view = Uint8Array.new(buffer, 2, 3)
    view[0] = 300
    return [view.length, view.byteOffset, Uint8Array.new(buffer)[2], buffer.byteLength]


def object_helpers():
    o = Object.fromEntries([["a", 1], ["b", to_js([2])]])
    return [Object.keys(o), Object.entries(o), JSON.stringify(Object.assign(obj(), o, obj(c=3)))]


PROBES = {
    "json_stringify": lambda: JSON.stringify(
        obj(a=1, b=to_js([1, None, js_null()]), c="é", d=None)
    ),
    "json_stringify_indent": lambda: JSON.stringify(obj(a=to_js([1])), None, 2),
    "json_parse_error": json_parse_error,
    "url_normalised": lambda: URL.new("HTTPS://Example.COM:443/a/./b/../c d?x=1 2#f").href,
    "url_parts": url_parts,
    "url_relative": lambda: URL.new("../x?y", "https://h.test/a/b/c").href,
    "url_invalid": lambda: URL.new("not a url"),
    "search_params": search_params,
    "search_params_set": search_params_set,
    "headers_iteration": lambda: [
        list(pair)
        for pair in Headers.new(
            to_js([["B", "1"], ["a", "2"], ["b", "3"], ["Set-Cookie", "x"], ["set-cookie", "y"]])
        )
    ],
    "headers_get_combined": lambda: Headers.new(to_js([["x", "1"], ["X", " 2 "]])).get("x"),
    "headers_invalid_name": lambda: Headers.new(obj(**{"bad name": "1"})),
    "headers_invalid_value": lambda: Headers.new(obj(x="a\nb")),
    "response_text_type": lambda: Response.new("hi").headers.get("content-type"),
    "response_bytes_type": lambda: Response.new(Uint8Array.new([1])).headers.get("content-type"),
    "response_json": response_json,
    "response_status_range": lambda: Response.new("x", status=99),
    "response_null_body": lambda: Response.new("x", status=204),
    "response_defaults": response_defaults,
    "response_body_twice": response_body_twice,
    "response_clone": response_clone,
    "redirect_bad_status": lambda: Response.redirect("https://e.test/", 200),
    "redirect_location": redirect_location,
    "request_get_with_body": lambda: Request.new("https://e.test/", body="x"),
    "request_invalid_url": lambda: Request.new("/relative"),
    "request_post": request_post,
    "request_odd_method": lambda: Request.new("https://e.test/", method="patch").method,
    "request_custom_method": lambda: [
        method_or_error(method) for method in ("Foo", "propfind", "purge", "connect")
    ],
    "status_text_defaults": lambda: [
        Response.new(None, status=status).statusText for status in (201, 404, 418, 299, 599)
    ],
    "stream_from_source": stream_from_source,
    "stream_string_chunk": stream_string_chunk,
    "transform_stream": transform_stream,
    "text_encoder": lambda: list(TextEncoder.new().encode("é€")),
    "text_decoder_replacement": lambda: TextDecoder.new().decode(Uint8Array.new([0xFF, 0x61])),
    "text_decoder_bom": lambda: TextDecoder.new().decode(Uint8Array.new([0xEF, 0xBB, 0xBF, 0x61])),
    "text_decoder_fatal": lambda: TextDecoder.new("utf-8", fatal=True).decode(
        Uint8Array.new([0xFF])
    ),
    "base64": lambda: [js.btoa("hi"), js.atob("aGk=")],
    "btoa_non_latin1": lambda: js.btoa("€"),
    "uri_component": lambda: [
        js.encodeURIComponent("a b/é?&=#"),
        js.decodeURIComponent("a%20b%C3%A9"),
    ],
    "blob": blob,
    "form_urlencoded": form_urlencoded,
    "form_wrong_type": lambda: Response.new("x").formData(),
    "params_body": params_body,
    "blob_body_type": lambda: Response.new(Blob.new(["x"], type="image/png")).headers.get(
        "content-type"
    ),
    "digest": digest,
    "digest_md5": digest_md5,
    "digest_unknown": lambda: js.crypto.subtle.digest("SHA-3", Uint8Array.new([1])),
    "random_values_quota": lambda: js.crypto.getRandomValues(Uint8Array.new(65537)),
    "random_uuid_shape": random_uuid_shape,
    "typed_array_view": typed_array_view,
    "date": lambda: [
        js.Date.new(0).toISOString(),
        js.Date.new("2026-01-02T03:04:05.678Z").getTime(),
    ],
    "object_helpers": object_helpers,
}


def js_null():
    from pyodide.ffi import jsnull

    return jsnull


async def run_probes():
    results = {}
    for name, probe in PROBES.items():
        try:
            value = probe()
            if inspect.isawaitable(value):
                value = await value
            results[name] = {"value": plain(value)}
        except Exception as error:
            # A JavaScript error reaches Python as JsException: "Name: message".
            results[name] = {"error": str(error)}
    return results


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        from workers import Response as PyResponse

        return PyResponse(
            json.dumps(await run_probes()), headers={"content-type": "application/json"}
        )
