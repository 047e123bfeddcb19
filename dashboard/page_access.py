"""A page the signed-in person may not open says so, in words, instead of drawing an empty page.

Opening a page by its address (a bookmark, a typed URL, a link from another site) first loads the app shell; the
page's own content then comes from a callback that the server refuses with 403, which the browser shows as nothing
at all. Here the address itself is checked first: the audit trail for anyone but an administrator, and a patient
on another ward for someone kept to one ward, answer 403 with a page that says why and where to go instead. The
refusal is audited as every other one is: another ward's patient by the same hook as a callback's or the API's
(`dashboard.read_audit.audit_refused_access`, with the patient id), the audit page as a role refusal.

A link inside the app (the navigation, a bed card, an alert) does not load an address: Dash's page router draws
the page in a callback, where the page's own checks refuse it (`dashboard.auth.require`, `data.records.check_ward`,
each audited). That refusal is drawn inside the app's frame with the same words (`guard_page_layouts`), instead of
a 403 that the router would show as an empty page.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import UTC, datetime
from html import escape
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.exceptions import MissingCallbackContextException
from flask import Flask, Response, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from dashboard.auth import actor, permitted
from dashboard.context import read_session, session_scope
from dashboard.read_audit import audit_refused_access
from dashboard.views.shell import frame
from data.audit import audit
from data.records import Forbidden, check_ward_of

PATIENT_PAGE = re.compile(r"^/patient/(\d{1,12})/?$")
REFUSED_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>cartwatch — not for your role</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto">
<h1>cartwatch</h1><p id="page-refused" style="font-weight:bold">{text}</p>
<p><a href="/">Back to the bay</a></p></body></html>"""


REFUSED_ID = "page-refused"
GUARDED = "_cartwatch_page_guarded"


def _refused(text: str) -> Response:
    return Response(REFUSED_PAGE.format(text=escape(text)), 403, mimetype="text/html")


def _other_ward(path: str) -> int | None:
    """The id of the patient at this address when that patient is on a ward the signed-in person may not see."""
    found = PATIENT_PAGE.match(path)
    ward = getattr(current_user, "ward", None)
    if found is None or ward is None:
        return None
    patient_id = int(found.group(1))
    with read_session() as session:
        try:
            check_ward_of(session, actor(), patient_id)
        except Forbidden:
            return patient_id
    return None


def refusal(path: str | None = None) -> tuple[str, int | None] | None:
    """Why the signed-in person may not open the page at `path` (by default this request's address), with the
    patient it names if that is the reason, or None when they may."""
    path = request.path if path is None else path
    role = str(getattr(current_user, "role", "")).replace("_", " ")
    if path.rstrip("/") == "/audit" and not permitted("admin"):
        return f"The audit trail is for administrators; your role ({role}) cannot open it.", None
    patient_id = _other_ward(path)
    if patient_id is not None:
        ward = current_user.ward
        return f"This patient is not on {ward}, the ward you may see; you cannot open their page.", patient_id
    return None


def _check() -> Any:
    if request.method != "GET" or not getattr(current_user, "is_authenticated", False):
        return None
    refused = refusal()
    if refused is None:
        return None
    why, patient_id = refused
    if patient_id is not None:
        audit_refused_access(patient_id, why)
    else:
        with session_scope() as db:
            details = {"path": request.path, "why": why}
            audit(db, actor(), "open_page", datetime.now(UTC), outcome="forbidden", details=details)
    return _refused(why)


def refused_content(text: str) -> html.Div:
    """The refusal inside the app: its navigation, the same words, and the way back."""
    return frame(
        [
            dbc.Alert(
                [html.P(text, id=REFUSED_ID, className="fw-bold mb-2"), dcc.Link("Back to the bay", href="/")],
                color="warning",
            )
        ],
        root_id="page-refused-root",
        active="",
    )


GENERIC_REFUSAL = "Your role may not open this page."


def _guarded(layout: Callable[..., Any]) -> Callable[..., Any]:
    """The page's own checks still decide and audit (`require`, `check_ward`); a refusal is drawn in words
    rather than answered 403, which the page router would show as an empty page."""

    @functools.wraps(layout)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        path = _routed_path()
        if path is None:
            return layout(*args, **kwargs)
        try:
            return layout(*args, **kwargs)
        except Forbidden as exc:  # a patient on another ward: audited as the API's refusal is
            audit_refused_access(exc.patient_id, str(exc))
        except HTTPException as exc:  # `require` refused (and audited) the role
            if exc.code != 403:
                raise
        refused = refusal(path)
        return refused_content(refused[0] if refused is not None else GENERIC_REFUSAL)

    setattr(guarded, GUARDED, True)
    return guarded


def _routed_path() -> str | None:
    """The address Dash's page router is drawing, when this is its callback."""
    try:
        inputs = dash.callback_context.inputs
    except MissingCallbackContextException:  # drawn outside a callback
        return None
    value = inputs.get("_pages_location.pathname")
    return str(value) if value is not None else None


def guard_page_layouts() -> None:
    """Check every page drawn by an in-app link as an address is checked (the app's pages, once registered)."""
    for page in dash.page_registry.values():
        layout = page.get("layout")
        if callable(layout) and not getattr(layout, GUARDED, False):
            page["layout"] = _guarded(layout)


def init_page_access(server: Flask) -> None:
    """Install the check (after `dashboard.auth.init_auth`, which signs the person in)."""
    server.before_request(_check)
