"""The asset server: what ``wrangler dev`` answers from the asset folder, in front of the
Worker and through ``env.ASSETS.fetch``, and the router deciding which of the two a request
reaches first."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from ...runtime.js.http_words import default_status_text
from ...runtime.workers._headers import JsHeaders
from ...runtime.workers.response import FetchResponse, Response, _JsResponse
from .config import AssetsConfig
from .intent import IntentResolver, decode_path, encode_path
from .limits import CACHE_CONTROL, CACHE_STATUS
from .manifest import AssetManifest


def _response(
    status: int, headers: list[tuple[str, str]] | None = None, body: bytes | None = None
) -> Response:
    js = _JsResponse(body, status, default_status_text(status), JsHeaders(headers or []))
    response = Response.__new__(Response)
    FetchResponse.__init__(response, "", js)
    return response


def request_parts(request: Any) -> tuple[str, str, JsHeaders]:
    """URL, method and headers of a Request (the SDK's, its ``js_object``), a URL, or these
    three already taken apart."""
    if isinstance(request, str):
        return request, "GET", JsHeaders()
    if isinstance(request, tuple):
        return request
    js = getattr(request, "js_object", request)
    headers = getattr(js, "headers", None)
    return str(js.url), str(js.method), headers if isinstance(headers, JsHeaders) else JsHeaders()


class AssetServer:
    """Answers requests from the asset folder as workers-shared's asset worker does."""

    def __init__(self, config: AssetsConfig) -> None:
        self.config = config
        self.manifest = AssetManifest(config.directory)

    def _resolver(self, not_found_handling: str) -> IntentResolver:
        return IntentResolver(self.manifest.exists, self.config.html_handling, not_found_handling)

    def can_fetch(self, request: Any) -> bool:
        """Whether the asset server has an answer (an asset, a redirect) for this request;
        if not, the Worker gets it. not_found_handling's page only counts when static
        routing is configured, or for a browser's navigation (compatibility flag)."""
        url, _, headers = request_parts(request)
        keep = self.config.has_static_routing or (
            self.config.navigation_prefers_assets and headers.get("sec-fetch-mode") == "navigate"
        )
        handling = self.config.not_found_handling if keep else "none"
        pathname = urlsplit(url).path or "/"
        return self._resolver(handling).intent(decode_path(pathname)) is not None

    def worker_first(self, request: Any) -> bool:
        """Whether the router hands this request to the Worker rather than the assets."""
        url, _, _ = request_parts(request)
        decided = self.config.routes_to_worker(urlsplit(url).path or "/")
        if decided is not None:
            return decided
        return not self.can_fetch(request)

    def fetch(self, request: Any) -> Response:
        """The asset server's answer to ``request``."""
        url, method, headers = request_parts(request)
        parts = urlsplit(url)
        pathname = parts.path or "/"
        search = f"?{parts.query}" if parts.query else ""
        decoded = decode_path(pathname)
        intent = self._resolver(self.config.not_found_handling).intent(decoded)
        if intent is None:
            return _response(404)
        if method.upper() not in ("GET", "HEAD"):
            return _response(405)
        destination = intent.redirect if intent.redirect is not None else decoded
        encoded = encode_path(destination)
        if (encoded != pathname and intent.etag) or intent.redirect is not None:
            return _response(307, [("location", encoded + search)])
        assert intent.etag is not None  # a redirect or an asset, never neither
        asset = self.manifest.by_etag(intent.etag)
        out = [("etag", f'"{asset.etag}"')]
        if asset.content_type is not None:
            out.append(("content-type", asset.content_type))
        if not headers.has("authorization") and not headers.has("range"):
            out.append(("cache-control", CACHE_CONTROL))
        out.append(("cf-cache-status", CACHE_STATUS))
        if headers.get("if-none-match") in (f'"{asset.etag}"', f'W/"{asset.etag}"'):
            return _response(304, out)
        body = None if method.upper() == "HEAD" else asset.file.read_bytes()
        return _response(intent.status, out, body)
