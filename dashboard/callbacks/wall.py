"""Wall screen callbacks: the refresh (one cheap statement when nothing changed), the clock (assets/wall.js) and
the "not updating" check the bay shares (assets/alive.js), both in the browser, so they keep working when the
server does not."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dash import ALL, ClientsideFunction, Dash, Input, Output, State
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.views.wall_page import WALL_OUTPUTS, WallTick, wall_refresh


def register(app: Dash) -> None:
    @app.callback(
        *(Output(component, prop) for component, prop in WALL_OUTPUTS),
        Input(ids.WALL_INTERVAL, "n_intervals"),
        State(ids.WALL_VERSION, "data"),
        State(ids.WALL_RENDERED, "data"),
        State(ids.WALL_BANNER, "children"),
        State(ids.WALL_SHOWN, "data"),
        prevent_initial_call=True,
    )
    def on_tick(
        _n: int, version: int | None, rendered: str | None, banner: str | None, shown: int | None
    ) -> tuple[Any, ...]:
        outputs = wall_refresh(WallTick(version, rendered, banner, shown), datetime.now(UTC))
        if outputs is None:
            raise PreventUpdate
        return outputs

    app.clientside_callback(
        ClientsideFunction(namespace="cartwatchWall", function_name="clock"),
        Output(ids.WALL_CLOCK, "children"),
        Input(ids.WALL_CLOCK_TICK, "n_intervals"),
        State(ids.WALL_TZ, "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(  # more beds than one screen holds: the next page, in the browser
        ClientsideFunction(namespace="cartwatchWall", function_name="page"),
        Output(ids.WALL_SHOWN, "data", allow_duplicate=True),
        Output(ids.wall_page(ALL), "className"),
        Output(ids.WALL_PAGE_LABEL, "children", allow_duplicate=True),
        Input(ids.WALL_PAGE_TICK, "n_intervals"),
        State(ids.WALL_SHOWN, "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(  # a drawing arrived: when, by the browser's clock (the server's may differ)
        ClientsideFunction(namespace="cartwatchAlive", function_name="received"),
        Output(ids.WALL_RECEIVED, "data"),
        Input(ids.WALL_RENDERED, "data"),
    )
    app.clientside_callback(
        ClientsideFunction(namespace="cartwatchAlive", function_name="check"),
        Output(ids.WALL_STALE, "className"),
        Output(ids.WALL_STALE_TEXT, "children"),
        Input(ids.WALL_INTERVAL, "n_intervals"),
        State(ids.WALL_RECEIVED, "data"),
        State(ids.WALL_TZ, "data"),
        prevent_initial_call=True,
    )
