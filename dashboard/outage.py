"""A database outage answered as one: HTTP 503 that says so, never Flask's HTML 500 page.

The database is the only shared state, so when it cannot be reached (the server is down or restarting, the
connection dropped mid-request, the SQLite file cannot be opened, every pooled connection is busy) nothing can
be checked or stored. Each write is one transaction, so the error rolls all of it back before it reaches the
handlers here: nothing is half-saved. Then:

- the REST API answers 503 JSON `{"error": "database unavailable, nothing was saved"}` to a write and
  `{"error": "database unavailable"}` to a read, with `Retry-After`;
- a Dash callback gets "database unavailable — not saving" in the components it was to update (the board's
  banner, a form's status: `dashboard.views.outage`) and nothing else changes on the page;
- any other page answers a 503 page that tries again by itself.

The pool pings a PostgreSQL connection before use (`data.db.make_engine`), so the first request after the
server is back succeeds.
"""

from __future__ import annotations

import html
from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from plotly.io.json import to_json_plotly
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from dashboard.views.outage import API_READ, API_WRITE, DB_UNAVAILABLE, callback_outputs

# A connection that cannot be made or was lost, an unusable database file, no pooled connection free in time.
OUTAGE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError, PoolTimeout)
RETRY_AFTER_SECONDS = 15
WRITES = ("POST", "PUT", "PATCH", "DELETE")
CALLBACK_PATH = "/_dash-update-component"

OUTAGE_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="{retry}"><title>cartwatch — database unavailable</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto">
<h1>cartwatch</h1><p id="db-unavailable" style="color:#b00020;font-weight:bold">{text}</p>
<p>Nothing can be shown or saved until the database is back; this page tries again every {retry} seconds.
Check patients at the bedside, record on paper and escalate by phone.</p></body></html>"""


def _reason(exc: Exception) -> str:
    """The driver's error, first line only (no SQL and no parameters: they may hold patient data)."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else ''}"


def outage_response(exc: Exception) -> Response | tuple[Response, int]:
    current_app.logger.warning("database unavailable during %s %s: %s", request.method, request.path, _reason(exc))
    path = request.path
    if path.startswith("/api/"):
        response = jsonify({"error": API_WRITE if request.method in WRITES else API_READ})
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if path.endswith(CALLBACK_PATH):
        body: Any = request.get_json(silent=True)
        shown = callback_outputs(body.get("outputs") if isinstance(body, dict) else None)
        if not shown:  # nothing on the page says it: leave the page as it is (Dash's "no update")
            return Response("", 204)
        return Response(to_json_plotly({"multi": True, "response": shown}), 200, mimetype="application/json")
    page = OUTAGE_PAGE.format(retry=RETRY_AFTER_SECONDS, text=html.escape(DB_UNAVAILABLE))
    return Response(page, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}, mimetype="text/html")


def init_outage(server: Flask) -> None:
    for error in OUTAGE_ERRORS:
        server.register_error_handler(error, outage_response)
