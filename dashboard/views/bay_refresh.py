"""What the bay's callbacks send back: the tick's change counter and banner, the board's changes after a write,
and the countdowns as the clock moves.

The cards are rendered once; a refresh updates their leaves through pattern-matching ALL outputs (returning
`children` makes Dash 4.4.1 remount every card). The cards are rendered again only when the set or the order of
beds changed (an admission, a discharge, a move that reorders the bay).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dash import no_update

from dashboard import ids
from dashboard.views.bay import (
    LEAVES,
    TIMER_LEAVES,
    Leaf,
    bed_cards,
    bed_keys,
    card_leaves,
    summary_text,
    timer_leaves,
    timers_store,
    updated_text,
)
from dashboard.views.board import BoardSnapshot, PulseCheck
from dashboard.views.liveness import confirm_due

# The tick's outputs, in order: the change counter to read the board at, the banner, and the confirmation that
# the page holds the ward's current state (views/liveness.py).
PULSE_OUTPUTS: tuple[tuple[str, str], ...] = (
    (ids.BAY_PULSE, "data"),
    (ids.BAY_BANNER, "children"),
    (ids.BAY_BANNER, "is_open"),
    (ids.BAY_CONFIRMED, "data"),
)

# The board callback's outputs before its leaf outputs (one ALL output per entry of LEAVES), in order.
FIXED_OUTPUTS: tuple[tuple[str, str], ...] = (
    (ids.BAY_VERSION, "data"),
    (ids.BAY_BEDS, "data"),
    (ids.BAY_CARDS, "children"),
    (ids.BAY_TIMERS, "data"),
    (ids.BAY_UPDATED, "children"),
    (ids.BAY_SUMMARY, "children"),
)

Outputs = list[dict[str, Any]]  # one entry of `ctx.outputs_list` for an ALL output: the matched components


def ordered_values(
    outputs: Outputs, values_by_patient: dict[int, dict[Leaf, Any]], leaf: Leaf, default: Any = ""
) -> list[Any]:
    """The values of one leaf in the order Dash lists the matched components (`ctx.outputs_list`)."""
    return [values_by_patient.get(int(o["id"]["patient"]), {}).get(leaf, default) for o in outputs]


def unchanged(leaf_outputs: list[Outputs]) -> list[list[Any]]:
    """Leave every matched leaf as it is: one `no_update` per matched component of each ALL output.

    Dash refuses a bare `no_update` for a pattern-matching ALL output (InvalidCallbackReturnValue, HTTP 500):
    it wants a list as long as the components it matched."""
    return [[no_update] * len(group) for group in leaf_outputs]


def pulse_outputs(
    check: PulseCheck | None, shown_banner: str | None, confirmed_at: str | None, now: datetime
) -> tuple[Any, ...] | None:
    """The tick's outputs (PULSE_OUTPUTS order), None when nothing is to change: the new change counter when the
    ward changed (the board callback then reads it), the banner when its words changed, `no_update` otherwise.

    While the page holds the ward's current state the tick confirms it (`now`) whenever it answers anyway, and at
    least every CONFIRM_EVERY: the browser cannot see an answer of "nothing changed", and covers the cards with
    "NOT UPDATING" when no update came for a minute and two refreshes (views/liveness.py). A ward that changed is
    confirmed by the cards' callback once it drew them (the new `bay-version`), so cards that could not be drawn
    are not called current."""
    current = check is None or not check.changed
    confirm = current and (check is not None or confirm_due(confirmed_at, now))
    stamp = now.isoformat() if confirm else no_update
    if check is None:
        return (no_update, no_update, no_update, stamp) if confirm else None
    version = check.pulse.version if check.changed else no_update
    if check.banner == (shown_banner or ""):
        return (version, no_update, no_update, stamp)
    return (version, check.banner, bool(check.banner), stamp)


def tick_outputs(
    board: BoardSnapshot, shown_beds: list[int | str] | None, leaf_outputs: list[Outputs], tz: str, now: datetime
) -> tuple[Any, ...]:
    """Every output of the board callback, in FIXED_OUTPUTS then LEAVES order, `no_update` where unchanged.

    `shown_beds` are the patients whose cards the page holds, `leaf_outputs` the matched leaf components
    (`ctx.outputs_list` after FIXED_OUTPUTS). Each ALL output gets a list as long as its matched components."""
    timers = timers_store(board, tz)
    updated = updated_text(now, tz)
    summary = summary_text(board)
    beds = bed_keys(board)
    if beds != shown_beds:
        # A bed came, went or changed places: render the cards again (they carry the new leaves); the leaves
        # matched on the old cards are left alone, the new cards replace them.
        cards = bed_cards(board, tz, timers)
        return (board.pulse.version, beds, cards, timers, updated, summary, *unchanged(leaf_outputs))
    values = {bed.patient_id: card_leaves(bed, tz) for bed in board.beds}
    leaves = [ordered_values(group, values, leaf) for group, leaf in zip(leaf_outputs, LEAVES, strict=True)]
    return (board.pulse.version, no_update, no_update, timers, updated, summary, *leaves)


def clock_outputs(timers: dict[str, Any], leaf_outputs: list[Outputs], now: datetime) -> list[list[Any]]:
    """The countdowns, the day and the cards' overdue colour at `now`, from the timers store alone (no query)."""
    patients = {int(o["id"]["patient"]) for group in leaf_outputs for o in group}
    values = {pid: timer_leaves(timers, pid, now) for pid in patients}
    return [ordered_values(group, values, leaf) for group, leaf in zip(leaf_outputs, TIMER_LEAVES, strict=True)]
