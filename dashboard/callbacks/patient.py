"""Patient page callbacks: redraw on a change to the ward (or a save here), switch record tables, amend."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.context import read_session, session_scope
from dashboard.views.actor import current_actor, granted, viewing_settings
from dashboard.views.form_layout import error_message
from dashboard.views.infusion import save_infusion
from dashboard.views.patient import chart_drawn_from, figure, load_patient, page_outputs, patient_unchanged
from dashboard.views.recording import amend_from_table
from dashboard.views.records_table import confirm_text, pending_changes, pending_text, record_kind, stored_rows
from dashboard.views.tampering import BadCallback, optional_text, patient_store
from data.records import check_ward_of


def register(app: Dash) -> None:
    @app.callback(
        Output(ids.PATIENT_INFUSION_STATUS, "children"),
        Output(ids.PATIENT_AMENDED, "data", allow_duplicate=True),
        Input(ids.PATIENT_INFUSION_SAVE, "n_clicks"),
        State(ids.PATIENT_INFUSION_TIME, "value"),
        State(ids.PATIENT_INFUSION_REASON, "value"),
        State(ids.PATIENT_ID, "data"),
        State(ids.PATIENT_AMENDED, "data"),
        prevent_initial_call=True,
    )
    def record_infusion(
        _clicks: int, when: str | None, reason: str | None, patient: dict[str, Any], amended: int
    ) -> tuple[Any, ...]:
        tz = viewing_settings().ward_timezone
        saved, message = save_infusion(
            session_scope, patient_store(patient)["id"], when, reason, current_actor, datetime.now(UTC), tz
        )
        return message, (amended or 0) + 1 if saved else no_update

    @app.callback(
        Output(ids.PATIENT_VERSION, "data"),
        Output(ids.PATIENT_HEADER, "children"),
        Output(ids.PATIENT_GRAPH, "figure"),
        Output(ids.PATIENT_GUIDANCE, "children"),
        Output(ids.PATIENT_RECORDS, "columnDefs"),
        Output(ids.PATIENT_RECORDS, "rowData"),
        Output(ids.PATIENT_CHART_DRAWN, "data"),
        Input(ids.PATIENT_INTERVAL, "n_intervals"),
        Input(ids.patient_form(ids.PATIENT_SAVED, ALL), "data"),
        Input(ids.PATIENT_AMENDED, "data"),
        Input(ids.PATIENT_RECORD_KIND, "value"),
        State(ids.PATIENT_ID, "data"),
        State(ids.PATIENT_VERSION, "data"),
        State(ids.PATIENT_CHART_VIEW, "value"),
        State(ids.PATIENT_CHART_DRAWN, "data"),
        prevent_initial_call=True,
    )
    def redraw(
        _n: int, _saved: list[int], _amended: int, kind: Any, store: Any, version: Any, chart_view: Any, drawn: Any
    ) -> tuple[Any, ...]:
        patient = patient_store(store)
        tz = viewing_settings().ward_timezone
        now = datetime.now(UTC)
        with read_session() as session:
            check_ward_of(session, current_actor("read"), patient["id"])  # before anything of the patient is read
            if ctx.triggered_id == ids.PATIENT_INTERVAL and patient_unchanged(session, patient["id"], version):
                raise PreventUpdate
            view = load_patient(session, patient["id"], now, viewing_settings())
        if view is None:
            raise PreventUpdate
        outputs = list(page_outputs(view, record_kind(kind), now, tz, "record" in granted("record"), chart_view))
        key = chart_drawn_from(view, chart_view)
        if key == drawn:  # nothing the chart shows has changed (another table chosen, an alert, a plan saved)
            outputs[2] = no_update
        return (*outputs, key)

    @app.callback(
        Output(ids.PATIENT_GRAPH, "figure", allow_duplicate=True),
        Output(ids.PATIENT_CHART_DRAWN, "data", allow_duplicate=True),
        Input(ids.PATIENT_CHART_VIEW, "value"),
        State(ids.PATIENT_ID, "data"),
        prevent_initial_call=True,
    )
    def change_view(chart_view: str, store: Any) -> Any:
        """The 24 h, 72 h or whole-stay chart: drawn from the server so it holds only that window's points."""
        patient = patient_store(store)
        tz = viewing_settings().ward_timezone
        now = datetime.now(UTC)
        with read_session() as session:
            check_ward_of(session, current_actor("read"), patient["id"])
            view = load_patient(session, patient["id"], now, viewing_settings())
        if view is None:
            raise PreventUpdate
        return figure(view, now, tz, chart_view), chart_drawn_from(view, chart_view)

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
        known = pending if isinstance(pending, dict) else None
        current = pending_changes(record_kind(kind), events if isinstance(events, list) else None, known)
        return current, pending_text(current)

    @app.callback(
        Output(ids.PATIENT_AMEND_STATUS, "children"),
        Output(ids.PATIENT_AMENDED, "data"),
        Output(ids.PATIENT_AMEND_REASON, "value"),
        Output(ids.PATIENT_RECORDS, "rowData", allow_duplicate=True),
        Output(ids.PATIENT_PENDING, "data", allow_duplicate=True),
        Output(ids.PATIENT_PENDING_TEXT, "children", allow_duplicate=True),
        Input(ids.PATIENT_AMEND, "n_clicks"),
        State(ids.PATIENT_RECORD_KIND, "value"),
        State(ids.PATIENT_PENDING, "data"),
        State(ids.PATIENT_AMEND_REASON, "value"),
        State(ids.PATIENT_AMENDED, "data"),
        State(ids.PATIENT_ID, "data"),
        prevent_initial_call=True,
    )
    def amend(_a: int, kind: Any, pending: Any, reason: Any, count: Any, store: Any) -> tuple[Any, ...]:
        """Save the edited cells as an amendment; refused, the grid goes back to what is stored."""
        patient = patient_store(store)
        kind = record_kind(kind)
        tz = viewing_settings().ward_timezone
        saved, message = amend_from_table(
            session_scope,
            kind,
            False,
            None,
            pending if isinstance(pending, dict) else None,
            optional_text(reason, "reason"),
            current_actor("record"),
            datetime.now(UTC),
            tz,
        )
        if saved:
            return message, (count if isinstance(count, int) else 0) + 1, "", no_update, no_update, no_update
        with read_session() as session:
            rows = stored_rows(session, patient["id"], kind, tz)
        return message, no_update, no_update, rows, {}, pending_text(None)

    @app.callback(
        Output(ids.PATIENT_AMEND_CONFIRM, "is_open"),
        Output(ids.PATIENT_AMEND_CONFIRM_TEXT, "children"),
        Output(ids.PATIENT_AMEND_TARGET, "data"),
        Output(ids.PATIENT_ERROR_STATUS, "children"),
        Input(ids.PATIENT_ERROR, "n_clicks"),
        Input(ids.PATIENT_AMEND_CONFIRM_NO, "n_clicks"),
        State(ids.PATIENT_RECORD_KIND, "value"),
        State(ids.PATIENT_RECORDS, "selectedRows"),
        prevent_initial_call=True,
    )
    def confirm(_e: int, _no: int, kind: Any, selected: Any) -> tuple[Any, ...]:
        """Ask first, showing the row that will be marked; the choice is kept, whatever is clicked meanwhile."""
        if ctx.triggered_id == ids.PATIENT_AMEND_CONFIRM_NO:
            return False, no_update, None, ""
        kind = record_kind(kind)
        row = selected[0] if isinstance(selected, list) and selected and isinstance(selected[0], dict) else None
        if row is None or not str(row.get("id", "")).isdigit():
            return False, no_update, None, error_message(["Select the row to mark entered in error first."])
        return True, confirm_text(kind, row), {"kind": kind, "id": int(row["id"])}, ""

    @app.callback(
        Output(ids.PATIENT_ERROR_STATUS, "children", allow_duplicate=True),
        Output(ids.PATIENT_AMENDED, "data", allow_duplicate=True),
        Output(ids.PATIENT_AMEND_CONFIRM, "is_open", allow_duplicate=True),
        Output(ids.PATIENT_ERROR_REASON, "value"),
        Input(ids.PATIENT_AMEND_CONFIRM_YES, "n_clicks"),
        State(ids.PATIENT_AMEND_TARGET, "data"),
        State(ids.PATIENT_ERROR_REASON, "value"),
        State(ids.PATIENT_AMENDED, "data"),
        prevent_initial_call=True,
    )
    def mark_in_error(_yes: int, target: Any, reason: Any, count: Any) -> tuple[Any, ...]:
        """Mark the row shown in the confirmation (not whichever row is selected now) entered in error."""
        if not isinstance(target, dict) or not isinstance(target.get("id"), int):
            raise BadCallback("the record to mark is not named")
        kind = record_kind(target.get("kind"))
        saved, message = amend_from_table(
            session_scope,
            kind,
            True,
            [{"id": target["id"]}],
            None,
            optional_text(reason, "reason"),
            current_actor("record"),
            datetime.now(UTC),
            viewing_settings().ward_timezone,
        )
        if saved:
            return message, (count if isinstance(count, int) else 0) + 1, False, ""
        return message, no_update, True, no_update
