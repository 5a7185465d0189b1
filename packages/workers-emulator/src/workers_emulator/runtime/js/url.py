"""``URL`` and ``URLSearchParams`` (the WHATWG URL parts Workers use)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit

from ...errors import JsException
from ..jsproxy import JsArray, JsMap, JsObject, JsProxy

_SPECIAL_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443", "ftp": "21"}
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_QUERY_SAFE = "/:@!$&'()*+,;=-._~%?"


def _normalise_path(path: str) -> str:
    """Dot segments resolved and unsafe characters percent-encoded, as URL parsing does."""
    out: list[str] = []
    segments = path.split("/")[1:] if path.startswith("/") else path.split("/")
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment in (".", "%2e", "%2E"):
            if last:
                out.append("")
            continue
        if segment.lower() in ("..", ".%2e", "%2e.", "%2e%2e"):
            if out:
                out.pop()
            if last:
                out.append("")
            continue
        out.append(quote(segment, safe=_PATH_SAFE))
    return "/" + "/".join(out)


class URLSearchParams(JsProxy):
    """Ordered query parameters; ``toString()`` is the encoded query without ``?``."""

    js_name = "URLSearchParams"

    def __init__(self, init: Any = None, _url: URL | None = None) -> None:
        self._url = _url
        self._pairs: list[tuple[str, str]] = []
        if init is None:
            return
        if isinstance(init, str):
            self._pairs = parse_qsl(init.removeprefix("?"), keep_blank_values=True)
        elif isinstance(init, URLSearchParams):
            self._pairs = list(init._pairs)
        elif isinstance(init, JsObject):
            self._pairs = [(str(k), str(v)) for k, v in init.as_object_map().items()]
        elif isinstance(init, dict | JsMap):
            self._pairs = [(str(k), str(init[k])) for k in init]
        else:
            self._pairs = [(str(k), str(v)) for k, v in init]

    def _changed(self) -> None:
        if self._url is not None:
            self._url._search = "?" + self.toString() if self._pairs else ""

    def append(self, name: str, value: Any) -> None:
        self._pairs.append((str(name), str(value)))
        self._changed()

    def set(self, name: str, value: Any) -> None:
        index = next((i for i, (k, _) in enumerate(self._pairs) if k == name), None)
        self._pairs = [(k, v) for k, v in self._pairs if k != name]
        self._pairs.insert(len(self._pairs) if index is None else index, (name, str(value)))
        self._changed()

    def delete(self, name: str) -> None:
        self._pairs = [(k, v) for k, v in self._pairs if k != name]
        self._changed()

    def get(self, name: str) -> str | None:
        return next((v for k, v in self._pairs if k == name), None)

    def getAll(self, name: str) -> JsArray:
        return JsArray(v for k, v in self._pairs if k == name)

    def has(self, name: str) -> bool:
        return any(k == name for k, _ in self._pairs)

    def sort(self) -> None:
        self._pairs.sort(key=lambda pair: pair[0])
        self._changed()

    @property
    def size(self) -> int:
        return len(self._pairs)

    def keys(self) -> Iterator[str]:
        return iter([k for k, _ in self._pairs])

    def values(self) -> Iterator[str]:
        return iter([v for _, v in self._pairs])

    def entries(self) -> Iterator[JsArray]:
        return iter([JsArray(pair) for pair in self._pairs])

    def __iter__(self) -> Iterator[JsArray]:
        return self.entries()

    def toString(self) -> str:
        return urlencode(self._pairs, quote_via=quote, safe="*-._~").replace("%20", "+")

    def __str__(self) -> str:
        return self.toString()


class URL(JsProxy):
    """An absolute URL, parsed and normalised (``href``, ``pathname``, ``searchParams``...)."""

    js_name = "URL"

    def __init__(self, url: Any, base: Any = None) -> None:
        text = str(url).strip()
        if base is not None:
            base_url = URL(base)
            text = urljoin(base_url.href, text)
        parts = urlsplit(text)
        scheme = parts.scheme.lower()
        if not scheme or (scheme in _SPECIAL_PORTS and not parts.hostname):
            raise JsException("TypeError", "Invalid URL string.")
        try:
            port = parts.port
        except ValueError:
            raise JsException("TypeError", "Invalid URL string.") from None
        self._protocol = scheme + ":"
        self._username = parts.username or ""
        self._password = parts.password or ""
        self._hostname = (parts.hostname or "").lower()
        self._port = "" if port is None or str(port) == _SPECIAL_PORTS.get(scheme) else str(port)
        special = scheme in _SPECIAL_PORTS or scheme == "file"
        self._pathname = _normalise_path(parts.path) if special else parts.path
        self._search = "?" + quote(parts.query, safe=_QUERY_SAFE) if parts.query else ""
        self._hash = "#" + parts.fragment if parts.fragment else ""
        self._params: URLSearchParams | None = None

    @staticmethod
    def canParse(url: Any, base: Any = None) -> bool:
        try:
            URL(url, base)
        except JsException:
            return False
        return True

    @property
    def protocol(self) -> str:
        return self._protocol

    @property
    def username(self) -> str:
        return self._username

    @property
    def password(self) -> str:
        return self._password

    @property
    def hostname(self) -> str:
        return self._hostname

    @property
    def port(self) -> str:
        return self._port

    @property
    def host(self) -> str:
        return f"{self._hostname}:{self._port}" if self._port else self._hostname

    @property
    def origin(self) -> str:
        return f"{self._protocol}//{self.host}"

    @property
    def pathname(self) -> str:
        return self._pathname

    @pathname.setter
    def pathname(self, value: str) -> None:
        self._pathname = _normalise_path("/" + str(value).lstrip("/"))

    @property
    def search(self) -> str:
        return self._search if self._search != "?" else ""

    @search.setter
    def search(self, value: str) -> None:
        value = str(value).removeprefix("?")
        self._search = "?" + quote(value, safe=_QUERY_SAFE) if value else ""
        self._params = None

    @property
    def hash(self) -> str:
        return self._hash

    @hash.setter
    def hash(self, value: str) -> None:
        value = str(value).removeprefix("#")
        self._hash = "#" + value if value else ""

    @property
    def searchParams(self) -> URLSearchParams:
        if self._params is None:
            self._params = URLSearchParams(self.search, _url=self)
        return self._params

    @property
    def href(self) -> str:
        auth = ""
        if self._username or self._password:
            auth = self._username + (f":{self._password}" if self._password else "") + "@"
        return f"{self._protocol}//{auth}{self.host}{self._pathname}{self.search}{self._hash}"

    def toString(self) -> str:
        return self.href

    def toJSON(self) -> str:
        return self.href

    def __str__(self) -> str:
        return self.href
