// The R2 differential test's reference: the scenario (POSTed to /run) run by JavaScript
// against real workerd's R2 binding. ../py/entry.py is the same in Python.
const expand = (v) => (v && typeof v === "object" && "repeat" in v ? v.repeat.repeat(v.times) : v);

function options(o) {
  if (!o) return undefined;
  const out = JSON.parse(JSON.stringify(o));
  if (out.customMetadata) {
    for (const k of Object.keys(out.customMetadata)) out.customMetadata[k] = expand(out.customMetadata[k]);
  }
  return out;
}

async function shape(obj) {
  if (obj === null) return null;
  const out = {
    key: obj.key.length > 40 ? `${obj.key.length} chars` : obj.key,
    size: obj.size,
    etag: obj.etag,
    httpEtag: obj.httpEtag,
    version: /^[0-9a-f]{32}$/.test(obj.version) ? "32 hex" : obj.version,
    uploaded: obj.uploaded instanceof Date ? "Date" : typeof obj.uploaded,
    httpMetadata: obj.httpMetadata,
    customMetadata: obj.customMetadata,
    range: obj.range ?? null,
    storageClass: obj.storageClass,
    hasBody: "body" in obj,
  };
  if ("body" in obj) out.text = await obj.text();
  return out;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    const steps = await request.json();
    const results = [];
    let cursor;
    for (const s of steps) {
      try {
        let r;
        if (s.op === "put") r = await shape(await env.BUCKET.put(expand(s.key), s.value, options(s.options)));
        else if (s.op === "get") r = await shape(await env.BUCKET.get(expand(s.key), options(s.options)));
        else if (s.op === "head") r = await shape(await env.BUCKET.head(expand(s.key)));
        else if (s.op === "delete") r = (await env.BUCKET.delete(s.keys)) ?? null;
        else if (s.op === "list") {
          const o = options(s.options) ?? {};
          if (s.use_cursor) o.cursor = cursor;
          const l = await env.BUCKET.list(o);
          if (s.save_cursor) cursor = l.cursor;
          r = {
            objects: await Promise.all(l.objects.map(shape)),
            truncated: l.truncated,
            hasCursor: typeof l.cursor === "string",
            delimitedPrefixes: l.delimitedPrefixes,
          };
        }
        results.push({ ok: r });
      } catch (e) {
        results.push({ error: String(e) });
      }
    }
    return Response.json(results);
  },
};
