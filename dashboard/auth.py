"""Log-in, server-side sessions, API tokens, role checks on every request, security headers.

`init_auth(server)` installs it all on the Flask server behind the Dash app. Every request except the log-in
page, the health check and static files needs a user: a browser session (checked against the database on every
request, so log-out and timeouts end it on the server) or an API token (`Authorization: Bearer`).
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import Flask, Response, abort, current_app, g, jsonify, redirect, request, session
from flask_login import LoginManager, UserMixin, current_user

from dashboard import kiosk
from dashboard.context import app_context, read_session, session_scope
from data import auth as auth_store
from data.audit import Actor, audit

# Open without log-in: exactly these pages (a prefix would open "/login-x", where Dash serves its app shell), and
# static files under these folders. /kiosk takes a wall display token and nothing else.
PUBLIC_PATHS = frozenset({"/login", "/kiosk", "/healthz", "/_favicon.ico"})
STATIC_PREFIXES = ("/_dash-component-suites/", "/assets/")
STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")


class WardUser(UserMixin):  # type: ignore[misc]
    """The signed-in person (or token holder) for this request."""

    def __init__(
        self, user_id: int, username: str, role: str, scopes: frozenset[str] | None, ward: str | None = None
    ) -> None:
        self.id = user_id
        self.username = username
        self.role = role
        self.scopes = scopes
        self.ward = ward  # None for a browser session; the token's scopes otherwise

    def get_id(self) -> str:
        return str(self.id)


def _now() -> datetime:
    return datetime.now(UTC)


def _policy() -> auth_store.AuthPolicy:
    settings = app_context().settings
    return auth_store.AuthPolicy(idle_timeout=settings.idle_timeout, absolute_timeout=settings.absolute_timeout)


def _load_from_request(req: Any) -> WardUser | None:
    header = req.headers.get("Authorization", "")
    now = _now()
    if header.startswith("Bearer "):
        with session_scope() as db:
            identity = auth_store.token_identity(db, header[len("Bearer ") :].strip(), now)
            if identity is None:
                return None
            user = identity.user
            audit(
                db,
                Actor(user.username, user.role, "api", req.remote_addr),
                "token_use",
                now,
                record_type="api_token",
                record_id=identity.token_id,
                details={"path": req.path},
            )
            g.auth_kind = "token"
            return WardUser(user.id, user.username, user.role, identity.scopes, user.ward)
    if session.get(kiosk.SESSION_KEY) is not None:  # a wall display (kiosk mode), read-only, one ward
        display = kiosk.current_display(now)
        if display is None:
            return None
        g.auth_kind = "display"
        return WardUser(display.user_id, display.username, "viewer", frozenset({"read"}), display.ward)
    sid = session.get("sid")
    if not sid:
        return None
    with read_session() as db:
        check = auth_store.check_session(db, sid, now, _policy())
    found = check.user
    if check.write_needed:
        with session_scope() as db:
            found = auth_store.session_user(db, sid, now, _policy(), req.remote_addr)
    if found is None:
        session.pop("sid", None)
        return None
    g.auth_kind = "session"
    return WardUser(found.id, found.username, found.role, None, found.ward)


def actor(source: str | None = None) -> Actor:
    """Who is acting in this request, for audit and for the records' `recorded_by`."""
    user = current_user
    kind = getattr(g, "auth_kind", "session")
    source = source or ("api" if kind == "token" else "form")
    return Actor(user.username, user.role, source, request.remote_addr, ward=user.ward)


def permitted(permission: str) -> bool:
    user = current_user
    if not getattr(user, "is_authenticated", False):
        return False
    if not auth_store.allowed(user.role, permission):
        return False
    if user.scopes is not None:  # an API token can do no more than its scopes allow
        needed = "read" if permission == "read" else ("admin" if permission == "admin" else "write")
        return needed in user.scopes
    return True


def require(permission: str) -> Actor:
    """Abort with 403 (and audit the refusal) unless the current user may do `permission`.

    Patients on another ward are refused where the patient is touched (data.records.Forbidden -> 403, audited by
    dashboard.read_audit)."""
    if not getattr(current_user, "is_authenticated", False):
        abort(401)
    if not permitted(permission):
        with session_scope() as db:
            audit(db, actor(), permission, _now(), outcome="forbidden", details={"path": request.path})
        abort(403)
    return actor()


def _origin() -> str:
    return request.headers.get("Origin") or request.headers.get("Referer") or ""


def _same_origin() -> bool:
    origin = _origin()
    if not origin:
        return False
    return urlsplit(origin).netloc == request.host


def _why_unauthenticated() -> str:
    if request.headers.get("Authorization", "").startswith("Bearer "):
        return "invalid, expired or revoked API token"
    # The session cookie is dropped when the server finds the session ended (`_load_from_request`).
    return "no session or token, or the session has ended"


def audit_refusal(
    action: str, outcome: str, who: Actor | None = None, *, why: str, patient_id: int | None = None
) -> None:
    """A refused request in the audit trail, in a transaction of its own (the request's, if any, rolls back)."""
    who = who or Actor(
        "anonymous",
        role=None,
        source="api" if request.path.startswith("/api/") else "form",
        address=request.remote_addr,
    )
    details = {"path": request.path[:200], "method": request.method, "why": why}
    with session_scope() as db:
        audit(db, who, action, _now(), outcome=outcome, patient_id=patient_id, details=details)


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(STATIC_PREFIXES)


def safe_next(target: str | None) -> str:
    """Where to go after log-in: a path on this site, or "/". Checked as a browser will read it: browsers drop
    tabs and newlines from URLs and read a backslash as a slash, so "/", a tab, "/evil.example" is another site;
    the check is repeated on the percent-decoded text, so an encoded form of the same trick fails too."""
    if not target:
        return "/"
    cleaned = _as_browser_reads(target)
    for reading in (cleaned, _as_browser_reads(unquote(cleaned))):
        if any(ord(ch) < 0x20 or ch.isspace() for ch in reading):
            return "/"
        parts = urlsplit(reading)
        if parts.scheme or parts.netloc or not reading.startswith("/") or reading.startswith("//"):
            return "/"
    parts = urlsplit(cleaned)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _as_browser_reads(url: str) -> str:
    return "".join(ch for ch in url if ch not in "\t\r\n").replace("\\", "/")


def _guard() -> Any:
    path = request.path
    if is_public(path):
        return None
    if not current_user.is_authenticated:
        if path.startswith("/api/") or path.startswith("/_dash-"):
            audit_refusal("authenticate", "failure", why=_why_unauthenticated())
            return Response('{"detail": "authentication required"}', 401, mimetype="application/json")
        return redirect(f"/login?next={path}")
    if getattr(g, "auth_kind", "") == "display" and not kiosk.display_may(path, request.get_json(silent=True)):
        audit_refusal("display_scope", "forbidden", actor(), why=f"path {path[:100]}")
        return Response('{"detail": "a wall display sees only the wall"}', 403, mimetype="application/json")
    if (
        request.method in STATE_CHANGING
        and getattr(g, "auth_kind", "") in ("session", "display")
        and not _same_origin()
    ):
        audit_refusal("cross_origin", "forbidden", actor(), why=f"origin {_origin()[:100] or 'not sent'}")
        return Response('{"detail": "cross-origin request refused"}', 403, mimetype="application/json")
    if path.startswith("/api/"):
        needed = api_permission(request.method, path, request.get_json(silent=True))
        if not permitted(needed):
            with session_scope() as db:
                audit(db, actor(), needed, _now(), outcome="forbidden", details={"path": path})
            return Response(f'{{"detail": "forbidden: needs {needed}"}}', 403, mimetype="application/json")
    g.actor = actor()
    return None


ALERT_ACTIONS = {"acknowledge": "acknowledge", "snooze": "snooze", "resolve": "resolve"}


def api_permission(method: str, path: str, body: Any) -> str:
    """The permission an API request needs, from its method, path and (for a few) its body."""
    if path.startswith("/api/v1/audit-events"):
        return "admin"
    if method in ("GET", "HEAD", "OPTIONS"):
        return "read"
    parts = [p for p in path.split("/") if p]  # api, v1, ...
    body = body if isinstance(body, dict) else {}
    if parts[2:3] == ["alerts"] and len(parts) == 5 and parts[4] in ALERT_ACTIONS:
        return ALERT_ACTIONS[parts[4]]
    if parts[2:3] == ["patients"] and len(parts) == 3:
        return "manage_beds"
    if parts[2:3] == ["patients"] and len(parts) == 4:
        if "confirm_open_interventions" in body:
            return "confirm_infusion"  # infusion with routine interventions open: a doctor's confirmation
        return "discharge" if "discharged_at" in body else "manage_beds"
    changes = body.get("changes") if isinstance(body.get("changes"), dict) else {}
    if "override" in body or "override" in changes:
        return "override"
    if "paused_by_doctor" in (body.get("reason"), changes.get("reason")):
        return "pause_monitoring"  # "monitoring paused by a doctor" is a doctor's decision
    return "record"


def _security_headers(response: Response) -> Response:
    settings = app_context().settings
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self' 'unsafe-eval' {_inline_script_hashes()}; "
        "style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
        + ("frame-ancestors *" if _wall_framing(settings) else "frame-ancestors 'none'")
    )
    if not _wall_framing(settings):
        response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if not request.path.startswith(STATIC_PREFIXES):
        # Pages, callbacks and the API carry patient data: nothing is kept by the browser or a proxy.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


def _inline_script_hashes() -> str:
    """Dash's own inline start-up scripts are allowed by their hashes, never by 'unsafe-inline'."""
    # Asked per response: Dash adds inline scripts when it sets itself up on the first request. ('unsafe-eval'
    # stays: dash-ag-grid and Plotly need it, and the browser tests see a violation without it.)
    dash_app = current_app.config.get("DASH_APP")
    return " ".join(dash_app.csp_hashes()) if dash_app is not None else ""


def _wall_framing(settings: Any) -> bool:
    wall = request.path == "/wall" or (request.path == "/" and request.args.get("wall") == "1")
    return bool(settings.wall_allow_framing) and wall


LOGIN_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>cartwatch — log in</title>
<style>body{{font-family:system-ui,sans-serif;max-width:22rem;margin:5rem auto}}label,input,button{{display:block;
width:100%;margin:.4rem 0}}input{{padding:.5rem}}button{{padding:.6rem}}.error{{color:#b00020}}</style></head>
<body><h1>cartwatch</h1><p>CAR-T ward board — log in</p>{error}
<form method="post" action="/login"><input type="hidden" name="next" value="{next}">
<label for="username">User name</label><input id="username" name="username" autocomplete="username" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button id="login-submit" type="submit">Log in</button></form></body></html>"""


def _login_page(error: str | None = None, status: int = 200) -> Response:
    target = safe_next(request.values.get("next"))
    body = LOGIN_PAGE.format(
        error=f'<p class="error" id="login-error">{html.escape(error)}</p>' if error else "",
        next=html.escape(target),
    )
    return Response(body, status, mimetype="text/html")


def _login() -> Any:
    if request.method == "GET":
        return _login_page()
    if not _same_origin():
        return _login_page("Log-in refused: the form was not sent from this site.", 403)
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    result = auth_store.log_in(session_scope, username, password, request.remote_addr, _now(), _policy())
    if result.error is not None:
        return _login_page(result.error, 401)
    session.clear()
    session["sid"] = result.session_id
    session.permanent = True
    return redirect(safe_next(request.form.get("next")))


def _logout() -> Any:
    sid = session.pop("sid", None)
    if sid:
        with session_scope() as db:
            auth_store.log_out(db, sid, _now(), request.remote_addr)
    session.clear()
    response = redirect("/login")
    # Pages seen in this session leave the browser's cache and storage (Back after log-out shows nothing).
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


def whoami() -> Response:
    return jsonify({"username": current_user.username, "role": current_user.role})


def init_auth(server: Flask) -> None:
    settings = app_context_settings(server)
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=settings.absolute_timeout,
    )
    manager = LoginManager()
    manager.init_app(server)
    manager.request_loader(_load_from_request)
    server.before_request(_guard)
    server.after_request(_security_headers)
    server.add_url_rule("/login", "login", _login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", _logout, methods=["GET", "POST"])
    server.add_url_rule("/api/v1/me", "whoami", whoami)
    kiosk.init_kiosk(server)


def app_context_settings(server: Flask) -> Any:
    from dashboard.context import EXTENSION

    return server.extensions[EXTENSION].settings
