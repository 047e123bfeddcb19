from plotly.offline import get_plotlyjs_version

from dashboard.bundles import bundled_plotly_version, page_scripts, plotly_bundle
from dashboard.static_cache import REVALIDATE, YEAR, cache_control, static_headers

SCRIPTS = (
    '<script src="/_dash-component-suites/dash/deps/react@18.v4_4_1m1.3.1.min.js"></script>\n'
    '<script src="/_dash-component-suites/dash_ag_grid/dash_ag_grid.v35_3_0m1.min.js"></script>\n'
)


def test_the_vendored_plotly_bundle_is_the_version_the_plotly_package_expects() -> None:
    assert bundled_plotly_version(plotly_bundle().body) == get_plotlyjs_version()


def test_fingerprinted_bundles_and_assets_are_kept_a_year_and_the_rest_revalidated() -> None:
    assert cache_control("/_dash-component-suites/dash/dash_renderer.v4_4_1m17.min.js", "") == YEAR
    assert cache_control("/assets/cartwatch.css", "m=1795866092.08") == YEAR
    assert cache_control("/_dash-component-suites/dash/dcc/async-graph.js", "") == REVALIDATE
    assert cache_control("/assets/cartwatch.css", "") == REVALIDATE
    assert cache_control("/patient/3", "") is None
    assert cache_control("/_dash-update-component", "") is None


def test_a_static_file_is_answered_without_the_session_cookie_or_vary_cookie() -> None:
    headers = [("Vary", "Accept-Encoding, Cookie"), ("Set-Cookie", "session=abc"), ("Cache-Control", "no-cache")]
    assert static_headers(headers, YEAR) == [("Vary", "Accept-Encoding"), ("Cache-Control", YEAR)]


def test_the_board_leaves_out_the_grid_and_the_patient_page_loads_the_chart_with_its_scripts() -> None:
    bundle = plotly_bundle()
    board = page_scripts("/", SCRIPTS, bundle, "/graph.js")
    assert "dash_ag_grid" not in board and "plotly" not in board
    patient = page_scripts("/patient/3", SCRIPTS, bundle, "/graph.js")
    assert patient.startswith(f'<script src="{bundle.url}">') and "dash_ag_grid" in patient
    assert patient.endswith('<script src="/graph.js"></script>')
    assert page_scripts("/alerts", SCRIPTS, bundle, "/graph.js") == SCRIPTS
