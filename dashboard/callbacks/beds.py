"""Beds page callbacks: admit, move, discharge and display tokens, each through `dashboard.views.beds`; after any
of them the patient lists, the discharged list and the token list are read again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, ctx, html
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.auth import permitted
from dashboard.context import read_session, session_scope
from dashboard.views.actor import current_actor, viewing_settings
from dashboard.views.beds import (
    Outcome,
    admit,
    discharge,
    discharged_rows,
    discharged_table,
    move,
    new_display_token,
    patient_options,
    revoke_token,
    token_options,
)


def _status(outcome: Outcome) -> dbc.Alert:
    head, *rest = outcome.lines
    body: list[Any] = [html.Strong(head)]
    body += [html.Div(line, className="beds-line") for line in rest]
    return dbc.Alert(body, color="success" if outcome.ok else "danger", class_name="py-1 mb-0")


def _bump(changed: int | None, outcome: Outcome) -> int | Any:
    return (changed or 0) + 1 if outcome.ok else (changed or 0)


def register(app: Dash) -> None:
    @app.callback(
        Output(ids.BEDS_ADMIT_STATUS, "children"),
        Output(ids.BEDS_CHANGED, "data", allow_duplicate=True),
        Input(ids.BEDS_ADMIT, "n_clicks"),
        State(ids.beds_field(ALL), "value"),
        State(ids.BEDS_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def on_admit(_n: int, values: list[Any], changed: int | None) -> tuple[Any, ...]:
        actor = current_actor("manage_beds")
        names = [spec["id"]["name"] for spec in ctx.states_list[0]]
        outcome = admit(session_scope, dict(zip(names, values, strict=True)), actor, _tz(), datetime.now(UTC))
        return _status(outcome), _bump(changed, outcome)

    @app.callback(
        Output(ids.BEDS_MOVE_STATUS, "children"),
        Output(ids.BEDS_CHANGED, "data", allow_duplicate=True),
        Input(ids.BEDS_MOVE, "n_clicks"),
        State(ids.BEDS_MOVE_PATIENT, "value"),
        State(ids.BEDS_MOVE_BED, "value"),
        State(ids.BEDS_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def on_move(_n: int, patient: int | None, bed: str | None, changed: int | None) -> tuple[Any, ...]:
        outcome = move(session_scope, patient, bed, current_actor("manage_beds"), _tz(), datetime.now(UTC))
        return _status(outcome), _bump(changed, outcome)

    @app.callback(
        Output(ids.BEDS_DISCHARGE_STATUS, "children"),
        Output(ids.BEDS_CHANGED, "data", allow_duplicate=True),
        Output(ids.BEDS_DISCHARGE_CONFIRM, "value"),
        Input(ids.BEDS_DISCHARGE, "n_clicks"),
        State(ids.BEDS_DISCHARGE_PATIENT, "value"),
        State(ids.BEDS_DISCHARGE_AT, "value"),
        State(ids.BEDS_DISCHARGE_CONFIRM, "value"),
        State(ids.BEDS_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def on_discharge(
        _n: int, patient: int | None, when: str | None, confirmed: bool | None, changed: int | None
    ) -> tuple[Any, ...]:
        actor = current_actor("discharge")
        outcome = discharge(session_scope, patient, when, bool(confirmed), actor, _tz(), datetime.now(UTC))
        return _status(outcome), _bump(changed, outcome), False

    @app.callback(
        Output(ids.BEDS_TOKEN_STATUS, "children"),
        Output(ids.BEDS_CHANGED, "data", allow_duplicate=True),
        Input(ids.BEDS_TOKEN_CREATE, "n_clicks"),
        Input(ids.BEDS_TOKEN_REVOKE, "n_clicks"),
        State(ids.BEDS_TOKEN_WARD, "value"),
        State(ids.BEDS_TOKEN_DAYS, "value"),
        State(ids.BEDS_TOKEN_LIST, "value"),
        State(ids.BEDS_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def on_token(
        _made: int | None, _revoked: int | None, ward: str | None, days: Any, token: int | None, changed: int | None
    ) -> tuple[Any, ...]:
        actor = current_actor("admin" if permitted("admin") else "manage_beds")
        now = datetime.now(UTC)
        if ctx.triggered_id == ids.BEDS_TOKEN_REVOKE:
            outcome = revoke_token(session_scope, token, actor, now)
        else:
            outcome = new_display_token(session_scope, ward, days, actor, now)
        return _status(outcome), _bump(changed, outcome)

    @app.callback(
        Output(ids.BEDS_MOVE_PATIENT, "options"),
        Output(ids.BEDS_DISCHARGE_PATIENT, "options"),
        Output(ids.BEDS_DISCHARGED, "children"),
        Output(ids.BEDS_TOKEN_LIST, "options"),
        Input(ids.BEDS_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def on_changed(changed: int | None) -> tuple[Any, ...]:
        if not changed:
            raise PreventUpdate
        settings = viewing_settings()
        tz = settings.ward_timezone
        with read_session() as session:
            patients = patient_options(session, datetime.now(UTC), settings.board_ward)
            gone = discharged_rows(session, settings.board_ward, tz)
            tokens = token_options(session, settings.board_ward, tz) if permitted("read") else []
        return patients, patients, discharged_table(gone), tokens


def _tz() -> str:
    return viewing_settings().ward_timezone
