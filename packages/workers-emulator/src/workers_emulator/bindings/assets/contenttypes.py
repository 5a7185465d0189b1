"""The Content-Type an asset is served with, by file extension: the `mime` package's choice
(which wrangler uses), with ``; charset=utf-8`` added to ``text/*`` types."""

from __future__ import annotations

from pathlib import PurePosixPath

# Extension -> type, as mime 4 maps it (note .ts: MPEG transport stream, not TypeScript).
CONTENT_TYPES: dict[str, str] = {
    "html": "text/html",
    "htm": "text/html",
    "shtml": "text/html",
    "css": "text/css",
    "js": "text/javascript",
    "mjs": "text/javascript",
    "cjs": "application/node",
    "json": "application/json",
    "map": "application/json",
    "webmanifest": "application/manifest+json",
    "txt": "text/plain",
    "text": "text/plain",
    "md": "text/markdown",
    "markdown": "text/markdown",
    "csv": "text/csv",
    "xml": "application/xml",
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "yaml": "text/yaml",
    "yml": "text/yaml",
    "jsx": "text/jsx",
    "ts": "video/mp2t",
    "svg": "image/svg+xml",
    "svgz": "image/svg+xml",
    "png": "image/png",
    "apng": "image/apng",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "jpe": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "avif": "image/avif",
    "ico": "image/vnd.microsoft.icon",
    "bmp": "image/bmp",
    "tif": "image/tiff",
    "tiff": "image/tiff",
    "woff": "font/woff",
    "woff2": "font/woff2",
    "ttf": "font/ttf",
    "otf": "font/otf",
    "eot": "application/vnd.ms-fontobject",
    "pdf": "application/pdf",
    "wasm": "application/wasm",
    "zip": "application/zip",
    "gz": "application/gzip",
    "mp4": "video/mp4",
    "webm": "video/webm",
    "mp3": "audio/mpeg",
    "ogg": "audio/ogg",
    "wav": "audio/wav",
    "flac": "audio/flac",
}


def content_type(path: str) -> str | None:
    """The type for a file name (None: mime knows no type, no Content-Type is sent)."""
    suffix = PurePosixPath(path).suffix.lower()
    if not suffix and "." in path.rsplit("/", 1)[-1]:
        suffix = "." + path.rsplit(".", 1)[-1].lower()  # ".txt" alone: mime reads "txt"
    found = CONTENT_TYPES.get(suffix[1:]) if suffix else None
    if found is not None and found.startswith("text/"):
        return f"{found}; charset=utf-8"
    return found
