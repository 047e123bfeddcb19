"""The handover sheet: per bay and per patient, printed by the browser as one A4 page a patient."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any

import pytest
from dash import Dash
from sqlalchemy import select

from data.db import make_engine, make_session_factory
from data.models import CarePlan, Patient

pytestmark = pytest.mark.browser

A4 = {"paperWidth": 8.27, "paperHeight": 11.69, "preferCSSPageSize": True, "printBackground": False}
FIELDS = (
    "CRS now",
    "CRS course",
    "ICANS course",
    "Tocilizumab / steroids",
    "Last obs",
    "ICE / CAPD",
    "Neutrophils",
    "Ferritin",
    "CRP",
    "Due",
    "Open alerts",
    "Milestones",
    "Plan",
    "Paper obs (downtime)",
)


def _pdf_pages(dash_duo: Any) -> int:
    """Print the page as Chromium would to an A4 printer, and count the PDF's pages."""
    pdf = base64.b64decode(dash_duo.driver.execute_cdp_cmd("Page.printToPDF", A4)["data"])
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def _patient_id(database: str, bed: str) -> int:
    engine = make_engine(database)
    with make_session_factory(engine)() as session:
        pid = session.scalar(select(Patient.id).where(Patient.bed == bed, Patient.discharged_at.is_(None)))
    engine.dispose()
    assert pid is not None
    return pid


def test_handover001_the_bay_sheet_prints_one_a4_page_per_patient_with_the_handover_and_paper_obs(
    dash_duo: Any, start_app: Callable[..., Dash]
) -> None:
    start_app()
    dash_duo.driver.get(dash_duo.server_url + "/handover")
    dash_duo.wait_for_element(".handover-patient")
    sheets = dash_duo.find_elements(".handover-patient")
    assert len(sheets) == 7
    for sheet in sheets:
        for field in FIELDS:
            assert field in sheet.text, (field, sheet.text[:80])
        assert len(sheet.find_elements("css selector", ".handover-paper tbody tr")) == 8  # empty rows for paper
        assert "stored marked as late entry" in sheet.text
    bed3 = next(s.text for s in sheets if s.text.startswith("Bed 3"))
    assert "D+4 post-infusion" in bed3 and "CRS 2" in bed3
    assert "tocilizumab" in bed3  # the dose given, with its time
    assert _pdf_pages(dash_duo) == 7
    assert dash_duo.get_logs() == []


def test_handover002_one_patients_sheet_and_an_append_only_plan(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    start_app()
    pid = _patient_id(database, "3")
    dash_duo.driver.get(f"{dash_duo.server_url}/handover?patient={pid}")
    dash_duo.wait_for_element(".handover-patient")
    assert len(dash_duo.find_elements(".handover-patient")) == 1
    assert "No plan recorded." in dash_duo.find_element(".handover-patient").text
    box = dash_duo.find_element(".handover-patient textarea")
    box.send_keys("Tocilizumab given 10:00; review at 16:00")
    dash_duo.find_element(".handover-patient .btn").click()
    dash_duo.wait_for_contains_text(".handover-patient", "Plan saved at")
    assert "Tocilizumab given 10:00; review at 16:00" in dash_duo.find_element(".handover-patient").text
    box.send_keys("Steroids started; neuro obs hourly")
    dash_duo.find_element(".handover-patient .btn").click()
    dash_duo.wait_for_contains_text(".handover-patient", "Steroids started; neuro obs hourly")
    assert "review at 16:00" not in dash_duo.find_element(".handover-patient").text  # the newer plan is in force
    engine = make_engine(database)
    with make_session_factory(engine)() as session:
        plans = session.scalars(select(CarePlan).where(CarePlan.patient_id == pid).order_by(CarePlan.id)).all()
        assert [p.text for p in plans] == [
            "Tocilizumab given 10:00; review at 16:00",
            "Steroids started; neuro obs hourly",
        ]
        assert plans[1].replaces_id == plans[0].id and plans[1].recorded_by == "doctor"
    engine.dispose()
    assert _pdf_pages(dash_duo) == 1
    assert dash_duo.get_logs() == []
