"""Runs the R2 scenario (POSTed to /run) against the R2 binding; ../js/worker.js in Python,
written against the real Python Workers runtime (options cross as JavaScript objects)."""

import re

import js
from pyodide.ffi import to_js
from workers import Response, WorkerEntrypoint


def expand(v):
    if isinstance(v, dict) and "repeat" in v:
        return v["repeat"] * v["times"]
    return v


def options(o):
    if not o:
        return None
    out = dict(o)
    if "customMetadata" in out:
        out["customMetadata"] = {k: expand(x) for k, x in out["customMetadata"].items()}
    return to_js(out, dict_converter=js.Object.fromEntries)


def plain(v):
    return v.to_py() if hasattr(v, "to_py") else v


async def shape(obj):
    if obj is None:
        return None
    key = obj.key
    has_body = hasattr(obj, "body")
    rng = getattr(obj, "range", None)
    out = {
        "key": f"{len(key)} chars" if len(key) > 40 else key,
        "size": obj.size,
        "etag": obj.etag,
        "httpEtag": obj.httpEtag,
        "version": "32 hex" if re.fullmatch(r"[0-9a-f]{32}", obj.version) else obj.version,
        "uploaded": "Date" if hasattr(obj.uploaded, "getTime") else type(obj.uploaded).__name__,
        "httpMetadata": plain(obj.httpMetadata),
        "customMetadata": plain(obj.customMetadata),
        "range": None if rng is None else plain(rng),
        "storageClass": obj.storageClass,
        "hasBody": has_body,
    }
    if has_body:
        text = await obj.text()
        out["text"] = f"{len(text)} chars" if len(text) > 40 else text
    return out


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        if request.url.endswith("/health"):
            return Response("ok")
        bucket = self.env.BUCKET
        results = []
        cursor = None
        uploads = {}
        parts = {}
        for s in await request.json():
            try:
                op = s["op"]
                if op == "put":
                    r = await shape(
                        await bucket.put(expand(s["key"]), s["value"], options(s.get("options")))
                    )
                elif op == "get":
                    r = await shape(await bucket.get(expand(s["key"]), options(s.get("options"))))
                elif op == "head":
                    r = await shape(await bucket.head(expand(s["key"])))
                elif op == "delete":
                    keys = s["keys"]
                    await bucket.delete(to_js(keys) if isinstance(keys, list) else keys)
                    r = None
                elif op == "mpu_create":
                    u = await bucket.createMultipartUpload(s["key"], options(s.get("options")))
                    uploads[s["slot"]] = u
                    r = {"key": u.key, "uploadId": "string" if isinstance(u.uploadId, str) else "?"}
                elif op == "mpu_resume":
                    u = bucket.resumeMultipartUpload(s["key"], s["uploadId"])
                    uploads[s["slot"]] = u
                    r = {"key": u.key, "uploadId": u.uploadId}
                elif op == "mpu_part":
                    p = await uploads[s["slot"]].uploadPart(s["part"], expand(s["value"]))
                    if s.get("save"):
                        parts[s["save"]] = p
                    r = {
                        "partNumber": p.partNumber,
                        "etag": "string" if isinstance(p.etag, str) else "?",
                    }
                elif op == "mpu_complete":
                    chosen = [
                        parts[x]
                        if isinstance(x, str)
                        else to_js(x, dict_converter=js.Object.fromEntries)
                        for x in s["parts"]
                    ]
                    r = await shape(await uploads[s["slot"]].complete(to_js(chosen)))
                elif op == "mpu_abort":
                    await uploads[s["slot"]].abort()
                    r = None
                else:
                    o = dict(s.get("options") or {})
                    if s.get("use_cursor"):
                        o["cursor"] = cursor
                    listed = await bucket.list(to_js(o, dict_converter=js.Object.fromEntries))
                    found = getattr(listed, "cursor", None)
                    if s.get("save_cursor"):
                        cursor = found
                    r = {
                        "objects": [await shape(x) for x in listed.objects],
                        "truncated": listed.truncated,
                        "hasCursor": isinstance(found, str),
                        "delimitedPrefixes": list(plain(listed.delimitedPrefixes)),
                    }
                results.append({"ok": r})
            except Exception as e:
                results.append({"error": str(e)})
        return Response.json(results)
