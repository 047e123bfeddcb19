"""The bay overview in a real browser."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dash import Dash
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data.audit import Actor
from data.db import make_engine, make_session_factory
from data.models import LoginSession, Patient, SchedulerHeartbeat
from data.records import create_patient, record, update_patient
from tests.browser.conftest import NURSE_IN_CHARGE, beat

pytestmark = pytest.mark.browser

WRITER = Actor("browser-test", role="doctor", source="import")

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
    dash_duo.wait_for_contains_text(".bay-card.overdue", " late")
    overdue = dash_duo.find_elements(".bay-card.overdue")
    assert [card.find_element("css selector", ".bay-bed").text for card in overdue] == ["Bed 7"]
    late = overdue[0].find_element("css selector", ".bay-due.overdue")
    # "12 h 48 min late"; on the hour the minutes are left out ("13 h late"), as the seed's clock times fall.
    assert re.fullmatch(r"CRS: overdue · (\d+ h \d{2} min|\d+ h|\d+ min) late", late.text), late.text
    assert late.value_of_css_property("color") == "rgba(176, 0, 32, 1)"
    assert dash_duo.get_logs() == []


def test_bay003_wall_mode_has_large_type_and_no_navigation(dash_duo: Any, start_app: Callable[..., Dash]) -> None:
    start_app()
    dash_duo.wait_for_element("#app-nav")
    dash_duo.driver.get(dash_duo.server_url + "/?wall=1")  # the old address opens the wall screen
    dash_duo.wait_for_contains_text(".wall-screen .wall-grid", "DG")
    assert dash_duo.find_elements("#app-nav") == []
    size = float(dash_duo.find_element(".wall-bed").value_of_css_property("font-size").removesuffix("px"))
    height = dash_duo.driver.execute_script("return window.innerHeight;")
    assert size >= 0.069 * height  # 7 vh whatever the screen (tests/browser/test_wall.py: 1920×1080 from 3 m)
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


# --- an open board follows every change of the ward --------------------------------------------------------


def _write(database: str, change: Callable[[Session, datetime], None]) -> None:
    """One write through the data layer, as another process (the API, a form, an import) would make it."""
    engine = make_engine(database)
    with make_session_factory(engine).begin() as session:
        change(session, datetime.now(UTC))
    engine.dispose()


def _patient_id(session: Session, bed: str) -> int:
    pid = session.scalar(select(Patient.id).where(Patient.bed == bed, Patient.discharged_at.is_(None)))
    assert pid is not None
    return pid


def _admit(session: Session, now: datetime) -> None:
    body = {
        "hospital_number": "DEMO0009",
        "name": "Demo India",
        "date_of_birth": "1970-05-01",
        "sex": "male",
        "weight_kg": 80.0,
        "product": "tisagenlecleucel",
        "ward": "Ward 33",
        "bed": "9",
        "admitted_at": (now - timedelta(hours=2)).isoformat(),
        "infused_at": (now - timedelta(hours=1)).isoformat(),
    }
    create_patient(session, body, WRITER, now)


def _temperature_in_bed_9(temperature_c: float) -> Callable[[Session, datetime], None]:
    def write(session: Session, now: datetime) -> None:
        body = {"taken_at": now.isoformat(), "temperature_c": temperature_c}
        record(session, "observations", _patient_id(session, "9"), body, WRITER, now)

    return write


def _discharge_bed_2(session: Session, now: datetime) -> None:
    update_patient(session, _patient_id(session, "2"), {"discharged_at": now.isoformat()}, WRITER, now)


def _move_bed_1_to_10(session: Session, now: datetime) -> None:
    update_patient(session, _patient_id(session, "1"), {"bed": "10"}, WRITER, now)


def _scheduler_silent_for_ten_minutes(session: Session, now: datetime) -> None:
    session.execute(update(SchedulerHeartbeat).values(beat_at=now - timedelta(minutes=10)))


def _texts(dash_duo: Any, selector: str) -> list[str]:
    """The text of every element matching `selector`, read in one go (cards may be re-rendered meanwhile)."""
    script = "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.innerText);"
    texts: list[str] = dash_duo.driver.execute_script(script, selector)
    return texts


def _banner(dash_duo: Any) -> str:
    """The offline banner's words; "" while it is closed (a closed dbc.Alert leaves the page)."""
    return " ".join(_texts(dash_duo, "#bay-banner"))


def _beds(dash_duo: Any) -> list[str]:
    return _texts(dash_duo, ".bay-card .bay-bed")


def _wait_for_beds(dash_duo: Any, expected: list[str]) -> None:
    dash_duo._wait_for(
        lambda _driver: _beds(dash_duo) == expected, 10, lambda _driver: f"beds {expected}, shown {_beds(dash_duo)}"
    )


def _follow_the_ward(dash_duo: Any, database: str, selector: str) -> None:
    """Keep one page open while the ward changes in every way; each change shows within a refresh or two."""
    dash_duo.wait_for_contains_text(selector, "Demo Golf")
    assert _banner(dash_duo) == ""
    beds = [f"Bed {n}" for n in range(1, 8)]
    assert _beds(dash_duo) == beds

    _write(database, _admit)
    _wait_for_beds(dash_duo, [*beds, "Bed 9"])
    dash_duo.wait_for_contains_text(".bay-card:last-child", "Demo India")

    # The cards rendered again after the admission still update in place.
    _write(database, _temperature_in_bed_9(38.6))
    dash_duo.wait_for_contains_text(".bay-card:last-child", "38.6 °C")
    assert "CRS 1" in dash_duo.find_element(".bay-card:last-child").text

    _write(database, _discharge_bed_2)
    beds = ["Bed 1", *(f"Bed {n}" for n in range(3, 8)), "Bed 9"]
    _wait_for_beds(dash_duo, beds)

    _write(database, _move_bed_1_to_10)  # bed order changes: "10" sorts after "9"
    _wait_for_beds(dash_duo, [*beds[1:], "Bed 10"])
    dash_duo.wait_for_contains_text(".bay-card:last-child", "Demo Alpha")

    _write(database, _scheduler_silent_for_ten_minutes)
    dash_duo.wait_for_contains_text("#bay-banner", "Alerting offline — escalate by phone")
    assert "last scheduler heartbeat 10 min ago" in _banner(dash_duo)

    beat(database)
    dash_duo._wait_for(lambda _driver: _banner(dash_duo) == "", 10, "the banner to close")

    # After all of that the same page still follows a write to a card it rendered again.
    _write(database, _temperature_in_bed_9(39.4))
    dash_duo.wait_for_contains_text(".bay-card:nth-last-child(2)", "39.4 °C")
    assert dash_duo.get_logs() == []


def test_bay007_an_open_board_follows_admission_discharge_bed_move_and_the_alerting_banner(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    beat(database)
    start_app()  # the board checks for changes every 2 s
    _follow_the_ward(dash_duo, database, ".bay-grid")


def _wall_beds(dash_duo: Any) -> list[str]:
    """The wall's tiles as "bed initials", in the order shown (by acuity)."""
    script = (
        "return Array.from(document.querySelectorAll('.wall-tile:not(.wall-empty)'))"
        ".map(t => t.querySelector('.wall-bed').innerText + ' ' + t.querySelector('.wall-initials').innerText);"
    )
    beds: list[str] = dash_duo.driver.execute_script(script)
    return beds


def _wall_tile(dash_duo: Any, bed: str) -> str:
    """The text of the wall's tile for `bed`, read in one go (the tiles are drawn again on every change)."""
    script = (
        "const tile = Array.from(document.querySelectorAll('.wall-tile'))"
        ".find(t => t.querySelector('.wall-bed').innerText === arguments[0]);"
        "return tile ? tile.innerText : '';"
    )
    text: str = dash_duo.driver.execute_script(script, bed)
    return text


def _wait_for_wall(dash_duo: Any, check: Callable[[list[str]], bool], what: str) -> None:
    dash_duo._wait_for(
        lambda _driver: check(_wall_beds(dash_duo)), 10, lambda _driver: f"{what}: {_wall_beds(dash_duo)}"
    )


def test_bay008_the_wall_screen_follows_every_change_of_the_ward(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    """Initials and bed instead of names, in acuity order (bed 7 is overdue, so first)."""
    beat(database)
    start_app()  # the wall checks for changes every 2 s
    dash_duo.driver.get(dash_duo.server_url + "/wall")
    dash_duo.wait_for_contains_text(".wall-grid", "DG")
    assert _wall_beds(dash_duo)[0] == "7 DG"
    assert sorted(_wall_beds(dash_duo)) == sorted(["1 DA", "2 DB", "3 DC", "4 DD", "5 DE", "6 DF", "7 DG"])

    _write(database, _admit)
    _wait_for_wall(dash_duo, lambda beds: "9 DI" in beds, "the admission")
    _write(database, _temperature_in_bed_9(38.6))
    dash_duo._wait_for(lambda _d: "CRS\n1" in _wall_tile(dash_duo, "9"), 10, "bed 9's CRS grade 1")
    _write(database, _discharge_bed_2)
    _wait_for_wall(dash_duo, lambda beds: "2 DB" not in beds, "the discharge")
    _write(database, _move_bed_1_to_10)
    _wait_for_wall(dash_duo, lambda beds: "10 DA" in beds and "1 DA" not in beds, "the bed move")

    _write(database, _scheduler_silent_for_ten_minutes)
    dash_duo.wait_for_contains_text("#wall-banner", "Alerting offline — escalate by phone")
    beat(database)
    dash_duo._wait_for(lambda _driver: _texts(dash_duo, "#wall-banner") == [], 10, "the banner to close")
    assert dash_duo.get_logs() == []


# --- a board that cannot update says so (the wall's check: assets/alive.js) --------------------------------------

COVERS_THE_CARDS = """
const cover = document.getElementById("bay-stale");
return Array.from(document.querySelectorAll(".bay-card, .bay-summary")).every(card => {
  const r = card.getBoundingClientRect();
  const x = r.left + r.width / 2, y = Math.min(r.top + r.height / 2, window.innerHeight - 5);
  return y < 0 || cover.contains(document.elementFromPoint(x, y));
});"""
WATCH_THE_COVER = """
window.bayCoverShown = [];
new MutationObserver(() => {
  const cover = document.getElementById("bay-stale");
  if (cover && !cover.classList.contains("d-none")) { window.bayCoverShown.push(cover.innerText); }
}).observe(document.body, {attributes: true, subtree: true, attributeFilter: ["class"]});"""


def _cover(dash_duo: Any) -> str:
    """The cover's words while it shows; "" while it is hidden."""
    cover = dash_duo.find_element("#bay-stale")
    return "" if "d-none" in (cover.get_attribute("class") or "") else str(cover.text)


def _ward_times() -> set[str]:
    return {
        (datetime.now(UTC) + timedelta(minutes=d)).astimezone(ZoneInfo("Europe/London")).strftime("%H:%M")
        for d in (-2, -1, 0)
    }


def _block(dash_duo: Any, *patterns: str) -> None:
    """The browser's requests to these addresses fail as if the network had dropped (none: all pass again)."""
    dash_duo.driver.execute_cdp_cmd("Network.enable", {})
    dash_duo.driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": list(patterns)})


def test_bay009_an_ended_session_covers_the_cards_with_not_updating_and_the_last_update(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    start_app(NURSE_IN_CHARGE)  # the board checks every 2 s
    dash_duo.wait_for_contains_text(".bay-grid", "Demo Golf")
    assert _cover(dash_duo) == ""
    _write(database, lambda session, now: session.execute(update(LoginSession).values(ended_at=now)))
    dash_duo.wait_for_contains_text("#bay-stale", "NOT UPDATING", timeout=20)
    text = _cover(dash_duo)
    assert "signed out: the session or display token has ended" in text
    assert "Check patients at the bedside and escalate by phone." in text
    last = re.search(r"Last update (\d\d:\d\d)", text)
    assert last is not None and last.group(1) in _ward_times(), text  # the ward's clock
    assert dash_duo.driver.execute_script(COVERS_THE_CARDS)  # no grade or count of the last update reads as current


def test_bay010_a_dropped_network_covers_the_cards_until_it_is_back(
    dash_duo: Any, start_app: Callable[..., Dash]
) -> None:
    start_app(NURSE_IN_CHARGE)
    dash_duo.wait_for_contains_text(".bay-grid", "Demo Golf")
    assert _cover(dash_duo) == ""
    assert dash_duo.get_logs() == []
    _block(dash_duo, "*/api/v1/me*", "*/_dash-update-component*")
    dash_duo.wait_for_contains_text("#bay-stale", "the server cannot be reached", timeout=20)
    assert "NOT UPDATING" in _cover(dash_duo)
    assert dash_duo.driver.execute_script(COVERS_THE_CARDS)
    assert len(dash_duo.find_elements(".bay-card")) == 7  # covered, not removed: they come back as they were
    _block(dash_duo)
    dash_duo._wait_for(lambda _driver: _cover(dash_duo) == "", 20, "the cover to clear when the network is back")
    dash_duo.wait_for_contains_text(".bay-grid", "Demo Golf")


def test_bay011_a_quiet_ward_stays_live_and_a_board_whose_updates_stop_says_so(
    dash_duo: Any, start_app: Callable[..., Dash]
) -> None:
    """Nothing changes on the ward for longer than the limit (a minute and two refreshes): the ticks answer
    "nothing changed" and every half minute "current", so the cover never shows. Then the updates stop while the
    server still answers who is signed in: after the limit the cover says no update came; it clears once they
    resume."""
    start_app(NURSE_IN_CHARGE)
    dash_duo.wait_for_contains_text(".bay-grid", "Demo Golf")
    dash_duo.driver.execute_script(WATCH_THE_COVER)
    time.sleep(75)  # > 64 s: the limit at a 2 s refresh
    assert dash_duo.driver.execute_script("return window.bayCoverShown;") == []
    assert _cover(dash_duo) == ""

    _block(dash_duo, "*/_dash-update-component*")
    dash_duo.wait_for_contains_text("#bay-stale", "no update received", timeout=90)
    assert "NOT UPDATING" in _cover(dash_duo)
    _block(dash_duo)
    dash_duo._wait_for(lambda _driver: _cover(dash_duo) == "", 90, "the cover to clear when updates resume")
