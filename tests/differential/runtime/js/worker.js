// Each probe computes one value with the JavaScript globals; an exception becomes its
// "Name: message" line. py/entry.py computes the same probes through Python's `js` module.
const probes = {
  json_stringify: () => JSON.stringify({ a: 1, b: [1, undefined, null], c: "é", d: undefined }),
  json_stringify_indent: () => JSON.stringify({ a: [1] }, null, 2),
  // V8's JSON.parse messages are not reproduced: the error's name is compared.
  json_parse_error: () => {
    try {
      return JSON.parse("{");
    } catch (error) {
      return error.name;
    }
  },
  url_normalised: () => new URL("HTTPS://Example.COM:443/a/./b/../c d?x=1 2#f").href,
  url_parts: () => {
    const u = new URL("http://user:pw@h.test:8080/p%41th/?q=1#h");
    return [u.protocol, u.host, u.hostname, u.port, u.pathname, u.search, u.hash, u.origin];
  },
  url_relative: () => new URL("../x?y", "https://h.test/a/b/c").href,
  url_invalid: () => new URL("not a url"),
  search_params: () => {
    const p = new URLSearchParams("a=1&b=two words&a=3");
    p.append("c", "é&=");
    return [p.toString(), p.getAll("a"), p.get("b"), p.has("z")];
  },
  search_params_set: () => {
    const u = new URL("https://h.test/?a=1&b=2&a=3");
    u.searchParams.set("a", "x y");
    return u.href;
  },
  headers_iteration: () =>
    [...new Headers([["B", "1"], ["a", "2"], ["b", "3"], ["Set-Cookie", "x"], ["set-cookie", "y"]])],
  headers_get_combined: () => new Headers([["x", "1"], ["X", " 2 "]]).get("x"),
  headers_invalid_name: () => new Headers({ "bad name": "1" }),
  headers_invalid_value: () => new Headers({ x: "a\nb" }),
  response_text_type: () => new Response("hi").headers.get("content-type"),
  response_bytes_type: () => new Response(new Uint8Array([1])).headers.get("content-type"),
  response_json: async () => {
    const r = Response.json({ a: 1 }, { status: 201 });
    return [r.status, r.headers.get("content-type"), await r.text()];
  },
  response_status_range: () => new Response("x", { status: 99 }),
  response_null_body: () => new Response("x", { status: 204 }),
  response_defaults: () => {
    const r = new Response(null);
    return [r.status, r.statusText, r.ok, r.body === null, r.bodyUsed, r.redirected, r.type, r.url];
  },
  response_body_twice: async () => {
    const r = new Response("once");
    await r.text();
    return await r.text();
  },
  response_clone: async () => {
    const r = new Response("twice", { status: 202, statusText: "Yes" });
    const c = r.clone();
    return [await r.text(), await c.text(), c.status, c.statusText];
  },
  redirect_bad_status: () => Response.redirect("https://e.test/", 200),
  redirect_location: () => {
    const r = Response.redirect("https://e.test/a/../b", 301);
    return [r.status, r.headers.get("location")];
  },
  request_get_with_body: () => new Request("https://e.test/", { body: "x" }),
  request_invalid_url: () => new Request("/relative"),
  request_post: async () => {
    const r = new Request("https://e.test/p", { method: "post", body: "x" });
    return [r.method, r.url, r.headers.get("content-type"), await r.text()];
  },
  request_odd_method: () => new Request("https://e.test/", { method: "patch" }).method,
  request_custom_method: () =>
    ["Foo", "propfind", "purge", "connect"].map((method) => {
      try {
        return new Request("https://e.test/", { method }).method;
      } catch (error) {
        return `${error.name}: ${error.message}`;
      }
    }),
  status_text_defaults: () =>
    [201, 404, 418, 299, 599].map((status) => new Response(null, { status }).statusText),
  stream_from_source: async () => {
    let n = 0;
    const stream = new ReadableStream({
      pull(controller) {
        n += 1;
        if (n <= 2) controller.enqueue(new TextEncoder().encode(`part${n} `));
        else controller.close();
      },
    });
    return await new Response(stream).text();
  },
  stream_string_chunk: async () =>
    await new Response(new ReadableStream({ start: (c) => { c.enqueue("text"); c.close(); } })).text(),
  transform_stream: async () => {
    const { readable, writable } = new TransformStream();
    const writer = writable.getWriter();
    writer.write(new TextEncoder().encode("through"));
    writer.close();
    return await new Response(readable).text();
  },
  text_encoder: () => Array.from(new TextEncoder().encode("é€")),
  text_decoder_replacement: () => new TextDecoder().decode(new Uint8Array([0xff, 0x61])),
  text_decoder_bom: () => new TextDecoder().decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x61])),
  text_decoder_fatal: () => new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xff])),
  base64: () => [btoa("hi"), atob("aGk=")],
  btoa_non_latin1: () => btoa("€"),
  uri_component: () => [encodeURIComponent("a b/é?&=#"), decodeURIComponent("a%20b%C3%A9")],
  blob: async () => {
    const b = new Blob(["ab", new Uint8Array([99])], { type: "Text/Plain" });
    return [b.type, b.size, await b.text(), await b.slice(1, 2).text()];
  },
  form_urlencoded: async () => {
    const r = new Response("a=1&b=x+y&a=%C3%A9", {
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    return [...(await r.formData())];
  },
  form_wrong_type: async () => await new Response("x").formData(),
  params_body: async () => {
    const r = new Response(new URLSearchParams("a=b c"));
    return [r.headers.get("content-type"), await r.text()];
  },
  blob_body_type: () => new Response(new Blob(["x"], { type: "image/png" })).headers.get("content-type"),
  digest: async () =>
    [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode("abc")))],
  digest_md5: async () => (await crypto.subtle.digest("MD5", new Uint8Array([1]))).byteLength,
  digest_unknown: async () => await crypto.subtle.digest("SHA-3", new Uint8Array([1])),
  random_values_quota: () => crypto.getRandomValues(new Uint8Array(65537)),
  random_uuid_shape: () => {
    const id = crypto.randomUUID();
    return [id.length, id[14], id.split("-").map((part) => part.length)];
  },
  typed_array_view: () => {
    const buffer = new ArrayBuffer(8);
    const view = new Uint8Array(buffer, 2, 3);
    view[0] = 300;
    return [view.length, view.byteOffset, new Uint8Array(buffer)[2], buffer.byteLength];
  },
  date: () => [new Date(0).toISOString(), new Date("2026-01-02T03:04:05.678Z").getTime()],
  object_helpers: () => {
    const o = Object.fromEntries([["a", 1], ["b", [2]]]);
    return [Object.keys(o), Object.entries(o), JSON.stringify(Object.assign({}, o, { c: 3 }))];
  },
};

async function runProbes() {
  const results = {};
  for (const [name, probe] of Object.entries(probes)) {
    try {
      results[name] = { value: await probe() };
    } catch (error) {
      results[name] = { error: `${error.name}: ${error.message}` };
    }
  }
  return results;
}

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === "/health") return new Response("ok");
    return new Response(JSON.stringify(await runProbes()), {
      headers: { "content-type": "application/json" },
    });
  },
};
