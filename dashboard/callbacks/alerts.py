"""Alerts page callbacks: refresh on a ward change, act on the selected alert, show its history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dash import Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.context import read_session, session_scope
from dashboard.views.actor import current_actor, viewing_settings
from dashboard.views.alerts_view import (
    STATUSES,
    act,
    action_status,
    chains_or_none,
    columns_for,
    history_title,
    load_alert_rows,
    load_history,
    resolve_hint,
    selected_alert,
    shown,
)
from dashboard.views.board import check_pulse
from dashboard.views.tampering import BadCallback, optional_text

ACTIONS = {ids.ALERTS_ACK: "acknowledge", ids.ALERTS_SNOOZE: "snooze", ids.ALERTS_RESOLVE: "resolve"}


def register(app: Dash) -> None:
    @app.callback(
        Output(ids.ALERTS_GRID, "rowData"),
        Output(ids.ALERTS_GRID, "columnDefs"),
        Output(ids.ALERTS_VERSION, "data"),
        Output(ids.ALERTS_BANNER, "children"),
        Output(ids.ALERTS_BANNER, "is_open"),
        Input(ids.ALERTS_INTERVAL, "n_intervals"),
        Input(ids.ALERTS_CHANGED, "data"),
        Input(ids.ALERTS_FILTER, "value"),
        State(ids.ALERTS_VERSION, "data"),
        State(ids.ALERTS_BANNER, "children"),
        prevent_initial_call=True,
    )
    def refresh(_n: int, _changed: int, status: Any, version: Any, banner: Any) -> tuple[Any, ...]:
        if status not in dict(STATUSES):
            raise BadCallback("the alerts filter is not one this page offers")
        settings = viewing_settings()
        now = datetime.now(UTC)
        # A tick reads the rows only when the ward changed; an action here or a new filter always does. The rows on
        # screen say which filter they were read for: a filter change whose request was overtaken by a tick (the
        # page applies only the newest answer) is still read, never left showing the other list.
        same_list = isinstance(version, dict) and version.get("status") == status
        known = version.get("version") if ctx.triggered_id == ids.ALERTS_INTERVAL and same_list else None
        with read_session() as session:
            check = check_pulse(session, now, settings, known, banner)
            if check is None:
                raise PreventUpdate
            if not check.changed:
                return no_update, no_update, no_update, check.banner, bool(check.banner)
            rows = load_alert_rows(session, now, settings, status)
        return rows, columns_for(status), shown(status, check.pulse.version), check.banner, bool(check.banner)

    @app.callback(
        Output(ids.ALERTS_STATUS, "children"),
        Output(ids.ALERTS_CHANGED, "data"),
        Output(ids.ALERTS_REASON, "value"),
        Input(ids.ALERTS_ACK, "n_clicks"),
        Input(ids.ALERTS_SNOOZE, "n_clicks"),
        Input(ids.ALERTS_RESOLVE, "n_clicks"),
        State(ids.ALERTS_GRID, "selectedRows"),
        State(ids.ALERTS_REASON, "value"),
        State(ids.ALERTS_MINUTES, "value"),
        State(ids.ALERTS_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def on_action(
        _a: int,
        _s: int,
        _r: int,
        selected: list[dict[str, Any]] | None,
        reason: str | None,
        minutes: int | None,
        changed: int,
    ) -> tuple[Any, ...]:
        action = ACTIONS.get(str(ctx.triggered_id))
        if action is None:
            raise BadCallback("the action is not one this page offers")
        settings = viewing_settings()
        actor = current_actor(action)  # a role that may not act is refused (403) before anything else is read
        if minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, (int, float))):
            raise BadCallback("the snooze minutes are not a number")
        result = act(
            session_scope,
            action,
            selected_alert(selected),
            actor,
            datetime.now(UTC),
            settings,
            optional_text(reason, "reason"),
            None if minutes is None else int(minutes),
        )
        if not result.done:
            return action_status(result, selected), no_update, no_update
        return action_status(result, selected), (changed or 0) + 1, ""

    @app.callback(
        Output(ids.ALERTS_HISTORY, "rowData"),
        Output(ids.ALERTS_HISTORY_TITLE, "children"),
        Output(ids.ALERTS_HINT, "children"),
        Input(ids.ALERTS_GRID, "selectedRows"),
        prevent_initial_call=True,
    )
    def history(selected: list[dict[str, Any]] | None) -> tuple[Any, ...]:
        alert_id = selected_alert(selected)
        if alert_id is None:
            return [], history_title(None), resolve_hint(None)
        settings = viewing_settings()
        with read_session() as session:
            rows = load_history(
                session, alert_id, settings.ward_timezone, current_actor("read"), chains_or_none(settings)
            )
        return rows, history_title(selected), resolve_hint(selected)
