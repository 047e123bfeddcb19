"""Alerts (`/alerts`): open alerts, acknowledge / snooze / resolve with a reason, every delivery attempt."""

from __future__ import annotations

from datetime import UTC, datetime

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.context import read_session
from dashboard.views.actor import viewing_settings
from dashboard.views.alerts_view import (
    COLUMNS,
    HISTORY_COLUMNS,
    STATUSES,
    column_defs,
    load_alert_rows,
    resolve_hint,
)
from dashboard.views.board import offline_banner, poll
from dashboard.views.grid import single_row_selection
from dashboard.views.shell import frame, heartbeat_banner

dash.register_page(__name__, path="/alerts", title="cartwatch — alerts")

SEVERITY_ROWS = {
    "severity-critical": "params.data.severity === 'critical'",
    "severity-urgent": "params.data.severity === 'urgent'",
    "severity-warning": "params.data.severity === 'warning'",
}


def layout(**_query: str) -> html.Div:
    settings = viewing_settings()
    now = datetime.now(UTC)
    with read_session() as session:
        pulse = poll(session, settings)
        rows = load_alert_rows(session, now, settings)
    return frame(
        [
            heartbeat_banner(ids.ALERTS_BANNER, offline_banner(pulse, now, settings)),
            html.H1("Alerts", className="h3"),
            dbc.RadioItems(
                id=ids.ALERTS_FILTER,
                options=[{"label": label, "value": value} for value, label in STATUSES],
                value="open",
                inline=True,
                class_name="mb-2",
            ),
            dag.AgGrid(
                id=ids.ALERTS_GRID,
                columnDefs=column_defs(COLUMNS),
                rowData=rows,
                getRowId="params.data.id",
                rowClassRules=SEVERITY_ROWS,
                defaultColDef={"resizable": True, "width": 130},
                dashGridOptions=single_row_selection(),
                style={"height": "360px"},
            ),
            dbc.Row(
                [
                    dbc.Col(
                        dbc.Input(id=ids.ALERTS_REASON, placeholder="Reason (required to snooze or resolve)"), md=6
                    ),
                    dbc.Col(
                        dbc.InputGroup(
                            [
                                dbc.Input(id=ids.ALERTS_MINUTES, type="number", value=15, min=1),
                                dbc.InputGroupText("min"),
                            ]
                        ),
                        md=2,
                    ),
                    dbc.Col(
                        dbc.ButtonGroup(
                            [
                                dbc.Button("Acknowledge", id=ids.ALERTS_ACK, color="primary"),
                                dbc.Button("Snooze", id=ids.ALERTS_SNOOZE, color="secondary"),
                                dbc.Button("Resolve", id=ids.ALERTS_RESOLVE, color="success"),
                            ]
                        ),
                        md=4,
                    ),
                ],
                class_name="mt-2",
            ),
            html.Div(resolve_hint(None), id=ids.ALERTS_HINT, className="small text-secondary mb-2"),
            html.Div(id=ids.ALERTS_STATUS),
            html.H2("Delivery history", id=ids.ALERTS_HISTORY_TITLE, className="h5 mt-3"),
            dag.AgGrid(
                id=ids.ALERTS_HISTORY,
                columnDefs=column_defs(HISTORY_COLUMNS),
                rowData=[],
                defaultColDef={"resizable": True, "width": 130},
                style={"height": "260px"},
            ),
            dcc.Interval(id=ids.ALERTS_INTERVAL, interval=settings.board_refresh_seconds * 1000),
            dcc.Store(id=ids.ALERTS_VERSION, data=pulse.version),
            dcc.Store(id=ids.ALERTS_CHANGED, data=0),
        ],
        root_id=ids.ALERTS_ROOT,
        active="/alerts",
    )
