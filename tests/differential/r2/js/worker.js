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
  if ("body" in obj) {
    const text = await obj.text();
    out.text = text.length > 40 ? `${text.length} chars` : text;
  }
  return out;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    const steps = await request.json();
    const results = [];
    let cursor;
    const uploads = {};
    const parts = {};
    const part = (p) => (typeof p === "string" ? parts[p] : p);
    for (const s of steps) {
      try {
        let r;
        if (s.op === "put") r = await shape(await env.BUCKET.put(expand(s.key), s.value, options(s.options)));
        else if (s.op === "get") r = await shape(await env.BUCKET.get(expand(s.key), options(s.options)));
        else if (s.op === "head") r = await shape(await env.BUCKET.head(expand(s.key)));
        else if (s.op === "delete") r = (await env.BUCKET.delete(s.keys)) ?? null;
        else if (s.op === "mpu_create") {
          const u = await env.BUCKET.createMultipartUpload(s.key, options(s.options));
          uploads[s.slot] = u;
          r = { key: u.key, uploadId: typeof u.uploadId };
        } else if (s.op === "mpu_resume") {
          const u = env.BUCKET.resumeMultipartUpload(s.key, s.uploadId);
          uploads[s.slot] = u;
          r = { key: u.key, uploadId: u.uploadId };
        } else if (s.op === "mpu_part") {
          const p = await uploads[s.slot].uploadPart(s.part, expand(s.value));
          if (s.save) parts[s.save] = p;
          r = { partNumber: p.partNumber, etag: typeof p.etag };
        } else if (s.op === "mpu_complete") {
          r = await shape(await uploads[s.slot].complete(s.parts.map(part)));
        } else if (s.op === "mpu_abort") {
          r = (await uploads[s.slot].abort()) ?? null;
        } else if (s.op === "list") {
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
