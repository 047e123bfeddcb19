"""Audit page callback: apply the filters (admin only, like the page itself)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State

from dashboard import ids
from dashboard.auth import require
from dashboard.context import app_context, read_session
from dashboard.views.audit_view import FilterInput, search

TEXT_INPUTS = (ids.AUDIT_ACTOR, ids.AUDIT_RECORD_TYPE, ids.AUDIT_PATIENT)


def register(app: Dash) -> None:
    @app.callback(
        Output(ids.AUDIT_GRID, "rowData"),
        Output(ids.AUDIT_STATUS, "children"),
        Input(ids.AUDIT_APPLY, "n_clicks"),
        *(Input(component, "n_submit") for component in TEXT_INPUTS),
        State(ids.AUDIT_ACTOR, "value"),
        State(ids.AUDIT_ACTION, "value"),
        State(ids.AUDIT_OUTCOME, "value"),
        State(ids.AUDIT_RECORD_TYPE, "value"),
        State(ids.AUDIT_PATIENT, "value"),
        State(ids.AUDIT_SINCE, "value"),
        State(ids.AUDIT_UNTIL, "value"),
        prevent_initial_call=True,
    )
    def apply(
        _clicks: int | None,
        _s1: int | None,
        _s2: int | None,
        _s3: int | None,
        actor: str | None,
        action: str | None,
        outcome: str | None,
        record_type: str | None,
        patient_id: str | None,
        since: str | None,
        until: str | None,
    ) -> tuple[Any, ...]:
        viewer = require("admin")
        form = FilterInput(actor, action, outcome, record_type, patient_id, since, until)
        result = search(read_session, form, app_context().settings.ward_timezone, viewer_ward=viewer.ward)
        return result.rows, dbc.Alert(result.message, color=result.color, class_name="py-1")
