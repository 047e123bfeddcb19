"""Cache lifetimes for static files: a year for fingerprinted URLs, revalidation for the rest.

Dash fingerprints its component bundles (`dash_renderer.v4_4_1m1795866021.min.js`) and the files of `assets/`
(`cartwatch.css?m=<mtime>`): the content behind such a URL never changes, so a browser keeps it and does not ask
again. Every Flask response also carried `Vary: Cookie` and a refreshed session cookie (the session is permanent,
so Flask re-sends it each time), which made the browser's cache miss on every page: 630 KB of bundles were
downloaded again on each visit. Static files are the same for everyone and public (`dashboard.auth` serves them
without a log-in), so their responses drop the cookie and `Vary: Cookie`; no shared cache can then hand one
user's session to another.

This wraps the WSGI application because Flask adds `Vary: Cookie` and the cookie after the `after_request` hooks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from dash.fingerprint import check_fingerprint

BUNDLES = "/_dash-component-suites/"
ASSETS = "/assets/"
YEAR = "public, max-age=31536000, immutable"
REVALIDATE = "public, no-cache"

StartResponse = Callable[..., Any]


def cache_control(path: str, query: str) -> str | None:
    """The Cache-Control of a static file's response; None for anything else (pages, callbacks, the API)."""
    if path.startswith(BUNDLES):
        return YEAR if check_fingerprint(path)[1] else REVALIDATE
    if path.startswith(ASSETS):
        fingerprinted = any(part.startswith("m=") for part in query.split("&"))
        return YEAR if fingerprinted else REVALIDATE
    return None


def static_headers(headers: list[tuple[str, str]], policy: str) -> list[tuple[str, str]]:
    """`headers` with `policy` as Cache-Control, without cookies and with `Vary` on the encoding only."""
    kept: list[tuple[str, str]] = []
    for name, value in headers:
        lower = name.lower()
        if lower in ("cache-control", "set-cookie"):
            continue
        if lower == "vary":
            rest = [v.strip() for v in value.split(",") if v.strip().lower() != "cookie"]
            if rest:
                kept.append((name, ", ".join(rest)))
            continue
        kept.append((name, value))
    kept.append(("Cache-Control", policy))
    return kept


class StaticCaching:
    """WSGI middleware applying `cache_control` to static files' responses."""

    def __init__(self, app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        policy = cache_control(environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""))
        if policy is None:
            return self.app(environ, start_response)

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if status.startswith(("200", "304")):
                headers = static_headers(headers, policy)
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


def init_static_caching(server: Any) -> None:
    server.wsgi_app = StaticCaching(server.wsgi_app)
