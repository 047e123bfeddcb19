"""A display token in a query string (`/kiosk?token=…`) never reaches the server's access log.

gunicorn's access log (`--access-logfile`) writes the request line from the request's WSGI environ (`RAW_URI`,
`QUERY_STRING`) after the response. This middleware, in front of the app, puts the token's value aside in the
environ under `TOKEN_KEY` for `/kiosk` to read, and replaces it with `hidden` everywhere the server logs from, so
the log shows `/kiosk?token=hidden` whatever the log format. It applies to every path: a token pasted onto any
address is kept out of the log too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode

TOKEN_KEY = "cartwatch.display_token"
PARAMETER = "token"
HIDDEN = "hidden"
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def hide_token(environ: dict[str, Any]) -> None:
    """Move the token out of the query string in `environ` (the first value, if sent more than once)."""
    query = environ.get("QUERY_STRING", "")
    if PARAMETER not in query:
        return
    pairs = parse_qsl(query, keep_blank_values=True)
    tokens = [value for name, value in pairs if name == PARAMETER]
    if not tokens:
        return
    environ[TOKEN_KEY] = tokens[0]
    hidden = urlencode([(name, HIDDEN if name == PARAMETER else value) for name, value in pairs])
    environ["QUERY_STRING"] = hidden
    for key in ("RAW_URI", "REQUEST_URI"):
        if isinstance(environ.get(key), str):
            environ[key] = environ[key].split("?", 1)[0] + "?" + hidden


class TokenOutOfLogs:
    """WSGI middleware: `hide_token` before the app sees the request."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        hide_token(environ)
        return self.app(environ, start_response)
