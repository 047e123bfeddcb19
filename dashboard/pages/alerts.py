"""Alerts (`/alerts`): open alerts, acknowledge / snooze / resolve with a reason, every delivery attempt."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.context import read_session
from dashboard.views.actor import granted, viewing_settings
from dashboard.views.alerts_view import (
    HISTORY_COLUMNS,
    STATUSES,
    WRAP,
    column_defs,
    columns_for,
    load_alert_rows,
    resolve_hint,
    shown,
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


def _shown(allowed: bool) -> dict[str, str]:
    """A control the role may not use is not shown (the server refuses it anyway)."""
    return {} if allowed else {"display": "none"}


NO_ACTIONS = "Your role can view alerts but not act on them."


def actions(may: frozenset[str]) -> list[Any]:
    """The buttons this role may use: a nurse acknowledges; snooze and resolve are for the nurse in charge and
    doctors. The reason and minutes are asked only of those who may snooze or resolve."""
    reasoned = bool(may & {"snooze", "resolve"})
    return [
        dbc.Row(
            [
                dbc.Col(
                    html.Label(
                        [
                            html.Span("Reason (required to snooze or resolve)", className="form-label small d-block"),
                            dbc.Input(id=ids.ALERTS_REASON),
                        ],
                        className="w-100",
                    ),
                    md=5,
                    style=_shown(reasoned),
                ),
                dbc.Col(
                    html.Label(
                        [
                            html.Span("Snooze for", className="form-label small d-block"),
                            dbc.InputGroup(
                                [
                                    dbc.Input(id=ids.ALERTS_MINUTES, type="number", value=15, min=1),
                                    dbc.InputGroupText("min"),
                                ]
                            ),
                        ],
                        className="w-100",
                    ),
                    md=2,
                    style=_shown("snooze" in may),
                ),
                dbc.Col(
                    [
                        dbc.Button(
                            "Acknowledge", id=ids.ALERTS_ACK, color="primary", style=_shown("acknowledge" in may)
                        ),
                        dbc.Button(
                            "Snooze",
                            id=ids.ALERTS_SNOOZE,
                            color="secondary",
                            class_name="ms-2",
                            style=_shown("snooze" in may),
                        ),
                        dbc.Button(
                            "Resolve",
                            id=ids.ALERTS_RESOLVE,
                            color="success",
                            class_name="ms-2",
                            style=_shown("resolve" in may),
                        ),
                        *([] if may else [html.Span(NO_ACTIONS, className="text-secondary")]),
                    ],
                    md=5,
                    class_name="d-flex align-items-end",
                ),
            ],
            class_name="mt-2 g-2 recording",
        ),
        html.Div(
            resolve_hint(None),
            id=ids.ALERTS_HINT,
            className="small text-secondary mb-2",
            style=_shown("resolve" in may),
        ),
        html.Div(id=ids.ALERTS_STATUS, role="status"),
    ]


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
                class_name="mb-2 ticks",
            ),
            dag.AgGrid(
                id=ids.ALERTS_GRID,
                columnDefs=columns_for("open"),
                rowData=rows,
                getRowId="params.data.id",
                rowClassRules=SEVERITY_ROWS,
                defaultColDef={
                    "resizable": True,
                    "width": 130,
                    "wrapHeaderText": True,
                    "autoHeaderHeight": True,
                    **WRAP,
                },
                dashGridOptions=single_row_selection(domLayout="autoHeight"),
                style={"height": None},
            ),
            *actions(granted("acknowledge", "snooze", "resolve")),
            html.H2("Delivery history", id=ids.ALERTS_HISTORY_TITLE, className="h5 mt-3"),
            dag.AgGrid(
                id=ids.ALERTS_HISTORY,
                columnDefs=column_defs(HISTORY_COLUMNS),
                rowData=[],
                defaultColDef={"resizable": True, "width": 140, **WRAP},
                dashGridOptions={"domLayout": "autoHeight"},
                style={"height": None},
            ),
            dcc.Interval(id=ids.ALERTS_INTERVAL, interval=settings.board_refresh_seconds * 1000),
            dcc.Store(id=ids.ALERTS_VERSION, data=shown("open", pulse.version)),
            dcc.Store(id=ids.ALERTS_CHANGED, data=0),
        ],
        root_id=ids.ALERTS_ROOT,
        active="/alerts",
    )
