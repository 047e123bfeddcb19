"""The patient page in a real browser: the chart, recording an ICE assessment, an invalid temperature."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from dash import Dash
from selenium.webdriver.common.by import By
from sqlalchemy import func, select

from data.db import make_engine, make_session_factory
from data.models import Observation, Patient
from toxicity.ice import ICE_PART_MAXIMA

pytestmark = pytest.mark.browser

TRACE_POINTS = (
    "return document.querySelector('#patient-graph .js-plotly-plot').data.find(t => t.name === {name}).x.length"
)
GRAPH = "document.querySelector('#patient-graph .js-plotly-plot')"
AXES = f"return Object.keys({GRAPH}._fullLayout).filter(k => k.startsWith('yaxis')).length"


def _patient_id(database: str, bed: str) -> int:
    engine = make_engine(database)
    with make_session_factory(engine)() as session:
        found = session.scalar(select(Patient.id).where(Patient.bed == bed))
    engine.dispose()
    assert found is not None
    return found


def _count_obs(database: str, patient_id: int) -> int:
    engine = make_engine(database)
    with make_session_factory(engine)() as session:
        count = session.scalar(select(func.count(Observation.id)).where(Observation.patient_id == patient_id)) or 0
    engine.dispose()
    return count


def _field(dash_duo: Any, form: str, name: str) -> Any:
    selector = json.dumps({"form": form, "name": name, "type": "patient-field"}, separators=(",", ":"))
    return dash_duo.driver.find_element(By.XPATH, f"//*[@id='{selector}']")


def _button(dash_duo: Any, kind: str, form: str) -> Any:
    selector = json.dumps({"form": form, "type": kind}, separators=(",", ":"))
    return dash_duo.driver.find_element(By.XPATH, f"//*[@id='{selector}']")


def _click(dash_duo: Any, element: Any) -> None:
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element)
    element.click()


def _open(dash_duo: Any, database: str, bed: str) -> int:
    pid = _patient_id(database, bed)
    dash_duo.driver.get(f"{dash_duo.server_url}/patient/{pid}")
    dash_duo.wait_for_element("#patient-graph .js-plotly-plot")
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
    _click(dash_duo, next(t for t in dash_duo.find_elements(".nav-tabs .nav-link") if t.text == "Neuro assessment"))
    for part, top in ICE_PART_MAXIMA.items():
        box = _field(dash_duo, "neuro-assessments", f"ice.{part}")
        box.send_keys(str(top))
    preview = json.dumps({"form": "neuro-assessments", "type": "patient-preview"}, separators=(",", ":"))
    dash_duo.wait_for_contains_text(f"[id='{preview}']", "ICE 10/10 · ICANS grade 0 (ASTCT 2019) if saved now")
    _click(dash_duo, _button(dash_duo, "patient-save", "neuro-assessments"))
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
    _field(dash_duo, "observations", "temperature_c").send_keys("98.6")
    _click(dash_duo, _button(dash_duo, "patient-save", "observations"))
    feedback = json.dumps(
        {"form": "observations", "name": "temperature_c", "type": "patient-feedback"}, separators=(",", ":")
    )
    dash_duo.wait_for_contains_text(f"[id='{feedback}']", "98.6 is outside 30-45 °C (looks like Fahrenheit)")
    status = json.dumps({"form": "observations", "type": "patient-save-status"}, separators=(",", ":"))
    dash_duo.wait_for_contains_text(f"[id='{status}']", "Nothing was saved")
    assert _count_obs(database, pid) == before
    assert dash_duo.get_logs() == []
