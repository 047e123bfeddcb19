"""Recording forms: live grade preview, save through the one write path, inline errors by field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, no_update

from dashboard import ids
from dashboard.context import read_session, session_scope
from dashboard.views.actor import current_actor, viewing_settings
from dashboard.views.field_hints import unit_options
from dashboard.views.form_layout import PREVIEWED, preview_block
from dashboard.views.forms import KINDS, body_from_values, form_values
from dashboard.views.prefill import PREFILLABLE, marks
from dashboard.views.previews import form_preview
from dashboard.views.recording import submit_form


def _register_save(app: Dash, kind: str) -> None:
    @app.callback(
        Output(ids.patient_feedback(kind, ALL), "children"),
        Output(ids.patient_wrap(kind, ALL), "className"),
        Output(ids.patient_form(ids.PATIENT_STATUS, kind), "children"),
        Output(ids.patient_form(ids.PATIENT_SAVED, kind), "data"),
        Input(ids.patient_form(ids.PATIENT_SAVE, kind), "n_clicks"),
        State(ids.patient_field(kind, ALL), "value"),
        State(ids.PATIENT_ID, "data"),
        State(ids.patient_form(ids.PATIENT_SAVED, kind), "data"),
        prevent_initial_call=True,
    )
    def save(_clicks: int, _values: list[Any], patient: dict[str, Any], saved: int) -> tuple[Any, ...]:
        names = [o["id"]["name"] for o in ctx.outputs_list[0]]
        values = form_values(ctx.states_list[0])
        tz = viewing_settings().ward_timezone
        result = submit_form(session_scope, kind, values, names, patient, current_actor, datetime.now(UTC), tz)
        return result.feedback, result.classes, result.status, (saved or 0) + 1 if result.saved else no_update


def _register_preview(app: Dash, kind: str) -> None:
    @app.callback(
        Output(ids.patient_form(ids.PATIENT_PREVIEW, kind), "children"),
        Input(ids.patient_field(kind, ALL), "value"),
        State(ids.PATIENT_ID, "data"),
    )
    def preview(_values: list[Any], patient: dict[str, Any]) -> list[Any]:
        now = datetime.now(UTC)
        tz = viewing_settings().ward_timezone
        values = form_values(ctx.inputs_list[0])
        body = body_from_values(kind, values, tz, now, patient["tool"])
        with read_session() as session:
            actor = current_actor("read")
            shown = form_preview(session, kind, body, patient["id"], patient["tool"], actor, now, values)
        return [] if shown is None else preview_block(shown)


def _register_prefill_marks(app: Dash, kind: str) -> None:
    @app.callback(
        Output(ids.patient_prefill(kind, ALL), "children"),
        Input(ids.patient_field(kind, ALL), "value"),
        State(ids.patient_form(ids.PATIENT_PREFILLED, kind), "data"),
        prevent_initial_call=True,
    )
    def prefill_marks(_values: list[Any], filled: dict[str, Any]) -> list[str]:
        """A pre-filled value the nurse changes is no longer marked as the obs's."""
        names = [o["id"]["name"] for o in ctx.outputs_list]
        return marks(names, form_values(ctx.inputs_list[0]), filled or {})


def register(app: Dash) -> None:
    for kind in KINDS:
        _register_save(app, kind)
    for kind in PREVIEWED:
        _register_preview(app, kind)
    for kind in PREFILLABLE:
        _register_prefill_marks(app, kind)

    @app.callback(
        Output(ids.patient_field("labs", "unit"), "options"),
        Output(ids.patient_field("labs", "unit"), "value"),
        Input(ids.patient_field("labs", "analyte"), "value"),
    )
    def units(analyte: str | None) -> tuple[list[dict[str, str]], str]:
        choices = unit_options(analyte)
        return [{"label": u, "value": u} for u in choices], (choices[0] if choices else "")
