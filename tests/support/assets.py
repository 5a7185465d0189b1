"""A Static Assets folder for tests (written fresh into a temporary folder), and the Worker
configs serving it under ``wrangler dev`` and ``workers-emulator dev``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# Path -> content. Covers the html_handling cases (foo.html, foo/index.html, both), 404 pages
# at two depths, content types, names that need escaping, and an ignored file.
SITE: dict[str, bytes] = {
    "index.html": b"<h1>home</h1>",
    "about.html": b"<h1>about</h1>",
    "blog/index.html": b"<h1>blog</h1>",
    "docs.html": b"<h1>docs.html</h1>",
    "docs/index.html": b"<h1>docs/index.html</h1>",
    "404.html": b"<h1>not found</h1>",
    "nested/404.html": b"<h1>nested not found</h1>",
    "nested/page.html": b"<h1>nested page</h1>",
    "style.css": b"body { color: red; }",
    "script.js": b"console.log('hi');",
    "module.mjs": b"export default 1;",
    "image.svg": b'<svg xmlns="http://www.w3.org/2000/svg"/>',
    "favicon.ico": b"\x00\x00\x01\x00\x01\x00\x10\x10",
    "painting.jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF",
    "data.json": b'{"a": 1}',
    "notes.txt": b"plain notes",
    "font.woff2": b"wOF2\x00\x01",
    "app.wasm": b"\x00asm\x01\x00\x00\x00",
    "raw.unknownext": b"what am I",
    "café.txt": "un café".encode(),
    "[id].html": b"<h1>brackets</h1>",
    "api/static/logo.svg": b"<svg/>",
    "secret.txt": b"never served",
    ".assetsignore": b"secret.txt\n",
}


def write_site(folder: Path) -> Path:
    """The SITE files under ``folder``; returns it."""
    for name, content in SITE.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return folder


def write_assets_config(
    folder: Path, main: Path, assets: dict[str, Any], *, python: bool, name: str = "assets"
) -> Path:
    """``folder/wrangler.jsonc`` running ``main`` with this ``assets`` table."""
    config: dict[str, Any] = {
        "name": name,
        "main": str(main),
        "compatibility_date": "2025-06-01",
        "assets": assets,
    }
    if python:
        config["compatibility_flags"] = ["python_workers"]
    path = folder / "wrangler.jsonc"
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    return path
