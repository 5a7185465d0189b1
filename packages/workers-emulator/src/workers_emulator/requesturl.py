"""The URL a Worker sees for an incoming HTTP request, built as workerd builds it.

workerd parses ``http://<Host><request target>`` as a WHATWG URL: dot segments (also
``%2e``) are resolved, ``\\`` is ``/``, what a URL may not hold raw is percent-encoded, the
host is lower-cased and its default port dropped. A ``Host`` that is not a host (``[``,
``x/v1/admin``, ``a b``) never reaches the Worker, so it can never move the path.
(Checked against wrangler 4.86's workerd: tests/differential/test_http_differential.py.)
"""

from __future__ import annotations

import ipaddress
import re


class InvalidRequestTarget(ValueError):
    """The Host header or the request target cannot make a URL; the request is refused."""


# WHATWG percent-encode sets, as bytes to escape (C0 controls, DEL and non-ASCII always).
_QUERY_ESCAPES = frozenset(b' "#<>' + b"'")  # the special-query set (http is special)
_PATH_ESCAPES = frozenset(b' "#<>?`{}')
_HEX = "0123456789ABCDEF"
_SINGLE_DOT = frozenset({".", "%2e"})
_DOUBLE_DOT = frozenset({"..", ".%2e", "%2e.", "%2e%2e"})
# What may not appear in a host (WHATWG's forbidden domain code points, minus what IDNA maps).
_FORBIDDEN_IN_HOST = re.compile(r"[\x00-\x20#%/:<>?@\[\\\]^|\x7f]")
_PORT = re.compile(r"[0-9]*")
DEFAULT_PORTS = {"http": 80, "https": 443}


def _escape(raw: bytes, escapes: frozenset[int]) -> str:
    out = []
    for byte in raw:
        if byte < 0x21 or byte > 0x7E or byte in escapes:
            out.append(f"%{_HEX[byte >> 4]}{_HEX[byte & 15]}")
        else:
            out.append(chr(byte))
    return "".join(out)


def normalise_path(raw: bytes) -> str:
    """The URL's pathname for a request target's path (bytes as sent, no query)."""
    if not raw.startswith((b"/", b"\\")):
        raise InvalidRequestTarget("the request target is not an absolute path")
    segments = raw[1:].replace(b"\\", b"/").split(b"/")
    output: list[str] = []
    last = len(segments) - 1
    for index, segment in enumerate(segments):
        text = _escape(segment, _PATH_ESCAPES)
        folded = text.lower()
        if folded in _DOUBLE_DOT:
            if output:
                output.pop()
            if index == last:
                output.append("")
        elif folded in _SINGLE_DOT:
            if index == last:
                output.append("")
        else:
            output.append(text)
    return "/" + "/".join(output)


def normalise_query(raw: bytes) -> str:
    """The URL's query (without ``?``) for the bytes sent after ``?``."""
    return _escape(raw, _QUERY_ESCAPES)


def parse_host(value: str, scheme: str = "http") -> str:
    """The URL's host (and port, when not the scheme's default) for a ``Host`` header."""
    if value.startswith("["):
        end = value.find("]")
        if end == -1:
            raise InvalidRequestTarget("the Host header is not a host")
        try:
            address = ipaddress.IPv6Address(value[1:end])
        except ValueError:
            raise InvalidRequestTarget("the Host header is not a host") from None
        host, rest = f"[{address.compressed}]", value[end + 1 :]
        if rest and not rest.startswith(":"):
            raise InvalidRequestTarget("the Host header is not a host")
        port = rest[1:] if rest else ""
    else:
        host, _, port = value.partition(":")
        if not host or _FORBIDDEN_IN_HOST.search(host):
            raise InvalidRequestTarget("the Host header is not a host")
        if not host.isascii():
            try:
                host = host.encode("idna").decode("ascii")
            except UnicodeError:
                raise InvalidRequestTarget("the Host header is not a host") from None
        host = host.lower()
    if not _PORT.fullmatch(port) or (port and int(port) > 65535):
        raise InvalidRequestTarget("the Host header's port is not a port")
    if port and int(port) != DEFAULT_PORTS.get(scheme):
        return f"{host}:{int(port)}"
    return host
