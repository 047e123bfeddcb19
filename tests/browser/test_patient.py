"""The patient page in a real browser: the chart and its views, recording an ICE assessment, an invalid temperature."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from dash import Dash
from dash.testing.wait import until
from selenium.webdriver.common.by import By
from sqlalchemy import func, select

from dashboard import ids
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
# The text of each x axis's tick labels, one list per panel, as drawn.
X_LABELS = (
    "return [...document.querySelectorAll('#patient-graph .xaxislayer-above')]"
    ".map(axis => [...axis.querySelectorAll('text')].map(t => t.textContent))"
)
KEY = ".chart-key .chart-key-item"
PANEL_TITLES = ("Grade", "Temp°C", "BP support", "Oxygen", "ICE", "Ferritinng/mL", "CRPmg/L")


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
    assert dash_duo.driver.execute_script(AXES) == 9
    titles = dash_duo.find_element("#patient-graph .infolayer").get_attribute("textContent")
    for title in (*PANEL_TITLES, "Neutrophils×10⁹/L", "Platelets×10⁹/L"):
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
    pid = _open(dash_duo, database, "1")  # awaiting infusion, two interventions still open
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


def _key_entry(dash_duo: Any, name: str) -> Any:
    return next(e for e in dash_duo.find_elements(KEY) if e.text.endswith(name))


def _choose_view(dash_duo: Any, label: str) -> None:
    next(e for e in dash_duo.find_elements(f"#{ids.PATIENT_CHART_VIEW} label") if e.text == label).click()


def test_patient006_every_panel_has_its_own_day_axis_and_the_infusion_is_a_labelled_line(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    start_app()
    _open(dash_duo, database, "3")  # D+4
    labels = dash_duo.driver.execute_script(X_LABELS)
    assert len(labels) == 9
    assert all({"D0", "D+1", "D+4"} <= set(panel) for panel in labels), labels
    notes = dash_duo.find_element("#patient-graph .infolayer").get_attribute("textContent")
    assert "days since infusion" in notes
    assert "infusion " in notes  # the day-0 line's label, with the infusion's date and time
    assert dash_duo.get_logs() == []


def test_patient007_the_legend_keys_the_drug_marks_by_shape_grades_and_lines(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    start_app()
    _open(dash_duo, database, "3")
    names = [e.find_element(By.CSS_SELECTOR, ".chart-key-name").text for e in dash_duo.find_elements(KEY)]
    for name in ("tocilizumab", "steroid", "anakinra", "grade 0", "grade 4", "infusion (day 0)", "fever ≥ 38 °C"):
        assert name in names
    marks = {drug: _key_entry(dash_duo, drug).find_element(By.CSS_SELECTOR, ".chart-key-mark") for drug in MARKED}
    assert len({m.text for m in marks.values()}) == 3  # three different shapes, not one shape in three colours
    # Each is the shape the chart draws: the tocilizumab doses on the chart are the key's symbol.
    drawn = dash_duo.driver.execute_script(f"return {GRAPH}.data.find(t => t.name === 'tocilizumab').marker.symbol")
    assert marks["tocilizumab"].get_attribute("data-symbol") == drawn
    assert dash_duo.get_logs() == []


MARKED = ("tocilizumab", "steroid", "anakinra")


def test_patient008_the_24_hour_view_shows_clock_times_and_keeps_the_grade_numbers(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    start_app()
    _open(dash_duo, database, "3")  # CRS grade 2 since 32 h ago
    _choose_view(dash_duo, "24 h")
    until(lambda: ":00" in " ".join(dash_duo.driver.execute_script(X_LABELS)[0]), timeout=10)
    labels = dash_duo.driver.execute_script(X_LABELS)
    assert all(any(label.endswith(":00") for label in panel) for panel in labels)
    assert any(label.startswith("D+4 ") for label in labels[0])  # midnight names its day
    numbers = [t.text for t in dash_duo.find_elements("#patient-graph .scatterlayer .trace text")]
    assert "2" in numbers and "0" in numbers  # CRS 2 and ICANS 0, though both began before the last 24 h
    _choose_view(dash_duo, "all")
    until(lambda: "D0" in dash_duo.driver.execute_script(X_LABELS)[0], timeout=10)
    assert dash_duo.get_logs() == []


def test_patient009_neutrophils_and_platelets_are_drawn_with_the_neutropenia_line(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    start_app()
    _open(dash_duo, database, "3")
    for name in ("Neutrophils ×10⁹/L", "Platelets ×10⁹/L"):
        assert dash_duo.driver.execute_script(TRACE_POINTS.format(name=repr(name))) >= 4  # daily bloods since D-1
    assert "neutropenia: below 0.5" in [e.text for e in dash_duo.find_elements(KEY)]
    assert dash_duo.get_logs() == []
