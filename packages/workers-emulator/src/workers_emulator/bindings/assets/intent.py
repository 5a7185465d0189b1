"""Which asset a URL path means, or where to redirect it: ``html_handling`` and
``not_found_handling`` as workers-shared's asset worker resolves them (same order of
lookups, so the same file wins when several could)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Literal
from urllib.parse import quote

Exists = Callable[[str], "str | None"]
Resolver = Literal["html-handling", "not-found"]


@dataclasses.dataclass(frozen=True)
class Intent:
    """Serve the asset with ``etag`` (with ``status``), or redirect to ``redirect``."""

    etag: str | None = None
    status: int = 200
    redirect: str | None = None
    resolver: Resolver = "html-handling"


def _serve(etag: str, status: int = 200, resolver: Resolver = "html-handling") -> Intent:
    return Intent(etag=etag, status=status, resolver=resolver)


class IntentResolver:
    def __init__(self, exists: Exists, html_handling: str, not_found_handling: str) -> None:
        self.exists = exists
        self.html_handling = html_handling
        self.not_found_handling = not_found_handling

    def intent(self, path: str, skip_redirects: bool = False) -> Intent | None:
        handling = {
            "auto-trailing-slash": self._auto,
            "force-trailing-slash": self._force,
            "drop-trailing-slash": self._drop,
        }.get(self.html_handling)
        if handling is None:  # "none"
            etag = self.exists(path)
            return _serve(etag) if etag else self._not_found(path)
        return handling(path, skip_redirects)

    def _redirect(self, file: str, destination: str, skip: bool) -> Intent | None:
        """A redirect to ``destination`` if that serves exactly ``file`` (never a 404 page)."""
        if skip or self.exists(destination):
            return None
        intent = self.intent(destination, skip_redirects=True)
        if intent is not None and intent.etag and intent.etag == self.exists(file):
            return Intent(redirect=destination)
        return None

    def _first(self, *candidates: Callable[[], Intent | None]) -> Intent | None:
        for candidate in candidates:
            found = candidate()
            if found is not None:
                return found
        return None

    def _file(self, file: str) -> Callable[[], Intent | None]:
        def serve() -> Intent | None:
            etag = self.exists(file)
            return _serve(etag) if etag else None

        return serve

    def _auto(self, p: str, skip: bool) -> Intent | None:
        exact = self.exists(p)
        r = self._redirect
        found: Intent | None = None
        if p.endswith("/index"):
            if exact:
                return _serve(exact)
            found = self._first(
                lambda: r(f"{p}.html", p[: -len("index")], skip),
                lambda: r(f"{p[: -len('/index')]}.html", p[: -len("/index")], skip),
            )
        elif p.endswith("/index.html"):
            found = self._first(
                lambda: r(p, p[: -len("index.html")], skip),
                lambda: r(f"{p[: -len('/index.html')]}.html", p[: -len("/index.html")], skip),
            )
        elif p.endswith("/"):
            found = self._first(
                self._file(f"{p}index.html"),
                lambda: r(f"{p[:-1]}.html", p[:-1], skip),
            )
        elif p.endswith(".html"):
            found = self._first(
                lambda: r(p, p[: -len(".html")], skip),
                lambda: r(f"{p[: -len('.html')]}/index.html", f"{p[: -len('.html')]}/", skip),
            )
        if found is not None:
            return found
        if exact:
            return _serve(exact)
        return self._first(
            self._file(f"{p}.html"),
            lambda: r(f"{p}/index.html", f"{p}/", skip),
            lambda: self._not_found(p),
        )

    def _force(self, p: str, skip: bool) -> Intent | None:
        exact = self.exists(p)
        r = self._redirect
        found: Intent | None = None
        if p.endswith("/index"):
            if exact:
                return _serve(exact)
            found = self._first(
                lambda: r(f"{p}.html", p[: -len("index")], skip),
                lambda: r(f"{p[: -len('/index')]}.html", p[: -len("index")], skip),
            )
        elif p.endswith("/index.html"):
            found = self._first(
                lambda: r(p, p[: -len("index.html")], skip),
                lambda: r(f"{p[: -len('/index.html')]}.html", p[: -len("index.html")], skip),
            )
        elif p.endswith("/"):
            found = self._first(self._file(f"{p}index.html"), self._file(f"{p[:-1]}.html"))
        elif p.endswith(".html"):
            found = self._first(
                lambda: r(p, f"{p[: -len('.html')]}/", skip),
                lambda: _serve(exact) if exact else None,
                lambda: r(f"{p[: -len('.html')]}/index.html", f"{p[: -len('.html')]}/", skip),
            )
        if found is not None:
            return found
        if exact:
            return _serve(exact)
        return self._first(
            lambda: r(f"{p}.html", f"{p}/", skip),
            lambda: r(f"{p}/index.html", f"{p}/", skip),
            lambda: self._not_found(p),
        )

    def _drop(self, p: str, skip: bool) -> Intent | None:
        exact = self.exists(p)
        r = self._redirect
        found: Intent | None = None
        if p.endswith("/index"):
            if exact:
                return _serve(exact)
            if p == "/index":
                found = r("/index.html", "/", skip)
            else:
                found = self._first(
                    lambda: r(f"{p[: -len('/index')]}.html", p[: -len("/index")], skip),
                    lambda: r(f"{p}.html", p[: -len("/index")], skip),
                )
        elif p.endswith("/index.html"):
            if p == "/index.html":
                found = r("/index.html", "/", skip)
            else:
                found = self._first(
                    lambda: r(p, p[: -len("/index.html")], skip),
                    lambda: _serve(exact) if exact else None,
                    lambda: r(f"{p[: -len('/index.html')]}.html", p[: -len("/index.html")], skip),
                )
        elif p.endswith("/"):
            if p == "/":
                found = self._file("/index.html")()
            else:
                found = self._first(
                    lambda: r(f"{p[:-1]}.html", p[:-1], skip),
                    lambda: r(f"{p[:-1]}/index.html", p[:-1], skip),
                )
        elif p.endswith(".html"):
            found = self._first(
                lambda: r(p, p[: -len(".html")], skip),
                lambda: r(f"{p[: -len('.html')]}/index.html", p[: -len(".html")], skip),
            )
        if found is not None:
            return found
        if exact:
            return _serve(exact)
        return self._first(
            self._file(f"{p}.html"),
            self._file(f"{p}/index.html"),
            lambda: self._not_found(p),
        )

    def _not_found(self, path: str) -> Intent | None:
        if self.not_found_handling == "single-page-application":
            etag = self.exists("/index.html")
            return _serve(etag, 200, "not-found") if etag else None
        if self.not_found_handling == "404-page":
            folder = path
            while folder:
                folder = folder[: folder.rfind("/")] if "/" in folder else ""
                etag = self.exists(f"{folder}/404.html")
                if etag:
                    return _serve(etag, 404, "not-found")
        return None


_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
# What encodeURIComponent leaves as it is, besides letters and digits.
_URI_COMPONENT_SAFE = "-_.!~*'()"


def _decode_component(segment: str) -> str:
    """decodeURIComponent: a malformed escape or invalid UTF-8 keeps the segment as it is."""
    if re.search(r"%(?![0-9A-Fa-f]{2})", segment):
        return segment
    raw = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), segment)
    try:
        return raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return segment


def decode_path(pathname: str) -> str:
    """The URL path each segment decoded, runs of slashes made one."""
    decoded = "/".join(_decode_component(s) for s in pathname.split("/"))
    return re.sub(r"/+", "/", decoded)


def encode_path(pathname: str) -> str:
    """The canonical (re-encoded) URL path of a decoded one."""
    return "/".join(
        quote(s, safe=_URI_COMPONENT_SAFE, errors="surrogatepass") for s in pathname.split("/")
    )
