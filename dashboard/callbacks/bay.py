"""Bay overview callbacks: a cheap poll every refresh, a full read only when the ward changed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.context import read_session
from dashboard.views.actor import viewing_settings
from dashboard.views.bay import LEAVES, TIMER_LEAVES, bed_cards, card_leaves, ordered_values, timer_leaves, timers_store
from dashboard.views.board import refresh
from dashboard.views.timefmt import clock

FIXED_OUTPUTS = 7


def _leaf_outputs(leaves: tuple[tuple[str, str], ...]) -> list[Output]:
    return [Output(ids.bay_leaf(ALL, field), prop) for field, prop in leaves]


def register(app: Dash) -> None:
    @app.callback(
        Output(ids.BAY_VERSION, "data"),
        Output(ids.BAY_BANNER, "children"),
        Output(ids.BAY_BANNER, "is_open"),
        Output(ids.BAY_BEDS, "data"),
        Output(ids.BAY_CARDS, "children"),
        Output(ids.BAY_TIMERS, "data"),
        Output(ids.BAY_UPDATED, "children"),
        *_leaf_outputs(LEAVES),
        Input(ids.BAY_INTERVAL, "n_intervals"),
        State(ids.BAY_VERSION, "data"),
        State(ids.BAY_BANNER, "children"),
        State(ids.BAY_BEDS, "data"),
        prevent_initial_call=True,
    )
    def on_tick(_n: int, version: int | None, banner: str | None, beds: list[int] | None) -> tuple[Any, ...]:
        settings = viewing_settings()
        tz = settings.ward_timezone
        now = datetime.now(UTC)
        with read_session() as session:
            change = refresh(session, now, settings, version, banner)
        if change is None:
            raise PreventUpdate
        head = (change.banner, bool(change.banner))
        board = change.board
        if board is None:
            return (no_update, *head, *[no_update] * (FIXED_OUTPUTS - 3 + len(LEAVES)))
        timers = timers_store(board, tz)
        updated = f"updated {clock(now, tz)}"
        shown = [bed.patient_id for bed in board.beds]
        if shown != beds:
            # A bed was admitted or discharged: the one time the cards are rendered again.
            cards = bed_cards(board, tz, timers)
            return (board.pulse.version, *head, shown, cards, timers, updated, *[no_update] * len(LEAVES))
        values = {bed.patient_id: card_leaves(bed, tz) for bed in board.beds}
        groups = ctx.outputs_list[FIXED_OUTPUTS:]
        leaf_values = [ordered_values(group, values, leaf) for group, leaf in zip(groups, LEAVES, strict=True)]
        return (board.pulse.version, *head, no_update, no_update, timers, updated, *leaf_values)

    @app.callback(
        *_leaf_outputs(TIMER_LEAVES),
        Input(ids.BAY_INTERVAL, "n_intervals"),
        Input(ids.BAY_TIMERS, "data"),
        prevent_initial_call=True,
    )
    def on_clock(_n: int, timers: dict[str, Any]) -> list[list[Any]]:
        """Countdowns move with the clock: computed from the stored due times, no database read."""
        now = datetime.now(UTC)
        groups = ctx.outputs_list
        patients = {int(o["id"]["patient"]) for group in groups for o in group}
        values = {pid: timer_leaves(timers, pid, now) for pid in patients}
        return [ordered_values(group, values, leaf) for group, leaf in zip(groups, TIMER_LEAVES, strict=True)]
