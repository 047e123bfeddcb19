from datetime import timedelta
from typing import Any

import pytest
from dash import no_update

from dashboard.views.bay import LEAVES, TIMER_LEAVES, bed_keys, timers_store
from dashboard.views.bay_refresh import (
    FIXED_OUTPUTS,
    PULSE_OUTPUTS,
    clock_outputs,
    ordered_values,
    pulse_outputs,
    tick_outputs,
)
from dashboard.views.board import BoardSnapshot, Pulse, PulseCheck
from dashboard.views.grades import GradeView
from tests.unit.dashboard.factories import NOW, TZ, bed


def _outputs(patients: list[int]) -> list[list[dict[str, Any]]]:
    """`ctx.outputs_list` for the leaf outputs: one group per leaf, the matched cards in page order."""
    return [
        [{"id": {"type": "bay-leaf", "patient": pid, "field": f}, "property": p} for pid in patients] for f, p in LEAVES
    ]


def _board(*beds: Any, version: int = 2) -> BoardSnapshot:
    return BoardSnapshot(now=NOW, pulse=Pulse(version, NOW), beds=list(beds))


def _named(values: tuple[Any, ...]) -> dict[str, Any]:
    names = [f"{component}.{prop}" for component, prop in FIXED_OUTPUTS] + [f"leaf:{f}.{p}" for f, p in LEAVES]
    assert len(values) == len(names)
    return dict(zip(names, values, strict=True))


def _leaf_lists(shown: dict[str, Any], matched: int) -> None:
    """Every ALL output is a list with one entry per matched card: Dash answers HTTP 500 to a bare no_update."""
    for f, p in LEAVES:
        value = shown[f"leaf:{f}.{p}"]
        assert isinstance(value, list) and len(value) == matched, (f, p, value)


RECENTLY = (NOW - timedelta(seconds=15)).isoformat()  # the page's last confirmation that it is current


def _tick(check: PulseCheck | None, shown_banner: str = "", confirmed: str | None = RECENTLY) -> dict[str, Any] | None:
    values = pulse_outputs(check, shown_banner, confirmed, NOW)
    return None if values is None else dict(zip([f"{c}.{p}" for c, p in PULSE_OUTPUTS], values, strict=True))


def test_an_unchanged_ward_and_banner_send_nothing() -> None:
    assert _tick(None) is None


def test_only_a_changed_banner_leaves_the_counter_so_the_board_is_not_read() -> None:
    shown = _tick(PulseCheck(Pulse(2, NOW), "Alerting offline", changed=False))
    assert shown == {
        "bay-pulse.data": no_update,
        "bay-banner.children": "Alerting offline",
        "bay-banner.is_open": True,
        "bay-confirmed.data": NOW.isoformat(),  # the page is current: said whenever the tick answers anyway
    }


def test_a_banner_going_off_closes_it() -> None:
    shown = _tick(PulseCheck(Pulse(2, NOW), "", changed=False), "Alerting offline")
    assert shown == {
        "bay-pulse.data": no_update,
        "bay-banner.children": "",
        "bay-banner.is_open": False,
        "bay-confirmed.data": NOW.isoformat(),
    }


def test_a_changed_ward_sends_the_new_counter_and_leaves_an_unchanged_banner() -> None:
    shown = _tick(PulseCheck(Pulse(3, NOW), "", changed=True))
    assert shown == {
        "bay-pulse.data": 3,
        "bay-banner.children": no_update,
        "bay-banner.is_open": no_update,
        "bay-confirmed.data": no_update,  # the cards are not current until their callback drew them
    }


def test_a_changed_ward_with_a_new_banner_sends_both() -> None:
    shown = _tick(PulseCheck(Pulse(3, NOW), "Alerting offline", changed=True))
    assert shown == {
        "bay-pulse.data": 3,
        "bay-banner.children": "Alerting offline",
        "bay-banner.is_open": True,
        "bay-confirmed.data": no_update,
    }


@pytest.mark.parametrize(
    ("age", "confirmed"),
    [
        pytest.param(timedelta(seconds=28, milliseconds=999), False, id="half-a-minute-less-a-second-minus-1ms"),
        pytest.param(timedelta(seconds=29), True, id="half-a-minute-less-a-second"),
        pytest.param(timedelta(minutes=5), True, id="five-minutes"),
    ],
)
def test_an_unchanged_ward_is_confirmed_current_every_half_minute(age: timedelta, confirmed: bool) -> None:
    """The browser cannot see an answer of "nothing changed" (no body): without a confirmation well within the
    minute and two refreshes, an open bay on a quiet ward would cover itself with "NOT UPDATING"."""
    shown = _tick(None, confirmed=(NOW - age).isoformat())
    if not confirmed:
        assert shown is None  # nothing changed, nothing sent: the cheap answer most ticks get
    else:
        assert shown == {
            "bay-pulse.data": no_update,
            "bay-banner.children": no_update,
            "bay-banner.is_open": no_update,
            "bay-confirmed.data": NOW.isoformat(),
        }


@pytest.mark.parametrize("confirmed", [None, "", "not a time", "2026-11-24T11:00:00"], ids=repr)
def test_a_page_without_a_readable_confirmation_is_confirmed_at_once(confirmed: str | None) -> None:
    shown = _tick(None, confirmed=confirmed)
    assert shown is not None and shown["bay-confirmed.data"] == NOW.isoformat()


def test_a_change_to_the_same_beds_updates_the_leaves_in_place_without_rendering_cards() -> None:
    worse = bed(crs=GradeView("CRS", 3, False, "ASTCT 2019 assessment", (), rule_set="ASTCT 2019"))
    other = bed(patient_id=9, bed="9", name="Demo India")
    shown = _named(tick_outputs(_board(worse, other), [7, 9], _outputs([9, 7]), TZ, NOW))
    assert shown["bay-cards.children"] is no_update and shown["bay-beds.data"] is no_update
    assert shown["bay-version.data"] == 2 and shown["bay-updated.children"] == "updated 12:00"
    _leaf_lists(shown, 2)
    assert shown["leaf:crs.children"] == ["CRS 1", "CRS 3"]  # in the order Dash matched the components
    assert shown["leaf:name.children"] == ["Demo India", "Demo Golf"]
    assert shown["bay-timers.data"] == timers_store(_board(worse, other), TZ)


def _cards(shown: dict[str, Any]) -> list[int]:
    return [card.id["patient"] for card in shown["bay-cards.children"]]


def test_an_admission_renders_the_cards_again_and_leaves_the_old_leaves_alone() -> None:
    board = _board(bed(), bed(patient_id=9, bed="9"), version=3)
    shown = _named(tick_outputs(board, [7], _outputs([7]), TZ, NOW))
    assert shown["bay-beds.data"] == [7, 9] and _cards(shown) == [7, 9]
    assert shown["bay-version.data"] == 3 and shown["bay-timers.data"] == timers_store(board, TZ)
    _leaf_lists(shown, 1)
    assert all(v is no_update for f, p in LEAVES for v in shown[f"leaf:{f}.{p}"])


def test_the_first_admission_to_an_empty_bay_renders_its_card() -> None:
    shown = _named(tick_outputs(_board(bed()), [], _outputs([]), TZ, NOW))
    assert _cards(shown) == [7]
    _leaf_lists(shown, 0)


def test_a_discharge_renders_the_remaining_cards() -> None:
    shown = _named(tick_outputs(_board(bed()), [7, 9], _outputs([7, 9]), TZ, NOW))
    assert shown["bay-beds.data"] == [7] and _cards(shown) == [7]
    _leaf_lists(shown, 2)


def test_the_last_discharge_empties_the_bay() -> None:
    shown = _named(tick_outputs(_board(), [7], _outputs([7]), TZ, NOW))
    assert shown["bay-beds.data"] == [] and shown["bay-cards.children"] == []
    _leaf_lists(shown, 1)


def test_a_move_that_reorders_the_bay_renders_the_cards_in_the_new_order() -> None:
    moved = bed(patient_id=9, bed="10")
    shown = _named(tick_outputs(_board(bed(), moved), [9, 7], _outputs([9, 7]), TZ, NOW))
    assert shown["bay-beds.data"] == [7, 9] and _cards(shown) == [7, 9]
    _leaf_lists(shown, 2)


def test_the_clock_moves_the_countdowns_from_the_store_alone() -> None:
    timers = timers_store(_board(bed()), TZ)
    groups = [[{"id": {"type": "bay-leaf", "patient": 7, "field": f}, "property": p}] for f, p in TIMER_LEAVES]
    later = dict(zip(TIMER_LEAVES, clock_outputs(timers, groups, NOW + timedelta(minutes=5)), strict=True))
    assert later[("due-crs", "children")] == ["CRS: overdue · 45 min late"]
    assert later[("card", "className")] == ["bay-card overdue"]


def test_ordered_values_follow_the_order_dash_lists_the_components() -> None:
    outputs = [{"id": {"patient": 2}}, {"id": {"patient": 1}}]
    values = {1: {("crs", "children"): "CRS 1"}, 2: {("crs", "children"): "CRS 2"}}
    assert ordered_values(outputs, values, ("crs", "children")) == ["CRS 2", "CRS 1"]


def test_a_move_into_an_empty_bed_renders_the_cards_again_though_the_patients_order_holds() -> None:
    before = BoardSnapshot(now=NOW, pulse=Pulse(2, NOW), beds=[bed(bed="8")], empty_beds=("9",))
    after = BoardSnapshot(now=NOW, pulse=Pulse(3, NOW), beds=[bed(bed="9")], empty_beds=("8",))
    shown = _named(tick_outputs(after, bed_keys(before), _outputs([7]), TZ, NOW))
    assert shown["bay-beds.data"] == [7, "empty 8"]
    assert [card.className.split()[0] for card in shown["bay-cards.children"]] == ["bay-empty", "bay-card"]
