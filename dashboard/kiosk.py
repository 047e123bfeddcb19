"""Kiosk mode: a wall screen opened with a display token (`/kiosk?token=…`) keeps running unattended.

The token (data.display_tokens) is exchanged once for a browser-session cookie holding the token's id and hash;
every request then checks the token again (revoked or expired: signed out, and the wall shows "NOT UPDATING").
A display sees only the wall: the page `/wall`, the callbacks whose outputs are the wall's (or the page router's
for `/wall`), and `/api/v1/me` for the wall's liveness check. It has no idle timeout and no 12-hour limit: the
cookie lasts as long as the browser runs, so point the kiosk browser's start page at the `/kiosk?token=…` link.
The answer is a redirect to the token-free `/wall` at once, and the token never reaches the access log
(`dashboard.log_privacy`).
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, redirect, request, session

from dashboard.context import read_session, session_scope
from dashboard.log_privacy import TOKEN_KEY
from data.display_tokens import Display, display_for_id, display_for_token, start_display

SESSION_KEY = "display"
PAGE = "/wall"
CALLBACK_PATHS = ("/_dash-layout", "/_dash-dependencies", "/_dash-update-component")
OTHER_PATHS = ("/api/v1/me",)
PAGES_IDS = ("_pages_content", "_pages_location", "_pages_store", "_pages_dummy")

REFUSED = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>cartwatch — display</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto"><h1>cartwatch</h1>
<p id="kiosk-refused" style="color:#b00020;font-weight:bold">{text}</p></body></html>"""


def _kiosk() -> Any:
    token = str(request.environ.get(TOKEN_KEY, ""))  # put aside by dashboard.log_privacy, out of the access log
    now = datetime.now(UTC)
    with session_scope() as db:
        display = display_for_token(db, token, now) if token else None
        if display is not None:
            start_display(db, display, request.remote_addr, now)
    if display is None:
        text = "This display link is not valid: it was revoked, has expired or was mistyped. Ask the nurse-in-charge."
        return Response(REFUSED.format(text=html.escape(text)), 401, mimetype="text/html")
    session.clear()
    session[SESSION_KEY] = {"id": display.token_id, "hash": display.token_hash}
    session.permanent = False  # a browser-session cookie: the token's own expiry and revocation end it
    return redirect(PAGE)


def current_display(now: datetime) -> Display | None:
    """The display of this request's cookie, None when there is none or its token no longer holds."""
    held = session.get(SESSION_KEY)
    if not isinstance(held, dict):
        return None
    try:
        token_id, token_hash = int(held["id"]), str(held["hash"])
    except (KeyError, TypeError, ValueError):
        return None
    with read_session() as db:
        return display_for_id(db, token_id, token_hash, now)


def _output_ids(body: Any) -> list[Any]:
    outputs = body.get("outputs") if isinstance(body, dict) else None
    flat: list[Any] = []
    stack = [outputs]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            flat.append(item.get("id"))
    return flat


def _pathname(body: Any) -> str | None:
    for item in (body.get("inputs") or []) + (body.get("state") or []) if isinstance(body, dict) else []:
        if isinstance(item, dict) and item.get("id") == "_pages_location" and item.get("property") == "pathname":
            return str(item.get("value"))
    return None


def display_may(path: str, body: Any) -> bool:
    """What a display may ask for: the wall page, its own callbacks, the page router for /wall, who am I."""
    if path == PAGE or path in OTHER_PATHS or path in CALLBACK_PATHS[:2]:
        return True
    if path != CALLBACK_PATHS[2]:
        return False
    ids = _output_ids(body)
    if not ids:
        return False
    for component in ids:
        name = component.get("type") if isinstance(component, dict) else component
        if not isinstance(name, str) or not (name.startswith("wall-") or name in PAGES_IDS):
            return False
    pathname = _pathname(body)
    return pathname is None or pathname == PAGE


def init_kiosk(server: Flask) -> None:
    server.add_url_rule("/kiosk", "kiosk", _kiosk, methods=["GET"])
