"""The patient page in a real browser: the chart, recording an ICE assessment, an invalid temperature."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from dash import Dash
from sqlalchemy import func, select

from dashboard.views.timefmt import parse_local, to_local_input
from data.models import Observation, Patient
from tests.browser.forms import (
    SET_VALUE,
    choose,
    click,
    feedback,
    open_patient,
    open_tab,
    patient_id,
    preview,
    read,
    save,
    status,
    tick,
    tick_every_ice_item,
    type_into,
)

pytestmark = pytest.mark.browser

TRACE_POINTS = (
    "return document.querySelector('#patient-graph .js-plotly-plot').data.find(t => t.name === {name}).x.length"
)
GRAPH = "document.querySelector('#patient-graph .js-plotly-plot')"
AXES = f"return Object.keys({GRAPH}._fullLayout).filter(k => k.startsWith('yaxis')).length"


def _count_obs(database: str, pid: int) -> int:
    query = select(func.count(Observation.id)).where(Observation.patient_id == pid)
    return int(read(database, lambda s: s.scalar(query)) or 0)


def _open(dash_duo: Any, database: str, bed: str) -> int:
    pid = patient_id(database, bed)
    open_patient(dash_duo, pid)
    return pid


def test_patient001_trajectory_draws_every_panel(dash_duo: Any, start_app: Callable[..., Dash], database: str) -> None:
    start_app()
    _open(dash_duo, database, "3")
    dash_duo.wait_for_contains_text("#patient-header", "Demo Charlie")
    assert dash_duo.driver.execute_script(AXES) == 7
    titles = dash_duo.find_element("#patient-graph .infolayer").get_attribute("textContent")
    for title in ("Grade", "Temp °C", "BP support", "Oxygen", "ICE", "Ferritin ng/mL", "CRP mg/L"):
        assert title in titles
    assert dash_duo.driver.execute_script(TRACE_POINTS.format(name="'tocilizumab'")) == 1
    dash_duo.wait_for_contains_text("#patient-guidance", "CRS grade 2")
    dash_duo.wait_for_contains_text("#patient-guidance", "1 of 4 doses given")
    assert "672" in dash_duo.find_element("#patient-guidance").text
    assert dash_duo.get_logs() == []


def test_patient002_recording_an_ice_assessment_changes_the_badge_and_adds_a_point(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    start_app()
    _open(dash_duo, database, "4")
    dash_duo.wait_for_text_to_equal("#patient-icans-badge", "ICANS 2")
    before = dash_duo.driver.execute_script(TRACE_POINTS.format(name="'ICE'"))
    open_tab(dash_duo, "Neuro assessment")
    form = "neuro-assessments"
    tick_every_ice_item(dash_duo, form)
    choose(dash_duo, form, "consciousness", "alert")
    choose(dash_duo, form, "seizure", "none")
    tick(dash_duo, form, "deep_focal_motor_weakness", "no")
    tick(dash_duo, form, "icp_findings", "none")
    dash_duo.wait_for_contains_text(preview(form), "ICE 10/10 · ICANS grade 0 (ASTCT 2019) if saved now")
    save(dash_duo, form)
    dash_duo.wait_for_text_to_equal("#patient-icans-badge", "ICANS 0")
    after = dash_duo.driver.execute_script(TRACE_POINTS.format(name="'ICE'"))
    assert after == before + 1
    assert dash_duo.get_logs() == []


def test_patient003_an_invalid_temperature_shows_the_error_and_saves_nothing(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    start_app()
    pid = _open(dash_duo, database, "2")
    before = _count_obs(database, pid)
    type_into(dash_duo, "observations", "temperature_c", "98.6")
    save(dash_duo, "observations")
    dash_duo.wait_for_contains_text(
        feedback("observations", "temperature_c"), "98.6 is outside 30-45 °C (looks like Fahrenheit)"
    )
    dash_duo.wait_for_contains_text(status("observations"), "Nothing was saved")
    assert _count_obs(database, pid) == before
    assert dash_duo.get_logs() == []


def test_patient004_recording_the_infusion_with_an_intervention_open_needs_a_doctors_reason(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    start_app()
    pid = _open(dash_duo, database, "2")
    dash_duo.wait_for_contains_text("#patient-interventions", "a doctor's confirmation with a reason")
    when = read(database, lambda s: s.get(Patient, pid).infused_at)
    new_time = to_local_input(when - timedelta(hours=1), "Europe/London")
    time_input = dash_duo.find_element("#patient-infusion-time")
    dash_duo.driver.execute_script(SET_VALUE, time_input, new_time)
    click(dash_duo, dash_duo.find_element("#patient-infusion-save"))
    dash_duo.wait_for_contains_text("#patient-infusion-status", "routine intervention(s) open")
    assert read(database, lambda s: s.get(Patient, pid).infused_at) == when
    dash_duo.find_element("#patient-infusion-reason").send_keys("infection controlled, ID consultant agreed")
    click(dash_duo, dash_duo.find_element("#patient-infusion-save"))
    dash_duo.wait_for_contains_text("#patient-infusion-status", "Infusion time recorded with a doctor's confirmation")
    assert read(database, lambda s: s.get(Patient, pid).infused_at) == parse_local(new_time, "Europe/London")
    assert dash_duo.get_logs() == []


def test_patient005_an_hlh_finding_recorded_on_the_page_is_listed_with_its_time(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    start_app()
    _open(dash_duo, database, "2")
    open_tab(dash_duo, "HLH finding")
    form = "organ-findings"
    save(dash_duo, form)
    dash_duo.wait_for_contains_text(feedback(form, "finding"), "Finding not chosen")
    choose(dash_duo, form, "finding", "pulmonary_oedema")
    choose(dash_duo, form, "ctcae_grade", "3")
    save(dash_duo, form)
    dash_duo.wait_for_contains_text(status(form), "HLH finding saved")
    assert dash_duo.get_logs() == []
