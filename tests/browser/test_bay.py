"""The bay overview in a real browser."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from dash import Dash
from sqlalchemy import select

from data.audit import Actor
from data.db import make_engine, make_session_factory
from data.models import Patient
from data.records import record, update_patient

pytestmark = pytest.mark.browser

EXPECTED = {
    "1": ("CRS 0", "ICANS 0"),
    "2": ("CRS 1", "ICANS 0"),
    "3": ("CRS 2", "ICANS 0"),
    "4": ("CRS 0", "ICANS 2"),
    "5": ("CRS 1", "ICANS 0"),
    "6": ("CRS 0", "ICANS 1"),
    "7": ("CRS 0", "ICANS 0"),
}


def _cards(dash_duo: Any) -> dict[str, str]:
    cards = dash_duo.find_elements(".bay-card")
    return {card.find_element("css selector", ".bay-bed").text.removeprefix("Bed "): card.text for card in cards}


def test_bay001_board_shows_every_active_bed_with_its_grades(dash_duo: Any, start_app: Callable[..., Dash]) -> None:
    start_app()
    dash_duo.wait_for_contains_text(".bay-grid", "Demo Golf")
    cards = _cards(dash_duo)
    assert list(cards) == list(EXPECTED)  # bed order, discharged bed 8 not shown
    for bed, (crs, icans) in EXPECTED.items():
        assert crs in cards[bed] and icans in cards[bed], cards[bed]
        assert "ASTCT 2019" in cards[bed], cards[bed]  # every grade names its rule set
    assert "D+4" in cards["3"] and "D-2" in cards["1"]
    assert "CAPD 6" in cards["6"]
    assert "ferritin 25,000 > 10,000" in cards["5"]
    assert dash_duo.get_logs() == []


def test_bay002_the_overdue_bed_is_red_with_minutes_late(dash_duo: Any, start_app: Callable[..., Dash]) -> None:
    start_app()
    dash_duo.wait_for_contains_text(".bay-card.overdue", "min late")
    overdue = dash_duo.find_elements(".bay-card.overdue")
    assert [card.find_element("css selector", ".bay-bed").text for card in overdue] == ["Bed 7"]
    late = overdue[0].find_element("css selector", ".bay-due.overdue")
    assert late.text.startswith("CRS: overdue")
    assert late.value_of_css_property("color") == "rgba(176, 0, 32, 1)"
    assert dash_duo.get_logs() == []


def test_bay003_wall_mode_has_large_type_and_no_navigation(dash_duo: Any, start_app: Callable[..., Dash]) -> None:
    start_app()
    dash_duo.wait_for_element("#app-nav")
    dash_duo.driver.get(dash_duo.server_url + "/?wall=1")
    dash_duo.wait_for_contains_text(".wall-root .bay-grid", "Demo Golf")
    assert dash_duo.find_elements("#app-nav") == []
    size = float(dash_duo.find_element(".wall-root").value_of_css_property("font-size").removesuffix("px"))
    assert size >= 24
    assert dash_duo.get_logs() == []


def test_bay004_a_silent_scheduler_shows_the_offline_banner(dash_duo: Any, start_app: Callable[..., Dash]) -> None:
    start_app(heartbeat_stale_seconds=0)
    dash_duo.wait_for_contains_text("#bay-banner", "Alerting offline — escalate by phone")
    assert dash_duo.get_logs() == []


def test_bay005_a_write_updates_the_card_in_place_on_the_next_refresh(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    start_app()
    dash_duo.wait_for_contains_text(".bay-grid", "Demo Alpha")
    card = dash_duo.find_elements(".bay-card")[0]
    badge = card.find_element("css selector", ".grade-badge")
    assert badge.text == "CRS 0"
    engine = make_engine(database)
    with make_session_factory(engine).begin() as session:
        pid = session.scalar(select(Patient.id).where(Patient.bed == "1"))
        assert pid is not None
        body = {"taken_at": datetime.now(UTC).isoformat(), "temperature_c": 39.1}
        record(session, "observations", pid, body, Actor("browser-test", source="import"), datetime.now(UTC))
    engine.dispose()
    dash_duo.wait_for_contains_text(".bay-card", "39.1 °C")
    # The same element, updated in place (a re-rendered card would leave this reference stale).
    assert badge.text == "CRS 1"
    assert "provisional" in card.text
    assert dash_duo.get_logs() == []


def test_bay006_a_bed_move_relabels_the_card_in_place(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    start_app()
    dash_duo.wait_for_contains_text(".bay-grid", "Demo Golf")
    card = dash_duo.find_elements(".bay-card")[-1]
    label = card.find_element("css selector", ".bay-bed")
    assert label.text == "Bed 7"
    engine = make_engine(database)
    with make_session_factory(engine).begin() as session:
        pid = session.scalar(select(Patient.id).where(Patient.bed == "7"))
        assert pid is not None
        actor = Actor("browser-test", role="nurse_in_charge", source="import")
        update_patient(session, pid, {"bed": "7A"}, actor, datetime.now(UTC))
    engine.dispose()
    dash_duo.wait_for_text_to_equal(".bay-card:last-child .bay-bed", "Bed 7A")
    assert label.text == "Bed 7A"  # the same element: the card was not rendered again
    assert dash_duo.get_logs() == []
