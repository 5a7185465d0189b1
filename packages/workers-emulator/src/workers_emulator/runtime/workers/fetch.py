"""``workers.fetch``: outbound HTTP from a Worker, through the emulator's one outbound hook."""

from __future__ import annotations

from typing import Any, Unpack

from .response import Response
from .types import FetchKwargs


async def fetch(resource: Any, **other_options: Unpack[FetchKwargs]) -> Response:
    # Imported here: the hook imports this package's modules.
    from ...outbound import fetch as outbound_fetch

    return await outbound_fetch(resource, **other_options)
