from dash import Dash
from sqlalchemy.orm import Session, sessionmaker

from dashboard.app import create_app
from dashboard.compression import BundleCache
from data.settings import Settings
from tests.conftest import sign_in


def test_only_fingerprinted_bundles_are_kept() -> None:
    cache = BundleCache()
    cache.set("br;/_dash-component-suites/plotly/plotly.v7.min.js?", b"x")
    cache.set("br;/api/v1/patients?", b"y")
    assert cache.get("br;/_dash-component-suites/plotly/plotly.v7.min.js?") == b"x"
    assert cache.get("br;/api/v1/patients?") is None


def test_the_page_is_sent_gzip_or_brotli_never_zstd(settings: Settings, sessions: sessionmaker[Session]) -> None:
    app: Dash = create_app(settings)
    client = app.server.test_client()
    sign_in(client, sessions)
    page = client.get("/", headers={"Accept-Encoding": "zstd, br, gzip"})
    assert page.headers.get("Content-Encoding") in ("br", None)
    bundle_url = next(
        line.split('src="')[1].split('"')[0]
        for line in client.get("/").get_data(as_text=True).splitlines()
        if "dash_renderer" in line and 'src="' in line
    )
    bundle = client.get(bundle_url, headers={"Accept-Encoding": "zstd, gzip"})
    assert bundle.headers["Content-Encoding"] == "gzip"
