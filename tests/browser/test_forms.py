"""The recording forms in a real browser: findings that must be answered, the pre-fill marker, a neurological event
and a monitoring exception recorded from the patient page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from dash import Dash
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select
from sqlalchemy import func, select

from dashboard.views.timefmt import to_local_input
from data.models import Alert, CRSAssessment, MonitoringException, NeuroAssessment, NeuroEvent, Observation
from tests.browser.forms import (
    by_id,
    choose,
    feedback,
    field_id,
    open_patient,
    open_tab,
    patient_id,
    prefill_mark,
    read,
    save,
    selected_options,
    set_value,
    status,
    sweep,
    tick,
    tick_every_ice_item,
    type_into,
)

pytestmark = pytest.mark.browser

TZ = "Europe/London"


def _count(database: str, model: Any, pid: int) -> int:
    return int(read(database, lambda s: s.scalar(select(func.count(model.id)).where(model.patient_id == pid))) or 0)


def _newest(database: str, model: Any, pid: int) -> Any:
    query = select(model).where(model.patient_id == pid).order_by(model.id.desc()).limit(1)
    return read(database, lambda s: s.scalars(query).first())


def _show_records(dash_duo: Any, title: str) -> None:
    kinds = dash_duo.find_element("#patient-record-kind")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", kinds)
    next(label for label in kinds.find_elements(By.TAG_NAME, "label") if label.text == title).click()


def test_forms001_a_crs_assessment_with_hypotension_unanswered_is_refused_then_saved_once_answered(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    start_app()
    pid = patient_id(database, "2")
    before = _count(database, CRSAssessment, pid)
    open_patient(dash_duo, pid)
    open_tab(dash_duo, "CRS assessment")
    form = "crs-assessments"
    assert selected_options(dash_duo, form, "hypotension") == []  # neither yes nor no until the nurse answers
    save(dash_duo, form)
    dash_duo.wait_for_text_to_equal(feedback(form, "hypotension"), "Hypotension not answered: choose yes or no.")
    dash_duo.wait_for_contains_text(status(form), "Nothing was saved")
    assert _count(database, CRSAssessment, pid) == before
    tick(dash_duo, form, "hypotension", "no")
    save(dash_duo, form)
    dash_duo.wait_for_contains_text(status(form), "CRS assessment saved")
    assert dash_duo.find_element(feedback(form, "hypotension")).text == ""
    assert _count(database, CRSAssessment, pid) == before + 1
    stored = _newest(database, CRSAssessment, pid)
    assert (stored.hypotension, stored.oxygen, stored.recorded_by) == (False, "room_air", "doctor")
    assert dash_duo.get_logs() == []


def test_forms002_a_neuro_assessment_with_raised_icp_unanswered_is_refused_then_saved_with_none(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    start_app()
    pid = patient_id(database, "2")
    before = _count(database, NeuroAssessment, pid)
    open_patient(dash_duo, pid)
    open_tab(dash_duo, "Neuro assessment")
    form = "neuro-assessments"
    for name in ("consciousness", "seizure"):
        assert (
            Select(by_id(dash_duo, field_id(form, name))).first_selected_option.get_attribute("textContent")
            == "— not answered —"
        )
    tick_every_ice_item(dash_duo, form)
    choose(dash_duo, form, "consciousness", "alert")
    choose(dash_duo, form, "seizure", "none")
    tick(dash_duo, form, "deep_focal_motor_weakness", "no")
    save(dash_duo, form)
    dash_duo.wait_for_text_to_equal(
        feedback(form, "icp_findings"), "Raised ICP findings not answered: tick each finding seen, or none."
    )
    dash_duo.wait_for_contains_text(status(form), "Nothing was saved")
    assert _count(database, NeuroAssessment, pid) == before
    tick(dash_duo, form, "icp_findings", "none")
    save(dash_duo, form)
    dash_duo.wait_for_contains_text(status(form), "Neuro assessment saved")
    assert _count(database, NeuroAssessment, pid) == before + 1
    stored = _newest(database, NeuroAssessment, pid)
    assert (stored.icp_findings, stored.deep_focal_motor_weakness, stored.seizure) == ([], False, "none")
    assert dash_duo.get_logs() == []


def test_forms003_values_pre_filled_from_the_obs_are_marked_with_its_time_until_changed(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    start_app()
    pid = patient_id(database, "3")  # on a nasal cannula at 3 L/min
    newest = select(Observation).where(Observation.patient_id == pid).order_by(Observation.taken_at.desc()).limit(1)
    latest = read(database, lambda s: s.scalars(newest).first())
    at = to_local_input(latest.taken_at, TZ)[-5:]
    open_patient(dash_duo, pid)
    open_tab(dash_duo, "CRS assessment")
    form = "crs-assessments"
    for name in ("temperature_c", "oxygen", "oxygen_flow_l_min"):
        dash_duo.wait_for_text_to_equal(prefill_mark(form, name), f"from obs at {at}")
    assert by_id(dash_duo, field_id(form, "oxygen")).get_attribute("value") == "nasal_cannula"
    assert dash_duo.find_element(prefill_mark(form, "hypotension")).text == ""  # never pre-filled
    assert selected_options(dash_duo, form, "hypotension") == []
    flow = by_id(dash_duo, field_id(form, "oxygen_flow_l_min"))
    flow.clear()
    flow.send_keys("5")
    dash_duo.wait_for_text_to_equal(prefill_mark(form, "oxygen_flow_l_min"), f"changed: the obs at {at} had 3")
    assert dash_duo.find_element(prefill_mark(form, "temperature_c")).text == f"from obs at {at}"
    assert dash_duo.get_logs() == []


def test_forms004_a_neurological_event_recorded_on_the_page_is_listed_and_pages_at_once(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    start_app()
    pid = patient_id(database, "2")
    open_patient(dash_duo, pid)
    _show_records(dash_duo, "Neurological event")
    # The grid redraws its columns for the kind chosen: wait for the "Event" header cell itself, not any text.
    header = "#patient-records .ag-header-cell[col-id='event'] .ag-header-cell-text"
    dash_duo.wait_for_text_to_equal(header, "Event", timeout=30)
    open_tab(dash_duo, "Neurological event")
    form = "neuro-events"
    save(dash_duo, form)
    dash_duo.wait_for_text_to_equal(feedback(form, "event"), "Event not chosen: choose what was seen.")
    assert _count(database, NeuroEvent, pid) == 0
    labels = [o.get_attribute("textContent") for o in Select(by_id(dash_duo, field_id(form, "event"))).options]
    assert "Seizure: clinical seizure that resolves rapidly" in labels and "Raised ICP: papilloedema" in labels
    choose(dash_duo, form, "event", "clinical_seizure_resolved_rapidly")
    type_into(dash_duo, form, "note", "generalised, 1 minute, self-terminating")
    save(dash_duo, form)
    dash_duo.wait_for_contains_text(status(form), "Neurological event saved")
    assert _newest(database, NeuroEvent, pid).event == "clinical_seizure_resolved_rapidly"
    # Listed with the patient's records once saved, in the guideline's words.
    dash_duo.wait_for_contains_text("#patient-records", "Seizure: clinical seizure that resolves rapidly")
    assert "generalised, 1 minute" in dash_duo.find_element("#patient-records").text
    # Paged at once (written with the event), and on the alerts page.
    seizure = read(
        database, lambda s: s.scalars(select(Alert).where(Alert.patient_id == pid, Alert.kind == "seizure")).all()
    )
    assert len(seizure) == 1 and seizure[0].status == "open"
    dash_duo.driver.get(f"{dash_duo.server_url}/alerts")
    dash_duo.wait_for_contains_text("#alerts-grid", "seizure")
    assert dash_duo.get_logs() == []


def test_forms005_a_monitoring_exception_recorded_on_the_page_closes_the_overdue_alert_at_the_next_sweep(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    pid = patient_id(database, "7")  # its CRS assessment is overdue
    sweep(database)
    overdue = select(Alert).where(Alert.patient_id == pid, Alert.kind == "overdue_crs")
    alert = read(database, lambda s: s.scalars(overdue).one())
    assert alert.status == "open"
    # Off the ward since before the assessment fell due (recorded afterwards, as happens on a ward).
    starts = to_local_input(datetime.fromisoformat(alert.details["due_at"]) - timedelta(minutes=30), TZ)
    ends = to_local_input(datetime.now(UTC) + timedelta(hours=3), TZ)
    start_app()
    open_patient(dash_duo, pid)
    open_tab(dash_duo, "Monitoring exception")
    form = "monitoring-exceptions"
    reasons = [o.get_attribute("value") for o in Select(by_id(dash_duo, field_id(form, "reason"))).options]
    assert reasons == ["", "off_ward", "refused", "paused_by_doctor"]  # a doctor may pause monitoring
    save(dash_duo, form)
    dash_duo.wait_for_text_to_equal(
        feedback(form, "ends_at"), "End not entered: enter when the exception ends (at most 72 h after it starts)."
    )
    assert _count(database, MonitoringException, pid) == 0
    set_value(dash_duo, form, "starts_at", starts)
    set_value(dash_duo, form, "ends_at", ends)
    choose(dash_duo, form, "reason", "off_ward")
    tick(dash_duo, form, "items", "crs")
    type_into(dash_duo, form, "note", "in CT for a head scan, then radiotherapy planning")
    save(dash_duo, form)
    dash_duo.wait_for_contains_text(status(form), "Monitoring exception saved")
    stored = _newest(database, MonitoringException, pid)
    assert (stored.items, stored.reason, stored.recorded_by) == (["crs"], "off_ward", "doctor")
    sweep(database)
    closed = read(database, lambda s: s.get(Alert, alert.id))
    assert (closed.status, closed.resolution_reason) == ("resolved", "monitoring exception recorded")
    assert dash_duo.get_logs() == []
