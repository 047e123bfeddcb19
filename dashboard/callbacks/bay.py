"""Bay overview callbacks: a small tick that asks whether the ward changed, and the leaves updated only when it did.

The tick sends the change counter the page holds, its banner and when it was last confirmed current, nothing
else: one cheap statement, and Dash has four outputs to check. The callback that updates every card's leaves
(24 beds × many pattern-matching outputs, a large request) runs only when the tick found the counter moved
(`ids.BAY_PULSE`).

The browser checks that the page is live (assets/alive.js, the wall's check): the server answers, the session
holds, and an update came within the limit (a confirmation from the tick or a drawing of the cards).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dash import ALL, ClientsideFunction, Dash, Input, Output, State, ctx
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.context import app_context, read_session
from dashboard.views.actor import viewing_settings
from dashboard.views.bay import LEAVES, TIMER_LEAVES, Leaf, overdue_summary
from dashboard.views.bay_refresh import FIXED_OUTPUTS, PULSE_OUTPUTS, clock_outputs, pulse_outputs, tick_outputs
from dashboard.views.board import board_at, check_pulse


def _leaf_outputs(leaves: tuple[Leaf, ...]) -> list[Output]:
    return [Output(ids.bay_leaf(ALL, field), prop) for field, prop in leaves]


def register(app: Dash) -> None:
    @app.callback(
        *(Output(component, prop) for component, prop in PULSE_OUTPUTS),
        Input(ids.BAY_INTERVAL, "n_intervals"),
        State(ids.BAY_VERSION, "data"),
        State(ids.BAY_BANNER, "children"),
        State(ids.BAY_CONFIRMED, "data"),
        prevent_initial_call=True,
    )
    def on_tick(_n: int, version: int | None, banner: str | None, confirmed: str | None) -> tuple[Any, ...]:
        """The ward's change counter and the banner: one statement; nothing sent when neither changed, unless the
        page's confirmation that it is current is due."""
        now = datetime.now(UTC)
        with read_session() as session:
            check = check_pulse(session, now, viewing_settings(), version, banner)
        outputs = pulse_outputs(check, banner, confirmed, now)
        if outputs is None:
            raise PreventUpdate
        return outputs

    @app.callback(
        *(Output(component, prop) for component, prop in FIXED_OUTPUTS),
        *_leaf_outputs(LEAVES),
        Input(ids.BAY_PULSE, "data"),
        State(ids.BAY_BEDS, "data"),
        prevent_initial_call=True,
    )
    def on_change(version: int | None, beds: list[int | str] | None) -> tuple[Any, ...]:
        """The ward changed: the board at the new counter (read once for every screen of the ward), into the cards."""
        if version is None:
            raise PreventUpdate
        settings = viewing_settings()
        now = datetime.now(UTC)
        with read_session() as session:
            board = board_at(session, now, settings, version, app_context().boards)
        return tick_outputs(board, beds, ctx.outputs_list[len(FIXED_OUTPUTS) :], settings.ward_timezone, now)

    @app.callback(
        *_leaf_outputs(TIMER_LEAVES),
        Input(ids.BAY_INTERVAL, "n_intervals"),
        Input(ids.BAY_TIMERS, "data"),
        prevent_initial_call=True,
    )
    def on_clock(_n: int, timers: dict[str, Any]) -> list[list[Any]]:
        """Countdowns move with the clock: computed from the stored due times, no database read."""
        return clock_outputs(timers, ctx.outputs_list, datetime.now(UTC))

    @app.callback(
        Output(ids.BAY_SUMMARY_OVERDUE, "children"),
        Input(ids.BAY_INTERVAL, "n_intervals"),
        Input(ids.BAY_TIMERS, "data"),
        prevent_initial_call=True,
    )
    def on_overdue(_n: int, timers: dict[str, Any]) -> str:
        """The summary's overdue count moves with the clock, from the stored due times (no database read)."""
        return overdue_summary(timers, datetime.now(UTC))

    app.clientside_callback(  # an update arrived: when, by the browser's clock
        ClientsideFunction(namespace="cartwatchAlive", function_name="received"),
        Output(ids.BAY_RECEIVED, "data"),
        Input(ids.BAY_CONFIRMED, "data"),
        Input(ids.BAY_VERSION, "data"),
    )
    app.clientside_callback(  # "NOT UPDATING" over the cards, decided in the browser
        ClientsideFunction(namespace="cartwatchAlive", function_name="check"),
        Output(ids.BAY_STALE, "className"),
        Output(ids.BAY_STALE_TEXT, "children"),
        Input(ids.BAY_INTERVAL, "n_intervals"),
        State(ids.BAY_RECEIVED, "data"),
        State(ids.BAY_TZ, "data"),
        prevent_initial_call=True,
    )
