"""Which JavaScript a page loads: plotly.js's basic bundle where there is a chart, and no AG Grid on the board.

Dash puts every registered component library into every page and, for a `dcc.Graph`, fetches the full plotly.js
(4.8 MB, a second of the browser's time to run here) only after the page's layout has arrived. The charts here
are scatter traces with shapes, so they are served plotly.js's official basic bundle (scatter, bar, pie;
`dashboard/vendor/`, the same version as the plotly package), loaded with the page's other scripts on the pages
that draw a chart and at Dash's own plotly.js URL for a page reached inside the app. The board draws no grid, so
its page leaves out dash-ag-grid's 1.3 MB bundle; a link from there to a page that has a grid then loads that
page in full (`assets/full-load-links.js`), since Dash cannot add a component library to a page already running.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dash
from dash import Dash
from dash.fingerprint import build_fingerprint
from flask import Flask, Response, request

VENDOR = Path(__file__).resolve().parent / "vendor"
PLOTLY_FILE = "plotly-basic.min.js"
PLOTLY_DASH_URL = "/_dash-component-suites/plotly/package_data/plotly.min.js"
# Pages (by path) that draw a chart, and pages that have no component of dash-ag-grid.
CHART_PAGES = ("/patient/",)
GRIDLESS_PAGES = ("/",)
GRID_SCRIPT = re.compile(r'<script src="[^"]*/_dash-component-suites/dash_ag_grid/[^"]*"></script>\n?')


@dataclass(frozen=True)
class Bundle:
    body: bytes
    digest: str

    version: str

    @property
    def url(self) -> str:
        # Under Dash's public component-suites path and in its fingerprint format, so that `dashboard.auth` serves
        # it without a log-in, and `dashboard.static_cache` lets browsers keep it for a year.
        return f"/_dash-component-suites/cartwatch/plotly-basic.v{self.version.replace('.', '_')}m{self.digest}.min.js"


def plotly_bundle() -> Bundle:
    body = (VENDOR / PLOTLY_FILE).read_bytes()
    return Bundle(body, hashlib.sha256(body).hexdigest()[:16], bundled_plotly_version(body))


def bundled_plotly_version(body: bytes) -> str:
    """The plotly.js version the vendored bundle says it is (its licence header's first line)."""
    found = re.search(rb"plotly\.js \(basic - minified\) v(\d+\.\d+\.\d+)", body[:400])
    return found.group(1).decode() if found else ""


def graph_chunk_url() -> str:
    """dcc.Graph's code, which Dash fetches only once a graph is on the page, at a fingerprinted URL (as Dash
    names its bundles: served for a year) so that a chart page can load it with its other scripts."""
    path = "dcc/async-graph.js"
    modified = int(os.stat(os.path.join(os.path.dirname(dash.__file__), path)).st_mtime)
    return f"/_dash-component-suites/dash/{build_fingerprint(path, dash.__version__, modified)}"


def page_scripts(path: str, scripts: str, bundle: Bundle, graph_chunk: str) -> str:
    """The index page's script tags for `path`: plotly.js and dcc.Graph's code along with Dash's own where a
    chart is drawn (not one after the other once the page's layout has arrived); no AG Grid where there is no
    grid."""
    if path in GRIDLESS_PAGES:
        scripts = GRID_SCRIPT.sub("", scripts)
    if path.startswith(CHART_PAGES):
        scripts = f'<script src="{bundle.url}"></script>\n{scripts}\n<script src="{graph_chunk}"></script>'
    return scripts


class WardDash(Dash):
    """Dash whose index page loads only the bundles its page needs (see `page_scripts`)."""

    plotly: Bundle
    graph_chunk: str

    def interpolate_index(
        self,
        metas: Any = "",
        title: Any = "",
        css: Any = "",
        config: Any = "",
        scripts: Any = "",
        app_entry: Any = "",
        favicon: Any = "",
        renderer: Any = "",
    ) -> Any:
        return super().interpolate_index(
            metas=metas,
            title=title,
            css=css,
            config=config,
            scripts=page_scripts(request.path, str(scripts), self.plotly, self.graph_chunk),
            app_entry=app_entry,
            favicon=favicon,
            renderer=renderer,
        )


def init_bundles(app: WardDash, server: Flask) -> None:
    bundle = plotly_bundle()
    app.plotly = bundle
    app.graph_chunk = graph_chunk_url()

    def vendored() -> Response:
        return Response(bundle.body, mimetype="text/javascript")

    def dash_plotly() -> Any:
        # Not fingerprinted: revalidated with the bundle's hash (`dashboard.static_cache`).
        response = Response(bundle.body, mimetype="text/javascript")
        response.set_etag(bundle.digest)
        return response.make_conditional(request)

    # Both are more specific than Dash's own component-suites rule, so Werkzeug matches them first.
    server.add_url_rule(bundle.url, "vendored_plotly", vendored)
    server.add_url_rule(PLOTLY_DASH_URL, "dash_plotly", dash_plotly)
