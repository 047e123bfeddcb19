"""The alerts page in a real browser."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from dash import Dash
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from data.audit import Actor
from data.auth import create_user
from data.db import make_engine, make_session_factory
from data.models import Alert, AlertDelivery, DeliveryAttempt, Patient
from tests.browser.conftest import PASSWORD
from tests.browser.forms import patient_id, read, sweep

pytestmark = pytest.mark.browser


def _raise_alert(database: str, bed: str) -> int:
    """An overdue-CRS alert for the bed, paged once to the nurse in charge (one failed attempt, one sent)."""
    now = datetime.now(UTC)
    engine = make_engine(database)
    with make_session_factory(engine).begin() as session:
        patient = session.scalars(select(Patient).where(Patient.bed == bed)).one()
        alert = Alert(
            dedupe_key=f"browser:{patient.id}:crs",
            reference="BRW0001",
            patient_id=patient.id,
            kind="crs_overdue",
            severity="urgent",
            message="CRS assessment overdue",
            raised_at=now - timedelta(minutes=20),
            details={"ward": patient.ward, "bed": patient.bed},
        )
        session.add(alert)
        session.flush()
        delivery = AlertDelivery(
            alert_id=alert.id,
            step=0,
            recipient="nurse_in_charge",
            channel="log",
            payload={"reference": "BRW0001"},
            status="sent",
            attempts=2,
            next_attempt_at=now,
            created_at=now - timedelta(minutes=20),
            sent_at=now - timedelta(minutes=19),
        )
        session.add(delivery)
        session.flush()
        session.add(
            DeliveryAttempt(
                delivery_id=delivery.id,
                attempted_at=now - timedelta(minutes=20),
                outcome="failed",
                error="connection refused",
            )
        )
        session.add(DeliveryAttempt(delivery_id=delivery.id, attempted_at=now - timedelta(minutes=19), outcome="sent"))
        alert_id = alert.id
    engine.dispose()
    return alert_id


def test_alerts001_acknowledging_an_alert_removes_it_from_the_open_list(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    _raise_alert(database, "7")
    start_app()
    dash_duo.driver.get(f"{dash_duo.server_url}/alerts")
    dash_duo.wait_for_contains_text("#alerts-grid", "Ward 33 · 7")
    row = dash_duo.find_element("#alerts-grid .ag-center-cols-container .ag-row")
    row.click()
    dash_duo.wait_for_contains_text("#alerts-history", "connection refused")
    assert "Nurse in charge" in dash_duo.find_element("#alerts-history").text  # the title, not the role id
    dash_duo.find_element("#alerts-acknowledge").click()
    dash_duo.wait_for_contains_text("#alerts-status", "Alert acknowledged.")
    WebDriverWait(dash_duo.driver, 10).until(lambda _d: "Ward 33 · 7" not in dash_duo.find_element("#alerts-grid").text)
    assert dash_duo.get_logs() == []


def test_alerts002_resolving_an_overdue_alert_by_hand_is_refused_and_points_to_recording_it(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    pid = patient_id(database, "7")  # its CRS assessment is overdue
    sweep(database)
    alert = read(database, lambda s: s.scalars(select(Alert).where(Alert.patient_id == pid)).one())
    assert alert.kind == "overdue_crs"
    start_app()
    dash_duo.driver.get(f"{dash_duo.server_url}/alerts")
    dash_duo.wait_for_contains_text("#alerts-resolve-hint", "close themselves once the assessment")
    dash_duo.wait_for_contains_text("#alerts-grid", "overdue crs")
    rows = dash_duo.find_elements("#alerts-grid .ag-center-cols-container .ag-row")
    next(row for row in rows if "overdue crs" in row.text and "Ward 33 · 7" in row.text).click()
    dash_duo.wait_for_contains_text(
        "#alerts-resolve-hint", "This alert closes itself when the CRS assessment is recorded"
    )
    dash_duo.find_element("#alerts-reason").send_keys("assessed, forgot to record")
    dash_duo.find_element("#alerts-resolve").click()
    dash_duo.wait_for_contains_text("#alerts-status", "cannot be closed by hand")
    message = dash_duo.find_element("#alerts-status").text
    assert "record the CRS assessment, or record a monitoring exception" in message
    assert read(database, lambda s: s.get(Alert, alert.id)).status == "open"
    dash_duo.find_element("#alerts-status a").click()
    dash_duo.wait_for_contains_text("#patient-header", "Demo Golf")
    assert dash_duo.driver.current_url.endswith(f"/patient/{pid}")
    assert dash_duo.get_logs() == []


NO_TRUNCATED_CELL = """
return [...document.querySelectorAll(arguments[0] + ' .ag-cell')]
  .filter(c => c.offsetParent !== null && c.scrollWidth > c.clientWidth + 1)
  .map(c => c.getAttribute('col-id') + ': ' + c.textContent);
"""


def _escalating(database: str, alert_id: int, minutes: int) -> None:
    engine = make_engine(database)
    with make_session_factory(engine).begin() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        alert.next_escalation_at = datetime.now(UTC) + timedelta(minutes=minutes)
    engine.dispose()


def test_alerts003_people_and_bleeps_the_next_step_and_the_resolved_history_all_readable_at_1500_px(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    alert_id = _raise_alert(database, "7")
    _escalating(database, alert_id, 7)
    start_app()
    dash_duo.driver.set_window_size(1500, 1000)
    dash_duo.driver.get(f"{dash_duo.server_url}/alerts")
    row = f"#alerts-grid .ag-row[row-id='{alert_id}']"
    dash_duo.wait_for_contains_text(row, "Nurse in charge: paged", timeout=20)
    text = dash_duo.find_element(row).text
    assert "nurse_in_charge" not in text
    assert "Bedside nurse and Nurse in charge" not in text  # the urgent chain's next step is the registrar
    assert "CAR-T registrar at " in text
    assert dash_duo.driver.execute_script(NO_TRUNCATED_CELL, "#alerts-grid") == []
    dash_duo.find_element(f"{row} .ag-cell[col-id='bed']").click()
    dash_duo.find_element("#alerts-acknowledge").click()
    dash_duo.wait_for_contains_text("#alerts-status", "Alert acknowledged.", timeout=20)
    dash_duo.driver.find_element(By.XPATH, "//label[text()='Acknowledged, not resolved']").click()
    dash_duo.wait_for_contains_text(row, "doctor at ", timeout=20)
    assert "no further pages (acknowledged)" in dash_duo.find_element(row).text
    dash_duo.find_element(f"{row} .ag-cell[col-id='bed']").click()
    dash_duo.find_element("#alerts-reason").send_keys("patient reviewed, assessment recorded on paper")
    dash_duo.find_element("#alerts-resolve").click()
    dash_duo.wait_for_contains_text("#alerts-status", "Alert resolved.", timeout=20)
    dash_duo.driver.find_element(By.XPATH, "//label[text()='Resolved']").click()
    dash_duo.wait_for_contains_text(row, "patient reviewed, assessment recorded on paper", timeout=20)
    assert "doctor at " in dash_duo.find_element(f"{row} .ag-cell[col-id='resolved']").text
    assert dash_duo.driver.execute_script(NO_TRUNCATED_CELL, "#alerts-grid") == []
    assert dash_duo.get_logs() == []


def test_alerts004_a_nurse_is_offered_acknowledge_only(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    _raise_alert(database, "7")
    engine = make_engine(database)
    with make_session_factory(engine).begin() as session:
        create_user(session, "ward.nurse", PASSWORD, "nurse", Actor("tests"), datetime.now(UTC))
    engine.dispose()
    start_app(username="ward.nurse")  # signed in as the nurse from the start: no page of another session in flight
    dash_duo.driver.get(f"{dash_duo.server_url}/alerts")
    dash_duo.wait_for_contains_text("#alerts-grid", "Ward 33 · 7", timeout=20)
    assert dash_duo.find_element("#alerts-acknowledge").is_displayed()
    for hidden in ("#alerts-snooze", "#alerts-resolve", "#alerts-reason", "#alerts-snooze-minutes"):
        assert not dash_duo.find_element(hidden).is_displayed(), hidden
    assert dash_duo.get_logs() == []
