"""Patient page callbacks: redraw on a change to the ward (or a save here), switch record tables, amend."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.context import read_session, session_scope
from dashboard.views.actor import current_actor, viewing_settings
from dashboard.views.patient import figure, load_patient, page_outputs, patient_unchanged
from dashboard.views.recording import amend_from_table
from dashboard.views.records_table import pending_changes, pending_text
from data.records import check_ward


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
        State(ids.PATIENT_CHART_VIEW, "value"),
        prevent_initial_call=True,
    )
    def redraw(
        _n: int, _saved: list[int], _amended: int, kind: str, patient: dict[str, Any], version: int, chart_view: str
    ) -> tuple[Any, ...]:
        tz = viewing_settings().ward_timezone
        now = datetime.now(UTC)
        with read_session() as session:
            if ctx.triggered_id == ids.PATIENT_INTERVAL and patient_unchanged(session, patient["id"], version):
                raise PreventUpdate
            view = load_patient(session, patient["id"], now, viewing_settings())
        if view is None:
            raise PreventUpdate
        check_ward(current_actor("read"), view.patient)
        return page_outputs(view, kind, now, tz, chart_view)

    @app.callback(
        Output(ids.PATIENT_GRAPH, "figure", allow_duplicate=True),
        Input(ids.PATIENT_CHART_VIEW, "value"),
        State(ids.PATIENT_ID, "data"),
        prevent_initial_call=True,
    )
    def change_view(chart_view: str, patient: dict[str, Any]) -> Any:
        """The 24 h, 72 h or whole-stay chart: drawn from the server so it holds only that window's points."""
        tz = viewing_settings().ward_timezone
        now = datetime.now(UTC)
        with read_session() as session:
            view = load_patient(session, patient["id"], now, viewing_settings())
        if view is None:
            raise PreventUpdate
        check_ward(current_actor("read"), view.patient)
        return figure(view, now, tz, chart_view)

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
        in_error = ctx.triggered_id == ids.PATIENT_ERROR
        saved, message = amend_from_table(
            session_scope, kind, in_error, selected, pending, reason, current_actor("record"), datetime.now(UTC)
        )
        if not saved:
            return message, no_update, no_update
        return message, (count or 0) + 1, ""
