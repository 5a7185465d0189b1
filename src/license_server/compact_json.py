"""Compact JSON text (``separators=(",", ":")``), encoded by one reusable C encoder.

``json.JSONEncoder.encode`` builds a new C encoder object (and a closure) on every call, which
is most of what encoding a small answer costs; ``json.dumps`` with any argument also builds a
new ``JSONEncoder``. A request encodes several small documents (the answer, the log line, the
lease claims, the stats), so the encoder is made once here and called directly. The text is
the same as ``json.dumps(value, separators=(",", ":"), ensure_ascii=...)`` gives; the one
difference is that a circular structure (which no caller can build: everything encoded is a
fresh tree of plain values) ends in ``RecursionError`` instead of ``ValueError``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json import encoder as _json_encoder
from typing import Any

__all__ = ["compact_encoder"]

# Exercises every branch the C encoder takes (nested containers, non-ASCII, floats, null).
_PROBE = {"a": [1, 2.5, None, True, 'é\u2028"\\'], "b": {"c": -3}, "d": ""}


def compact_encoder(*, ensure_ascii: bool = True) -> Callable[[Any], str]:
    """An ``encode(value) -> str`` equal to ``json.dumps`` with compact separators."""
    reference = json.JSONEncoder(separators=(",", ":"), ensure_ascii=ensure_ascii)
    make_encoder = getattr(_json_encoder, "c_make_encoder", None)
    if make_encoder is None:  # no _json accelerator on this interpreter
        return reference.encode
    escape = (
        _json_encoder.encode_basestring_ascii if ensure_ascii else _json_encoder.encode_basestring
    )
    try:
        # The arguments JSONEncoder.iterencode passes; no markers: no circular-reference check.
        chunks = make_encoder(None, reference.default, escape, None, ":", ",", False, False, True)

        def encode(value: Any) -> str:
            return "".join(chunks(value, 0))

        if encode(_PROBE) != reference.encode(_PROBE):
            return reference.encode
    except TypeError:  # a future interpreter with another signature: the public path
        return reference.encode
    return encode
