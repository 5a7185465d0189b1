"""Shared building blocks for the ASGI and WSGI adapters."""

from .options import BaseOptions, EncodeBody

__all__ = ["BaseOptions", "EncodeBody"]
