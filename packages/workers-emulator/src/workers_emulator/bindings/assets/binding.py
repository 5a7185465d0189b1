"""``env.ASSETS``: the Worker's handle on the asset server (a Fetcher, as on the platform)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from ...errors import JsException
from ...runtime.workers.response import Response
from ..accounting import CountedBinding
from .server import AssetServer, request_parts

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 20  # as fetch() follows at most

# What workerd throws when a service binding's target fails to answer.
FAULT_MESSAGE = "Network connection lost."


class AssetsBinding(CountedBinding):
    """``await env.ASSETS.fetch(request)``: the asset server's answer, whatever the router
    would have done (run_worker_first does not apply), its redirects followed unless the
    request's ``redirect`` is ``"manual"``. Each call counts as one read."""

    def __init__(self, binding_name: str, server: AssetServer) -> None:
        super().__init__(binding_name)
        self.server = server

    async def fetch(self, request: Any, init: Any = None, **kwargs: Any) -> Response:
        """``Fetcher.fetch``: a Request (the SDK's or its ``js_object``) or a URL string;
        of the init options only ``redirect`` matters to an asset server."""
        if isinstance(request, str) and not request.startswith(("http://", "https://")):
            raise JsException("TypeError", "Fetch API cannot load: " + request)
        if self._count("read"):
            raise JsException("Error", FAULT_MESSAGE)
        url, method, headers = request_parts(request)
        given = kwargs.get("redirect") or getattr(init, "redirect", None)
        if given is None and isinstance(init, dict):
            given = init.get("redirect")
        mode = given or getattr(getattr(request, "js_object", request), "redirect", "follow")
        response = self.server.fetch(request)
        # A Fetcher follows redirects as fetch() does (the Worker sees the final asset).
        for _ in range(MAX_REDIRECTS):
            location = response.js_response.headers.get("location")
            if mode == "manual" or response.status not in REDIRECT_STATUSES or not location:
                break
            url = urljoin(url, location)
            if response.status == 303:
                method = "GET"
            response = self.server.fetch((url, method, headers))
        return response

    def __repr__(self) -> str:
        return f"<Fetcher env.{self.binding_name} (Assets: {self.server.config.directory})>"
