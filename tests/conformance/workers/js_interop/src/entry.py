from urllib.parse import urlparse

import js
from pyodide.ffi import to_js
from workers import WorkerEntrypoint

# A 1x1 transparent PNG.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        path = urlparse(request.url).path
        if path == "/pixel.png":
            headers = js.Headers.new(
                to_js({"content-type": "image/png"}, dict_converter=js.Object.fromEntries)
            )
            return js.Response.new(to_js(PIXEL), headers=headers)
        if path == "/json":
            data = to_js({"bytes": len(PIXEL), "ok": True}, dict_converter=js.Object.fromEntries)
            return js.Response.json(data)
        url = js.URL.new(request.url)
        return js.Response.new(f"{url.pathname} {url.searchParams.get('q')}")
