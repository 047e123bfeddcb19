"""A page the signed-in person may not open says so, in words, instead of drawing an empty page.

Opening a page by its address (a bookmark, a typed URL, a link from a page) first loads the app shell; the page's
own content then comes from a callback that the server refuses with 403, which the browser shows as nothing at
all. Here the address itself is checked first: the audit trail for anyone but an administrator, and a patient on
another ward for someone kept to one ward, answer 403 with a page that says why and where to go instead. The
refusal is audited as every other one is: another ward's patient by the same hook as a callback's or the API's
(`dashboard.read_audit.audit_refused_access`, with the patient id), the audit page as a role refusal.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, request
from flask_login import current_user

from dashboard.auth import actor, permitted
from dashboard.context import read_session, session_scope
from dashboard.read_audit import audit_refused_access
from data.audit import audit
from data.records import Forbidden, check_ward_of

PATIENT_PAGE = re.compile(r"^/patient/(\d{1,12})/?$")
REFUSED_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>cartwatch — not for your role</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto">
<h1>cartwatch</h1><p id="page-refused" style="font-weight:bold">{text}</p>
<p><a href="/">Back to the bay</a></p></body></html>"""


def _refused(text: str) -> Response:
    return Response(REFUSED_PAGE.format(text=html.escape(text)), 403, mimetype="text/html")


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


def refusal() -> tuple[str, int | None] | None:
    """Why the signed-in person may not open the page at this address, with the patient it names if that is the
    reason, or None when they may."""
    path = request.path
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


def init_page_access(server: Flask) -> None:
    """Install the check (after `dashboard.auth.init_auth`, which signs the person in)."""
    server.before_request(_check)
