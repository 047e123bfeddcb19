"""Recording on the patient page as a nurse and a doctor would: the time is the moment of saving, a late entry says
so, a second click stores nothing twice, the CRS pre-fill follows newer obs, the forms come first and fit a tablet
for a nurse, amendments revert and confirm, and every input has its label."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from dash import Dash
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.wait import WebDriverWait
from sqlalchemy import func, select

from dashboard.views.timefmt import clock, to_local_input
from data.audit import Actor
from data.auth import create_user
from data.db import make_engine, make_session_factory
from data.models import Observation
from tests.browser.conftest import PASSWORD
from tests.browser.forms import (
    by_id,
    click,
    css_id,
    field_id,
    open_patient,
    open_tab,
    patient_id,
    prefill_mark,
    read,
    save,
    set_value,
    status,
    tick,
    type_into,
)

pytestmark = pytest.mark.browser

TZ = "Europe/London"
NURSE = "bedside.nurse"


def _obs_count(database: str, pid: int) -> int:
    query = select(func.count(Observation.id)).where(Observation.patient_id == pid)
    return int(read(database, lambda s: s.scalar(query)) or 0)


def _newest_obs(database: str, pid: int) -> Observation:
    query = select(Observation).where(Observation.patient_id == pid).order_by(Observation.id.desc()).limit(1)
    found: Observation = read(database, lambda s: s.scalars(query).one())
    return found


def _as_nurse(dash_duo: Any, start_app: Callable[..., Dash], database: str) -> None:
    engine = make_engine(database)
    with make_session_factory(engine).begin() as session:
        create_user(session, NURSE, PASSWORD, "nurse", Actor("browser-tests", source="system"), datetime.now(UTC))
    engine.dispose()
    start_app(username=NURSE)  # signed in as the nurse from the start: no page of another session in flight


def test_recording001_the_time_is_the_moment_of_saving_and_the_form_clears_saying_what_was_stored(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    start_app()
    pid = patient_id(database, "2")
    open_patient(dash_duo, pid)
    assert by_id(dash_duo, field_id("observations", "taken_at")).get_attribute("value") == ""
    time.sleep(3)  # the page has been open a while: the stored time must not be when it opened
    type_into(dash_duo, "observations", "temperature_c", "37.8")
    clicked = datetime.now(UTC)
    save(dash_duo, "observations")
    dash_duo.wait_for_contains_text(status("observations"), "Obs saved", timeout=20)
    stored = _newest_obs(database, pid)
    assert stored.temperature_c == 37.8 and not stored.late_entry
    assert clicked - timedelta(seconds=1) <= stored.taken_at <= clicked + timedelta(seconds=15)
    said = dash_duo.find_element(status("observations")).text
    assert f"taken {clock(stored.taken_at, TZ)}, recorded {clock(stored.recorded_at, TZ)}" in said
    assert "Temperature: 37.8 °C" in said
    # The form is empty again, ready for the next set of obs.
    assert by_id(dash_duo, field_id("observations", "temperature_c")).get_attribute("value") == ""
    assert dash_duo.get_logs() == []


def test_recording002_a_time_set_hours_back_is_a_late_entry_shown_with_both_times(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    start_app()
    pid = patient_id(database, "2")
    open_patient(dash_duo, pid)
    back = datetime.now(UTC) - timedelta(hours=3)
    set_value(dash_duo, "observations", "taken_at", to_local_input(back, TZ))
    type_into(dash_duo, "observations", "heart_rate", "92")
    save(dash_duo, "observations")
    dash_duo.wait_for_contains_text(status("observations"), "Obs saved as a late entry", timeout=20)
    stored = _newest_obs(database, pid)
    assert stored.late_entry and stored.heart_rate == 92
    row = f"#patient-records .ag-row[row-id='{stored.id}']"
    entered = f"{row} .ag-cell[col-id='entered']"
    dash_duo.wait_for_contains_text(entered, "late entry, recorded", timeout=20)
    assert clock(stored.recorded_at, TZ) in dash_duo.find_element(entered).text
    assert clock(stored.taken_at, TZ) in dash_duo.find_element(f"{row} .ag-cell[col-id='when']").text
    assert dash_duo.get_logs() == []


def test_recording003_a_second_click_on_save_stores_one_record(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    start_app()
    pid = patient_id(database, "2")
    open_patient(dash_duo, pid)
    before = _obs_count(database, pid)
    type_into(dash_duo, "observations", "spo2", "96")
    button = by_id(dash_duo, {"form": "observations", "type": "patient-save"})
    dash_duo.driver.execute_script("arguments[0].click(); arguments[0].click();", button)  # a double tap
    dash_duo.wait_for_contains_text(status("observations"), "saved", timeout=20)
    time.sleep(3)  # let the second request finish too
    assert _obs_count(database, pid) == before + 1
    assert dash_duo.get_logs() == []


def test_recording004_the_crs_prefill_follows_obs_saved_after_the_page_opened(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    start_app()
    pid = patient_id(database, "3")
    open_patient(dash_duo, pid)
    type_into(dash_duo, "observations", "temperature_c", "39.1")
    save(dash_duo, "observations")
    dash_duo.wait_for_contains_text(status("observations"), "Obs saved", timeout=20)
    at = clock(_newest_obs(database, pid).taken_at, TZ)
    open_tab(dash_duo, "CRS assessment")
    form = "crs-assessments"
    dash_duo.wait_for_text_to_equal(prefill_mark(form, "temperature_c"), f"from obs at {at}", timeout=20)
    assert by_id(dash_duo, field_id(form, "temperature_c")).get_attribute("value") == "39.1"
    # Each pre-filled value is marked where it came from, visibly.
    mark = dash_duo.find_element(prefill_mark(form, "temperature_c"))
    assert mark.is_displayed() and mark.value_of_css_property("font-weight") in ("600", "700")
    assert dash_duo.get_logs() == []


def test_recording005_a_nurse_on_a_tablet_gets_the_forms_first_with_large_targets_and_ice_tick_boxes(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    _as_nurse(dash_duo, start_app, database)
    dash_duo.driver.set_window_size(820, 1180)
    pid = patient_id(database, "2")
    open_patient(dash_duo, pid)
    save_button = by_id(dash_duo, {"form": "observations", "type": "patient-save"})
    graph = dash_duo.find_element("#patient-graph")
    assert save_button.location["y"] < graph.location["y"]  # recording above the chart
    assert save_button.location["y"] + save_button.size["height"] < 1180  # on the first screen
    width = dash_duo.driver.execute_script("return document.documentElement.scrollWidth")
    assert width <= 820  # nothing runs off the side
    open_tab(dash_duo, "Neuro assessment")
    form = "neuro-assessments"
    boxes = by_id(dash_duo, field_id(form, "ice")).find_elements(By.CSS_SELECTOR, ".form-check")
    assert len(boxes) == 11 and min(box.size["height"] for box in boxes) >= 44
    for control in dash_duo.find_elements(".recording .btn, .recording .form-control, .recording .form-select"):
        if control.is_displayed():
            assert control.size["height"] >= 44, control.get_attribute("outerHTML")[:120]
    labels = [label.text for label in by_id(dash_duo, field_id(form, "ice")).find_elements(By.TAG_NAME, "label")]
    assert "Orientation: year" in labels and "Counts back from 100 by 10" in labels
    for item in ("orientation_year", "naming_1", "attention"):
        tick(dash_duo, form, "ice", item)
    dash_duo.wait_for_text_to_equal("#patient-ice-total", "ICE 3/10")
    # A nurse does not override grades: the override is not offered.
    assert dash_duo.find_elements(css_id(field_id(form, "override.grade"))) == []
    assert dash_duo.get_logs() == []


def test_recording006_every_input_of_the_forms_is_tied_to_its_label(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    start_app()
    open_patient(dash_duo, patient_id(database, "2"))
    unlabelled = dash_duo.driver.execute_script(
        """
        const found = [];
        for (const el of document.querySelectorAll('.recording input, .recording select')) {
          if (el.type === 'hidden') continue;
          const named = el.labels && el.labels.length > 0 && el.labels[0].textContent.trim() !== '';
          const legend = el.closest('fieldset') && el.closest('fieldset').querySelector('legend');
          if (!named && !legend) found.push(el.outerHTML.slice(0, 120));
        }
        return found;
        """
    )
    assert unlabelled == []
    assert dash_duo.get_logs() == []


def test_recording007_messages_are_in_clinical_words(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    start_app()
    pid = patient_id(database, "2")
    open_patient(dash_duo, pid)
    type_into(dash_duo, "observations", "systolic_bp", "80")
    type_into(dash_duo, "observations", "diastolic_bp", "95")
    save(dash_duo, "observations")
    feedback = css_id({"form": "observations", "name": "diastolic_bp", "type": "patient-feedback"})
    dash_duo.wait_for_contains_text(feedback, "Diastolic BP 95 is above Systolic BP 80", timeout=20)
    page = dash_duo.find_element("#patient-root").text
    for jargon in ("_bp", "String should", "Input should", "+00:00"):
        assert jargon not in page
    assert dash_duo.get_logs() == []


def test_recording008_a_refused_amendment_puts_the_grid_back_with_the_message_beside_it(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    start_app()
    pid = patient_id(database, "2")
    newest = _newest_obs(database, pid)
    open_patient(dash_duo, pid)
    cell = f"#patient-records .ag-row[row-id='{newest.id}'] .ag-cell[col-id='temperature_c']"
    dash_duo.wait_for_element(cell, timeout=20)
    original = dash_duo.find_element(cell).text
    click(dash_duo, dash_duo.find_element(cell))
    editor = WebDriverWait(dash_duo.driver, 10).until(lambda d: d.find_element(By.CSS_SELECTOR, f"{cell} input"))
    editor.send_keys(Keys.CONTROL, "a")
    editor.send_keys("98.6", Keys.ENTER)
    dash_duo.wait_for_contains_text("#patient-amend-pending-text", "Temp °C changed to 98.6", timeout=20)
    dash_duo.find_element("#patient-amend-reason").send_keys("typed in the wrong box")
    click(dash_duo, dash_duo.find_element("#patient-amend"))
    dash_duo.wait_for_contains_text("#patient-amend-status", "Nothing was saved", timeout=20)
    assert "98.6 is outside 30-45 °C" in dash_duo.find_element("#patient-amend-status").text
    dash_duo.wait_for_text_to_equal(cell, original, timeout=20)  # the stored value again, not the refused one
    assert _newest_obs(database, pid).id == newest.id
    assert dash_duo.get_logs() == []


def test_recording009_marking_a_row_entered_in_error_shows_it_first_and_acts_on_that_row(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    start_app()
    pid = patient_id(database, "2")
    newest = _newest_obs(database, pid)
    open_patient(dash_duo, pid)
    when = f"#patient-records .ag-row[row-id='{newest.id}'] .ag-cell[col-id='when']"  # not editable: selects
    dash_duo.wait_for_element(when, timeout=20)
    click(dash_duo, dash_duo.find_element(when))
    click(dash_duo, dash_duo.find_element("#patient-entered-in-error"))
    # The dialog fades in: wait for the row's time to be readable in it.
    dash_duo.wait_for_contains_text("#patient-amend-confirm-text", to_local_input(newest.taken_at, TZ)[-5:], 20)
    assert str(newest.heart_rate) in dash_duo.find_element("#patient-amend-confirm-text").text
    dash_duo.find_element("#patient-error-reason").send_keys("recorded on the wrong patient")
    dash_duo.find_element("#patient-amend-confirm-yes").click()
    dash_duo.wait_for_contains_text("#patient-error-status", "Marked entered in error", timeout=20)
    marked = _newest_obs(database, pid)
    assert marked.entered_in_error and marked.amends_id == newest.id
    assert dash_duo.get_logs() == []
