"""Response compression, configured explicitly on the Flask server.

Dash's own `compress=True` sets flask-compress up too late, so browsers were offered zstd and every response
was compressed again on each request. Here: brotli or gzip, and Dash's fingerprinted component bundles (the
4.8 MB plotly.js among them) are compressed once per encoding and kept in memory.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_compress import Compress

BUNDLES = "/_dash-component-suites/"


class BundleCache:
    """Keeps compressed bundles only: their URLs carry a fingerprint, so a URL's content never changes."""

    def __init__(self) -> None:
        self._items: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self._items.get(key)

    def set(self, key: str, value: bytes) -> None:
        if f";{BUNDLES}" in key:
            self._items[key] = value


def _cache_key(request: Any) -> str:
    return str(request.full_path)


def init_compression(server: Flask) -> None:
    server.config.update(
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_BR_LEVEL=5,
        COMPRESS_LEVEL=6,
        COMPRESS_MIN_SIZE=1024,
        # Streamed files (assets/) are left alone: flask-compress's streaming path leaves their handles open.
        COMPRESS_STREAMS=False,
        COMPRESS_MIMETYPES=["text/html", "text/css", "application/javascript", "text/javascript", "application/json"],
        COMPRESS_CACHE_KEY=_cache_key,
        COMPRESS_CACHE_BACKEND=BundleCache,
    )
    Compress(server)
