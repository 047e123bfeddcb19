"""The Dash app factory. gunicorn loads `dashboard.app:server`, which builds the app on first access."""

from __future__ import annotations

from typing import Any

import dash
from dash import Dash, html

from dashboard.api import api, health
from dashboard.auth import init_auth
from dashboard.callbacks import register_callbacks
from dashboard.compression import init_compression
from dashboard.context import EXTENSION, AppContext
from dashboard.fhir_api import fhir_api
from dashboard.outage import init_outage
from data.db import make_engine, make_read_session_factory, make_session_factory
from data.settings import DEMO_SECRET_KEY, Settings


class InsecureConfiguration(RuntimeError):
    pass


def create_app(settings: Settings | None = None) -> Dash:
    settings = settings or Settings.from_env()
    if not settings.demo and (not settings.secret_key or settings.secret_key == DEMO_SECRET_KEY):
        raise InsecureConfiguration(
            "CARTWATCH_SECRET_KEY must be set to a secret of your own outside the demo (CARTWATCH_DEMO=0)"
        )
    engine = make_engine(settings.database_url)
    app = Dash(
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
    init_auth(server)
    init_outage(server)
    server.register_blueprint(api)
    server.register_blueprint(health)
    server.register_blueprint(fhir_api)
    app.layout = html.Div([dash.page_container])
    register_callbacks(app)
    server.config["DASH_APP"] = app  # for the Content-Security-Policy's hashes of Dash's inline scripts
    init_compression(server)
    return app


def __getattr__(name: str) -> Any:
    # gunicorn resolves `dashboard.app:server` with getattr: build the app then, not at import.
    if name == "server":
        return create_app().server
    raise AttributeError(name)
