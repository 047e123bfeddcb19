"""Handover sheet callback: a new plan for one patient (append-only; the earlier plan stays in the database)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import MATCH, Dash, Input, Output, State, ctx, html, no_update

from dashboard import ids
from dashboard.context import session_scope
from dashboard.views.actor import current_actor, viewing_settings
from dashboard.views.errors import error_lines
from dashboard.views.handover_sheet import plan_view
from dashboard.views.timefmt import stamp
from data.plans import write_plan
from data.records import Forbidden
from data.validation import InvalidInput


def register(app: Dash) -> None:
    @app.callback(
        Output(ids.handover_status(MATCH), "children"),
        Output(ids.handover_plan_shown(MATCH), "children"),
        Output(ids.handover_plan(MATCH), "value"),
        Input(ids.handover_save(MATCH), "n_clicks"),
        State(ids.handover_plan(MATCH), "value"),
        prevent_initial_call=True,
    )
    def on_save(_n: int, text: str | None) -> tuple[Any, ...]:
        actor = current_actor("record")
        patient_id = int(ctx.triggered_id["patient"])
        now = datetime.now(UTC)
        tz = viewing_settings().ward_timezone
        try:
            with session_scope() as session:
                plan = write_plan(session, patient_id, text, actor, now)
                shown = plan_view(plan, tz)
        except (InvalidInput, Forbidden) as error:
            lines = error_lines(error) if isinstance(error, InvalidInput) else [str(error)]
            message = [html.Strong("Not saved."), *(html.Div(line) for line in lines)]
            return dbc.Alert(message, color="danger", class_name="py-1 mb-0"), no_update, no_update
        return dbc.Alert(f"Plan saved at {stamp(now, tz)}.", color="success", class_name="py-1 mb-0"), shown, ""
