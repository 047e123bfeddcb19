"""Audit trail (`/audit`, admin only): who did what, when, to which record, and how it went."""

from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import html

from dashboard import ids
from dashboard.auth import require
from dashboard.context import app_context, read_session
from dashboard.views.audit_view import (
    ANY_ACTION,
    ANY_OUTCOME,
    FilterInput,
    action_options,
    column_defs,
    outcome_options,
    search,
)
from dashboard.views.shell import frame
from data.audit import audit_actions

dash.register_page(__name__, path="/audit", title="cartwatch — audit trail")


def _field(label: str, component: object, md: int = 2) -> dbc.Col:
    return dbc.Col(
        [dbc.Label(label, html_for=getattr(component, "id", None), class_name="small mb-0"), component], md=md
    )


def layout(**_query: str) -> html.Div:
    viewer = require("admin")
    result = search(read_session, FilterInput(), app_context().settings.ward_timezone, viewer_ward=viewer.ward)
    with read_session() as session:
        actions = audit_actions(session)
    return frame(
        [
            html.H1("Audit trail", className="h3"),
            dbc.Row(
                [
                    _field("Who (user name)", dbc.Input(id=ids.AUDIT_ACTOR)),
                    _field(
                        "Action", dbc.Select(id=ids.AUDIT_ACTION, options=action_options(actions), value=ANY_ACTION)
                    ),
                    _field(
                        "Outcome", dbc.Select(id=ids.AUDIT_OUTCOME, options=outcome_options(), value=ANY_OUTCOME), md=1
                    ),
                    _field("Record type", dbc.Input(id=ids.AUDIT_RECORD_TYPE, placeholder="e.g. user"), md=1),
                    _field("Patient id", dbc.Input(id=ids.AUDIT_PATIENT, inputmode="numeric"), md=1),
                    _field("Since", dbc.Input(id=ids.AUDIT_SINCE, type="date")),
                    _field("Until", dbc.Input(id=ids.AUDIT_UNTIL, type="date")),
                    dbc.Col(dbc.Button("Apply", id=ids.AUDIT_APPLY, color="primary", class_name="w-100"), md=1),
                ],
                class_name="g-2 mb-2 align-items-end",
            ),
            html.Div(dbc.Alert(result.message, color=result.color, class_name="py-1"), id=ids.AUDIT_STATUS),
            dag.AgGrid(
                id=ids.AUDIT_GRID,
                columnDefs=column_defs(),
                rowData=result.rows,
                getRowId="params.data.id",
                defaultColDef={"resizable": True, "sortable": True, "width": 120},
                dashGridOptions={"tooltipShowDelay": 300},
                style={"height": "560px"},
            ),
        ],
        root_id=ids.AUDIT_ROOT,
        active="/audit",
    )
