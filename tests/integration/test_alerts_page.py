"""The alerts page's list, as its callback answers the browser: the rows on screen are always those of the filter
chosen, even when the filter's request was overtaken by a tick (the page applies only the newest answer)."""

from __future__ import annotations

from typing import Any

from dash import Dash
from sqlalchemy.orm import Session, sessionmaker

from dashboard import ids
from dashboard.views.board import poll
from data.settings import Settings
from tests.conftest import sign_in

ORIGIN_HEADERS = {"Origin": "http://localhost"}


def _refresh(trigger: str, status: str, shown: Any) -> dict[str, Any]:
    """The request the alerts list sends: a tick (`trigger` the interval) or a filter change, with `shown` the
    alerts version store (what the grid on screen was read for)."""
    return {
        "output": (
            f"..{ids.ALERTS_GRID}.rowData...{ids.ALERTS_GRID}.columnDefs...{ids.ALERTS_VERSION}.data..."
            f"{ids.ALERTS_BANNER}.children...{ids.ALERTS_BANNER}.is_open.."
        ),
        "outputs": [
            {"id": ids.ALERTS_GRID, "property": "rowData"},
            {"id": ids.ALERTS_GRID, "property": "columnDefs"},
            {"id": ids.ALERTS_VERSION, "property": "data"},
            {"id": ids.ALERTS_BANNER, "property": "children"},
            {"id": ids.ALERTS_BANNER, "property": "is_open"},
        ],
        "inputs": [
            {"id": ids.ALERTS_INTERVAL, "property": "n_intervals", "value": 3},
            {"id": ids.ALERTS_CHANGED, "property": "data", "value": 0},
            {"id": ids.ALERTS_FILTER, "property": "value", "value": status},
        ],
        "state": [
            {"id": ids.ALERTS_VERSION, "property": "data", "value": shown},
            {"id": ids.ALERTS_BANNER, "property": "children", "value": ""},
        ],
        "changedPropIds": [f"{trigger}.n_intervals" if trigger == ids.ALERTS_INTERVAL else f"{trigger}.value"],
    }


def test_a_tick_after_the_filter_changed_reads_the_list_chosen_not_the_one_on_screen(
    app: Dash, sessions: sessionmaker[Session], settings: Settings
) -> None:
    client = app.server.test_client()
    sign_in(client, sessions, "doctor")
    with sessions() as session:
        version = poll(session, settings).version
    on_screen = {"status": "open", "version": version}
    # Nothing changed on the ward and the open list is shown: the tick answers nothing new.
    same = client.post(
        "/_dash-update-component", json=_refresh(ids.ALERTS_INTERVAL, "open", on_screen), headers=ORIGIN_HEADERS
    )
    assert same.status_code == 204 or ids.ALERTS_GRID not in same.get_json()["response"]  # at most the banner
    # "Resolved" was chosen, but the tick's request overtook the filter's: the resolved list is still read.
    ticked = client.post(
        "/_dash-update-component", json=_refresh(ids.ALERTS_INTERVAL, "resolved", on_screen), headers=ORIGIN_HEADERS
    )
    assert ticked.status_code == 200
    answer = ticked.get_json()["response"]
    assert "rowData" in answer[ids.ALERTS_GRID]
    assert answer[ids.ALERTS_VERSION]["data"]["status"] == "resolved"
