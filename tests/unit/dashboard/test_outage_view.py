"""What a page shows during a database outage, in the components the callback request was to update."""

from __future__ import annotations

from typing import Any

from dash._utils import stringify_id

from dashboard import ids
from dashboard.views.bay import LEAVES
from dashboard.views.bay_refresh import FIXED_OUTPUTS, PULSE_OUTPUTS
from dashboard.views.outage import BANNER, DB_UNAVAILABLE, callback_outputs, dash_key
from tests.unit.dashboard.factories import walk


def _text(component: Any) -> str:
    return " ".join(str(c) for part in walk(component) for c in _children(part))


def _children(component: Any) -> list[Any]:
    children = getattr(component, "children", None)
    items = children if isinstance(children, list) else [children]
    return [c for c in items if isinstance(c, str)]


def test_the_board_tick_opens_the_banner_and_leaves_the_cards_as_they_were() -> None:
    tick = [{"id": component, "property": prop} for component, prop in PULSE_OUTPUTS]
    assert callback_outputs(tick) == {ids.BAY_BANNER: {"children": BANNER, "is_open": True}}
    assert BANNER.startswith(DB_UNAVAILABLE)
    cards = [
        *({"id": component, "property": prop} for component, prop in FIXED_OUTPUTS),
        *([{"id": ids.bay_leaf(pid, f), "property": p} for pid in (3, 7)] for f, p in LEAVES),
    ]
    assert callback_outputs(cards) == {}  # the cards' callback: every card left as it was


def test_a_form_save_shows_not_saving_in_its_status_and_marks_nothing_saved() -> None:
    status = ids.patient_form(ids.PATIENT_STATUS, "observations")
    outputs = [
        [{"id": ids.patient_feedback("observations", "temperature_c"), "property": "children"}],
        [{"id": ids.patient_wrap("observations", "temperature_c"), "property": "className"}],
        {"id": status, "property": "children"},
        {"id": ids.patient_form(ids.PATIENT_SAVED, "observations"), "property": "data"},
    ]
    shown = callback_outputs(outputs)
    assert list(shown) == [dash_key(status)]
    text = _text(shown[dash_key(status)]["children"])
    assert DB_UNAVAILABLE in text and "Nothing was saved" in text


def test_a_single_output_callback_is_answered_too() -> None:
    preview = ids.patient_form(ids.PATIENT_PREVIEW, "crs-assessments")
    shown = callback_outputs({"id": preview, "property": "children"})
    assert DB_UNAVAILABLE in _text(shown[dash_key(preview)]["children"])


def test_a_callback_with_nothing_to_say_it_gets_nothing() -> None:
    countdowns = [[{"id": ids.bay_leaf(7, "due-obs"), "property": "children"}]]
    assert callback_outputs(countdowns) == {}
    assert callback_outputs(None) == {}
    assert callback_outputs([{"id": 3, "property": "children"}, {"property": "children"}]) == {}


def test_component_keys_are_the_ones_dash_uses() -> None:
    for component_id in (ids.BAY_BANNER, ids.patient_form(ids.PATIENT_STATUS, "labs"), ids.bay_leaf(12, "crs")):
        assert dash_key(component_id) == stringify_id(component_id)


def test_the_alerts_page_refresh_opens_its_banner_and_keeps_its_rows() -> None:
    outputs = [
        {"id": ids.ALERTS_GRID, "property": "rowData"},
        {"id": ids.ALERTS_VERSION, "property": "data"},
        {"id": ids.ALERTS_BANNER, "property": "children"},
        {"id": ids.ALERTS_BANNER, "property": "is_open"},
    ]
    assert callback_outputs(outputs) == {ids.ALERTS_BANNER: {"children": BANNER, "is_open": True}}
