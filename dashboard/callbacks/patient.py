"""Patient page callbacks: redraw on a change to the ward (or a save here), switch record tables, amend."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.context import app_context, read_session, session_scope
from dashboard.pages.patient import figure
from dashboard.views.actor import current_actor
from dashboard.views.form_layout import error_message
from dashboard.views.patient import guidance_panel, header, load_patient
from dashboard.views.recording import amend_record
from dashboard.views.records_table import amend_body, column_defs, error_body, pending_changes, pending_text, row_data
from data.queries import ward_pulse


def register(app: Dash) -> None:
    @app.callback(
        Output(ids.PATIENT_VERSION, "data"),
        Output(ids.PATIENT_HEADER, "children"),
        Output(ids.PATIENT_GRAPH, "figure"),
        Output(ids.PATIENT_GUIDANCE, "children"),
        Output(ids.PATIENT_RECORDS, "columnDefs"),
        Output(ids.PATIENT_RECORDS, "rowData"),
        Input(ids.PATIENT_INTERVAL, "n_intervals"),
        Input(ids.patient_form(ids.PATIENT_SAVED, ALL), "data"),
        Input(ids.PATIENT_AMENDED, "data"),
        Input(ids.PATIENT_RECORD_KIND, "value"),
        State(ids.PATIENT_ID, "data"),
        State(ids.PATIENT_VERSION, "data"),
        prevent_initial_call=True,
    )
    def redraw(
        _n: int, _saved: list[int], _amended: int, kind: str, patient: dict[str, Any], version: int
    ) -> tuple[Any, ...]:
        settings = app_context().settings
        tz = settings.ward_timezone
        now = datetime.now(UTC)
        with read_session() as session:
            if ctx.triggered_id == ids.PATIENT_INTERVAL and ward_pulse(session, patient["ward"])[0] == version:
                raise PreventUpdate
            view = load_patient(session, patient["id"], now, tz)
        if view is None:
            raise PreventUpdate
        rows = row_data(kind, view.records[kind], tz)
        return (
            view.version,
            header(view, now, tz),
            figure(view, now, tz),
            guidance_panel(view, tz),
            column_defs(kind),
            rows,
        )

    @app.callback(
        Output(ids.PATIENT_PENDING, "data"),
        Output(ids.PATIENT_PENDING_TEXT, "children"),
        Input(ids.PATIENT_RECORDS, "cellValueChanged"),
        Input(ids.PATIENT_RECORD_KIND, "value"),
        Input(ids.PATIENT_AMENDED, "data"),
        State(ids.PATIENT_PENDING, "data"),
        prevent_initial_call=True,
    )
    def edit(events: list[dict[str, Any]] | None, kind: str, _amended: int, pending: dict[str, Any]) -> tuple[Any, ...]:
        if ctx.triggered_id != ids.PATIENT_RECORDS:
            return {}, pending_text(None)
        current = pending_changes(kind, events, pending)
        return current, pending_text(current)

    @app.callback(
        Output(ids.PATIENT_AMEND_STATUS, "children"),
        Output(ids.PATIENT_AMENDED, "data"),
        Output(ids.PATIENT_AMEND_REASON, "value"),
        Input(ids.PATIENT_AMEND, "n_clicks"),
        Input(ids.PATIENT_ERROR, "n_clicks"),
        State(ids.PATIENT_RECORD_KIND, "value"),
        State(ids.PATIENT_PENDING, "data"),
        State(ids.PATIENT_RECORDS, "selectedRows"),
        State(ids.PATIENT_AMEND_REASON, "value"),
        State(ids.PATIENT_AMENDED, "data"),
        prevent_initial_call=True,
    )
    def amend(
        _a: int,
        _e: int,
        kind: str,
        pending: dict[str, Any],
        selected: list[dict[str, Any]] | None,
        reason: str | None,
        count: int,
    ) -> tuple[Any, ...]:
        now = datetime.now(UTC)
        if ctx.triggered_id == ids.PATIENT_ERROR:
            record_id = int(selected[0]["id"]) if selected else None
            outcome = amend_record(session_scope, kind, record_id, error_body(reason), current_actor("record"), now)
            done = "Marked entered in error; the record is kept in the audit trail."
        else:
            record_id = (pending or {}).get("record_id")
            outcome = amend_record(
                session_scope, kind, record_id, amend_body(pending, reason), current_actor("record"), now
            )
            done = "Amendment saved; the original is kept in the audit trail."
        if not outcome.saved:
            return error_message(outcome.general), no_update, no_update
        return done, (count or 0) + 1, ""
