"""The Dash app factory. gunicorn loads `dashboard.app:server`, which builds the app on first access, with the
scheduler watchdog (`alerts.watchdog`: a thread that pages when the scheduler has stopped; never a scheduler)."""

from __future__ import annotations

import logging
from typing import Any

import dash
from dash import Dash, html

from alerts.config import ConfigError, load_config
from alerts.watchdog import Watchdog
from dashboard.api import api, health
from dashboard.api_guard import init_api_guard
from dashboard.auth import init_auth
from dashboard.bundles import WardDash, init_bundles
from dashboard.callbacks import register_callbacks
from dashboard.compression import init_compression
from dashboard.context import EXTENSION, AppContext
from dashboard.fhir_api import fhir_api
from dashboard.log_privacy import TokenOutOfLogs
from dashboard.outage import init_outage
from dashboard.page_access import guard_page_layouts, init_page_access
from dashboard.read_audit import init_read_audit
from dashboard.static_cache import init_static_caching
from data.db import make_engine, make_read_session_factory, make_session_factory
from data.settings import Settings, secret_key_problem

log = logging.getLogger(__name__)

WATCHDOG = "cartwatch_watchdog"


class InsecureConfiguration(RuntimeError):
    pass


def create_app(settings: Settings | None = None, *, watchdog: bool = False) -> Dash:
    """The app. ``watchdog``: also start the scheduler watchdog in this process (the served app does; tests and
    scripts that build an app do not)."""
    settings = settings or Settings.from_env()
    problem = None if settings.demo else secret_key_problem(settings.secret_key)
    if problem is not None:
        raise InsecureConfiguration(problem)
    engine = make_engine(settings.database_url)
    app = WardDash(
        __package__,
        use_pages=True,
        pages_folder="pages",
        title="cartwatch",
        # Bootstrap is served from assets/ (a ward network may have no internet; no CDN request).
        suppress_callback_exceptions=True,
    )
    server = app.server
    server.config["SECRET_KEY"] = settings.secret_key
    server.extensions[EXTENSION] = AppContext(
        settings, engine, make_session_factory(engine), make_read_session_factory(engine)
    )
    init_api_guard(server)  # first: no body reaches a parser (the auth check reads some) before it is checked
    init_auth(server)
    init_page_access(server)
    init_outage(server)
    init_read_audit(server)
    server.register_blueprint(api)
    server.register_blueprint(health)
    server.register_blueprint(fhir_api)
    app.layout = html.Div([dash.page_container])
    guard_page_layouts()  # the pages are registered by now (WardDash imports them)
    register_callbacks(app)
    server.config["DASH_APP"] = app  # for the Content-Security-Policy's hashes of Dash's inline scripts
    init_compression(server)
    init_bundles(app, server)
    init_static_caching(server)
    server.wsgi_app = TokenOutOfLogs(server.wsgi_app)
    if watchdog:
        start_watchdog(server, settings, engine)
    return app


def start_watchdog(server: Any, settings: Settings, engine: Any) -> None:
    try:
        config = load_config(settings)
    except ConfigError as exc:
        # The scheduler refuses to start with this configuration too: /healthz and the board show alerting down.
        log.error("alerting configuration is invalid; the scheduler watchdog cannot page: %s", exc)
        return
    dog = Watchdog(engine, config)
    dog.start()
    server.extensions[WATCHDOG] = dog


def __getattr__(name: str) -> Any:
    # gunicorn resolves `dashboard.app:server` with getattr: build the app then, not at import.
    if name == "server":
        return create_app(watchdog=True).server
    raise AttributeError(name)
