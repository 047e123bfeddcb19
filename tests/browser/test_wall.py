"""The wall screen (`/wall`) in a real browser at 1920×1080."""

from __future__ import annotations

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
from data.display_tokens import create_display_token, display_tokens, revoke_display_token
from data.models import Alert, LoginSession, Patient
from data.records import create_patient

pytestmark = pytest.mark.browser

WRITER = Actor("browser-test", role="doctor", source="import")
CAP_HEIGHT_PX = 53  # 16 arc-minutes at 3 m is 14.0 mm: 53 px at 0.265 mm a pixel (a 23-24" 1080p panel)

CAP_HEIGHT = """
const c = document.createElement("canvas").getContext("2d");
return Array.from(document.querySelectorAll(arguments[0])).map(el => {
  const s = getComputedStyle(el);
  c.font = `${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
  return c.measureText("H").actualBoundingBoxAscent;
});"""
INSIDE = """
return Array.from(document.querySelectorAll(arguments[0])).every(el => {
  const r = el.getBoundingClientRect();
  return r.top >= 0 && r.left >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth;
});"""
CLIPPED = """
return Array.from(document.querySelectorAll(".wall-primary")).filter(el => el.scrollWidth > el.clientWidth + 1)
  .map(el => el.innerText);"""


def _full_hd(dash_duo: Any) -> None:
    dash_duo.driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 1920, "height": 1080, "deviceScaleFactor": 1, "mobile": False}
    )


def _write(database: str, change: Callable[[Session, datetime], None]) -> None:
    engine = make_engine(database)
    with make_session_factory(engine).begin() as session:
        change(session, datetime.now(UTC))
    engine.dispose()


def _fill_to_24_beds(session: Session, now: datetime, last_bed: int = 25) -> None:
    """The demo ward's seven patients and seventeen more, in beds 9 to 25 (bed 8's patient was discharged); more
    with a later `last_bed`."""
    for n in range(9, last_bed + 1):
        body = {
            "hospital_number": f"WALL{n:04d}",
            "name": f"Extra Person{n}",
            "date_of_birth": "1965-03-01",
            "sex": "female",
            "weight_kg": 70.0,
            "product": "axicabtagene ciloleucel",
            "ward": "Ward 33",
            "bed": str(n),
            "admitted_at": (now - timedelta(days=2)).isoformat(),
            "infused_at": (now - timedelta(days=1)).isoformat(),
        }
        create_patient(session, body, WRITER, now)


def _critical_alert_on_bed_4(session: Session, now: datetime) -> None:
    pid = session.scalar(select(Patient.id).where(Patient.bed == "4", Patient.discharged_at.is_(None)))
    assert pid is not None
    session.add(
        Alert(
            dedupe_key="wall-test:seizure",
            reference="WALL0001",
            patient_id=pid,
            kind="seizure",
            severity="critical",
            message="seizure",
            raised_at=now,
        )
    )


def _tiles(dash_duo: Any) -> list[str]:
    script = "return Array.from(document.querySelectorAll('.wall-tile:not(.wall-empty)')).map(e => e.innerText);"
    texts: list[str] = dash_duo.driver.execute_script(script)
    return texts


def test_wall001_a_24_bed_ward_fits_one_full_hd_screen_in_type_readable_from_3_m(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    _write(database, _fill_to_24_beds)
    start_app()
    _full_hd(dash_duo)
    dash_duo.driver.get(dash_duo.server_url + "/wall")
    dash_duo.wait_for_element(".wall-grid .wall-tile")
    assert len(_tiles(dash_duo)) == 24
    assert dash_duo.driver.execute_script(INSIDE, ".wall-tile") is True  # every bed on screen, none scrolled off
    assert dash_duo.driver.execute_script(CLIPPED) == []  # no primary line cut short
    for selector in (".wall-bed", ".wall-initials", ".wall-chip-grade", ".wall-clock"):
        heights = dash_duo.driver.execute_script(CAP_HEIGHT, selector)
        assert heights and min(heights) >= CAP_HEIGHT_PX, (selector, heights)
    page = dash_duo.find_element(".wall-screen").text
    assert "Demo Golf" not in page and "Extra Person" not in page  # initials and bed, never the name
    assert any(tile.startswith("7\nDG") for tile in _tiles(dash_duo))
    assert dash_duo.find_elements("#app-nav") == []
    assert dash_duo.get_logs() == []


def test_wall006_a_30_bed_ward_pages_through_its_beds_at_the_same_readable_size(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    _write(database, lambda session, now: _fill_to_24_beds(session, now, last_bed=31))  # 30 patients
    start_app(wall_page_seconds=4)
    _full_hd(dash_duo)
    dash_duo.driver.get(dash_duo.server_url + "/wall")
    seen: dict[str, list[str]] = {}
    for label in ("page 1 of 2", "page 2 of 2", "page 1 of 2"):  # turns by itself, and comes back round
        dash_duo.wait_for_text_to_equal("#wall-page-label", label, timeout=15)
        shown = dash_duo.driver.execute_script(
            "return Array.from(document.querySelectorAll('.wall-page:not(.d-none) .wall-tile')).map(e => e.innerText);"
        )
        seen.setdefault(label, shown)
        assert dash_duo.driver.execute_script(INSIDE, ".wall-page:not(.d-none) .wall-tile") is True
        for selector in (".wall-page:not(.d-none) .wall-bed", ".wall-page:not(.d-none) .wall-chip-grade"):
            heights = dash_duo.driver.execute_script(CAP_HEIGHT, selector)
            assert heights and min(heights) >= CAP_HEIGHT_PX, (selector, heights)
    assert len(seen["page 1 of 2"]) == 24 and len(seen["page 2 of 2"]) == 6
    beds = {tile.split("\n")[0] for tiles in seen.values() for tile in tiles}
    assert len(beds) == 30  # every bed on one page or the other
    assert "30 patients" in dash_duo.find_element("#wall-summary").text
    assert dash_duo.get_logs() == []


def test_wall002_beds_are_ordered_critical_alert_first_then_overdue_and_a_clock_runs(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    _write(database, _critical_alert_on_bed_4)
    start_app()
    _full_hd(dash_duo)
    dash_duo.driver.get(dash_duo.server_url + "/wall")
    dash_duo.wait_for_element(".wall-tile")
    tiles = _tiles(dash_duo)
    assert tiles[0].startswith("4\nDD") and "critical: seizure" in tiles[0]
    assert tiles[1].startswith("7\nDG") and "CRS" in tiles[1] and "late" in tiles[1]  # bed 7's CRS is overdue
    assert "acuity-critical" in dash_duo.find_elements(".wall-tile")[0].get_attribute("class")
    assert "acuity-overdue" in dash_duo.find_elements(".wall-tile")[1].get_attribute("class")
    ward_time = {
        (datetime.now(UTC) + timedelta(minutes=d)).astimezone(ZoneInfo("Europe/London")).strftime("%H:%M")
        for d in (-1, 0, 1)
    }
    assert dash_duo.find_element(".wall-clock").text in ward_time  # the ward's clock, not the browser's
    assert dash_duo.get_logs() == []


def test_wall003_an_ended_session_covers_the_wall_with_not_updating_within_one_refresh(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    start_app()
    dash_duo.driver.get(dash_duo.server_url + "/wall")
    dash_duo.wait_for_element(".wall-tile")
    assert "d-none" in dash_duo.find_element("#wall-stale").get_attribute("class")
    _write(database, lambda session, now: session.execute(update(LoginSession).values(ended_at=now)))
    dash_duo.wait_for_contains_text("#wall-stale", "NOT UPDATING", timeout=4)  # refresh every 2 s
    assert "session or display token has ended" in dash_duo.find_element("#wall-stale").text
    assert dash_duo.find_element("#wall-stale").is_displayed()


def test_wall004_a_stopped_server_covers_the_wall_with_not_updating(
    dash_duo: Any, start_app: Callable[..., Dash]
) -> None:
    start_app()
    dash_duo.driver.get(dash_duo.server_url + "/wall")
    dash_duo.wait_for_element(".wall-tile")
    dash_duo.server.stop()
    dash_duo.wait_for_contains_text("#wall-stale", "the server cannot be reached", timeout=6)
    assert dash_duo.find_element("#wall-stale").is_displayed()


def test_wall005_a_display_token_runs_the_wall_unattended_until_revoked(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    start_app()
    dash_duo.driver.get(dash_duo.server_url + "/logout")
    nic = Actor("sister.jones", role="nurse_in_charge", source="form", ward="Ward 33")
    tokens: list[str] = []
    _write(database, lambda session, now: tokens.append(create_display_token(session, "Ward 33", 365, nic, now)))
    dash_duo.driver.get(f"{dash_duo.server_url}/kiosk?token={tokens[0]}")
    dash_duo.wait_for_contains_text(".wall-grid", "DG")
    assert "d-none" in dash_duo.find_element("#wall-stale").get_attribute("class")
    dash_duo.driver.get(dash_duo.server_url + "/patient/1")  # a display sees the wall only
    assert "wall display sees only the wall" in dash_duo.driver.page_source
    dash_duo.driver.get(dash_duo.server_url + "/wall")
    dash_duo.wait_for_contains_text(".wall-grid", "DG")

    def revoke(session: Session, now: datetime) -> None:
        (listed,) = display_tokens(session, "Ward 33")
        revoke_display_token(session, listed.id, nic, now)

    _write(database, revoke)
    dash_duo.wait_for_contains_text("#wall-stale", "display token has ended", timeout=4)
