"""Recording forms: live grade preview, save through the one write path, inline errors by field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.context import read_session, session_scope
from dashboard.views.actor import current_actor, viewing_settings
from dashboard.views.field_hints import unit_options
from dashboard.views.form_layout import PREVIEWED, preview_block
from dashboard.views.forms import KINDS, body_from_values, form_fields, form_values, ice_total
from dashboard.views.prefill import PREFILLABLE, marks, newest_obs, prefilled, refill
from dashboard.views.previews import form_preview
from dashboard.views.recording import submit_form
from dashboard.views.tampering import known_names, patient_store, submission_key

PREFILLED_NAMES = [f.name for f in form_fields("crs-assessments")]


def _names(outputs: list[dict[str, Any]], kind: str, tool: str) -> list[str]:
    allowed = [f.name for f in form_fields(kind, tool)]
    return known_names((o.get("id", {}).get("name") for o in outputs), allowed)


def _register_save(app: Dash, kind: str) -> None:
    @app.callback(
        Output(ids.patient_feedback(kind, ALL), "children"),
        Output(ids.patient_wrap(kind, ALL), "className"),
        Output(ids.patient_form(ids.PATIENT_STATUS, kind), "children"),
        Output(ids.patient_form(ids.PATIENT_SAVED, kind), "data"),
        Output(ids.patient_field(kind, ALL), "value", allow_duplicate=True),
        Output(ids.patient_form(ids.PATIENT_SUBMISSION, kind), "data"),
        Input(ids.patient_form(ids.PATIENT_SAVE, kind), "n_clicks"),
        State(ids.patient_field(kind, ALL), "value"),
        State(ids.PATIENT_ID, "data"),
        State(ids.patient_form(ids.PATIENT_SAVED, kind), "data"),
        State(ids.patient_form(ids.PATIENT_SUBMISSION, kind), "data"),
        prevent_initial_call=True,
    )
    def save(_clicks: int, _values: list[Any], store: Any, saved: Any, key: Any) -> tuple[Any, ...]:
        patient = patient_store(store)
        names = _names(ctx.outputs_list[0], kind, patient["tool"])
        fields = _names(ctx.outputs_list[4], kind, patient["tool"])
        values = form_values(ctx.states_list[0])
        known_names(values, fields)
        tz = viewing_settings().ward_timezone
        now = datetime.now(UTC)
        result = submit_form(session_scope, kind, values, names, patient, current_actor, now, tz, submission_key(key))
        if not result.saved or result.cleared is None:
            return result.feedback, result.classes, result.status, no_update, [no_update] * len(fields), no_update
        count = (saved if isinstance(saved, int) else 0) + 1
        cleared = [result.cleared.get(name) for name in fields]
        return result.feedback, result.classes, result.status, count, cleared, result.key


def _register_preview(app: Dash, kind: str) -> None:
    @app.callback(
        Output(ids.patient_form(ids.PATIENT_PREVIEW, kind), "children"),
        Input(ids.patient_field(kind, ALL), "value"),
        State(ids.PATIENT_ID, "data"),
    )
    def preview(_values: list[Any], store: Any) -> list[Any]:
        patient = patient_store(store)
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
        Input(ids.patient_form(ids.PATIENT_PREFILLED, kind), "data"),
        prevent_initial_call=True,
    )
    def prefill_marks(_values: list[Any], filled: Any) -> list[str]:
        """A pre-filled value the nurse changes is no longer marked as the obs's."""
        names = known_names((o.get("id", {}).get("name") for o in ctx.outputs_list), PREFILLED_NAMES)
        return marks(names, form_values(ctx.inputs_list[0]), filled if isinstance(filled, dict) else {})

    @app.callback(
        Output(ids.patient_field(kind, ALL), "value", allow_duplicate=True),
        Output(ids.patient_form(ids.PATIENT_PREFILLED, kind), "data"),
        Input(ids.PATIENT_VERSION, "data"),
        State(ids.patient_field(kind, ALL), "value"),
        State(ids.patient_form(ids.PATIENT_PREFILLED, kind), "data"),
        State(ids.PATIENT_ID, "data"),
        prevent_initial_call=True,
    )
    def follow_newest(_version: Any, _values: list[Any], filled: Any, store: Any) -> tuple[Any, ...]:
        """The patient changed (an obs saved here or elsewhere): the pre-fill follows the newest obs."""
        patient = patient_store(store)
        names = _names(ctx.outputs_list[0], kind, patient["tool"])
        now = datetime.now(UTC)
        with read_session() as session:
            obs = newest_obs(session, patient["id"])
        newest = prefilled(kind, obs, now, viewing_settings().ward_timezone)
        old = filled if isinstance(filled, dict) else {}
        current = form_values(ctx.states_list[0])
        values, sources = refill(names, current, old, newest)
        if sources == old and values == [current.get(name) for name in names]:
            raise PreventUpdate
        return values, sources


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
        choices = unit_options(analyte if isinstance(analyte, str) else None)
        return [{"label": u, "value": u} for u in choices], (choices[0] if choices else "")

    @app.callback(
        Output(ids.PATIENT_ICE_TOTAL, "children"),
        Input(ids.patient_field("neuro-assessments", "ice"), "value"),
    )
    def ice(ticked: Any) -> str:
        """The ICE total as the boxes are ticked."""
        return ice_total(ticked if isinstance(ticked, list) else None)
