"""The fetch differential's subject: ../js/worker.js in Python, run by workers-emulator.

Written against the real Python Workers SDK API only, so it runs unchanged under workerd.
"""

from urllib.parse import parse_qs, urlparse

from workers import Response, WorkerEntrypoint, fetch


def js_text(value):
    """What JavaScript's Array.join writes for a value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        url = urlparse(request.url)
        if url.path == "/health":
            return Response("ok")
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        options = {"redirect": query.get("r", "follow")}
        if query.get("m"):
            options["method"] = query["m"]
            options["body"] = "sent by the Worker"
        try:
            r = await fetch(query["t"], **options)
            body = await r.text()
        except Exception as exc:
            return Response(str(exc), status=502)
        seen = [r.status, r.ok, r.redirected, r.url, r.headers.get("location"), body]
        return Response(" | ".join(js_text(value) for value in seen))
