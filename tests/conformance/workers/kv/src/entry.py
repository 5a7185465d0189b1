from urllib.parse import urlparse

from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        key = urlparse(request.url).path.strip("/")
        if not key:
            listed = await self.env.NOTES.list()
            return Response.json([entry["name"] for entry in listed["keys"]])
        if request.method == "PUT":
            await self.env.NOTES.put(key, await request.text(), metadata={"by": "conformance"})
            return Response("stored", status=201)
        if request.method == "DELETE":
            await self.env.NOTES.delete(key)
            return Response(None, status=204)
        found = await self.env.NOTES.getWithMetadata(key)
        if found["value"] is None:
            return Response("not found", status=404)
        return Response.json({"value": found["value"], "metadata": found["metadata"]})
