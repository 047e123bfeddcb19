"""Recording forms: live grade preview, save through the one write path, inline errors by field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, no_update

from dashboard import ids
from dashboard.context import app_context, read_session, session_scope
from dashboard.views.actor import current_actor
from dashboard.views.form_layout import PREVIEWED, error_message, preview_block, saved_message
from dashboard.views.forms import KINDS, body_from_values, unit_options
from dashboard.views.previews import crs_preview, neuro_preview
from dashboard.views.recording import save_record
from dashboard.views.timefmt import clock
from data.models import Patient
from data.records import fever_masked


def _values(states: list[dict[str, Any]]) -> dict[str, Any]:
    return {state["id"]["name"]: state.get("value") for state in states}


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
    def save(_clicks: int, _values_list: list[Any], patient: dict[str, Any], saved: int) -> tuple[Any, ...]:
        settings = app_context().settings
        now = datetime.now(UTC)
        values = _values(ctx.states_list[0])
        names = [o["id"]["name"] for o in ctx.outputs_list[0]]
        body = body_from_values(kind, values, settings.ward_timezone, now, patient["tool"])
        actor = current_actor("override" if body.get("override") else "record")
        outcome = save_record(session_scope, kind, patient["id"], body, names, actor, now)
        feedback = [outcome.errors.get(name, "") for name in names]
        classes = ["field-invalid" if name in outcome.errors else "" for name in names]
        if not outcome.saved:
            lines = outcome.general or ["correct the fields marked in red"]
            return feedback, classes, error_message(lines), no_update
        return feedback, classes, saved_message(kind, clock(now, settings.ward_timezone)), (saved or 0) + 1


def _register_preview(app: Dash, kind: str) -> None:
    @app.callback(
        Output(ids.patient_form(ids.PATIENT_PREVIEW, kind), "children"),
        Input(ids.patient_field(kind, ALL), "value"),
        State(ids.PATIENT_ID, "data"),
    )
    def preview(_values_list: list[Any], patient: dict[str, Any]) -> list[Any]:
        settings = app_context().settings
        now = datetime.now(UTC)
        values = _values(ctx.inputs_list[0])
        body = body_from_values(kind, values, settings.ward_timezone, now, patient["tool"])
        with read_session() as session:
            if kind == "crs-assessments":
                shown = crs_preview(body, fever_masked(session, patient["id"], now), now)
            else:
                person = session.get(Patient, patient["id"])
                if person is None:
                    return []
                shown = neuro_preview(body, person.age_years_at(now), person.developmental_delay, patient["tool"], now)
        return preview_block(shown)


def register(app: Dash) -> None:
    for kind in KINDS:
        _register_save(app, kind)
    for kind in PREVIEWED:
        _register_preview(app, kind)

    @app.callback(
        Output(ids.patient_field("labs", "unit"), "options"),
        Output(ids.patient_field("labs", "unit"), "value"),
        Input(ids.patient_field("labs", "analyte"), "value"),
    )
    def units(analyte: str | None) -> tuple[list[dict[str, str]], str]:
        choices = unit_options(analyte)
        return [{"label": u, "value": u} for u in choices], (choices[0] if choices else "")
