"""``console``: what a Worker logs goes where its ``print`` goes (stdout; warnings and errors
to stderr), one line per call with the arguments joined by spaces."""

from __future__ import annotations

import sys
from typing import Any

from ..jsproxy import JsProxy
from .json import JSON


def _format(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return "undefined"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, JsProxy) and type(value).__name__ in ("JsObject", "JsArray"):
        return JSON.stringify(value) or ""
    return str(value)


class _Console(JsProxy):
    js_name = "console"

    def _write(self, stream: Any, args: tuple[Any, ...]) -> None:
        print(" ".join(_format(a) for a in args), file=stream)

    def log(self, *args: Any) -> None:
        self._write(sys.stdout, args)

    info = debug = trace = log

    def warn(self, *args: Any) -> None:
        self._write(sys.stderr, args)

    error = warn


console = _Console()
