"""The alerts page in a real browser."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from dash import Dash
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from data.db import make_engine, make_session_factory
from data.models import Alert, AlertDelivery, DeliveryAttempt, Patient

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
    assert "nurse_in_charge" in dash_duo.find_element("#alerts-history").text
    dash_duo.find_element("#alerts-acknowledge").click()
    dash_duo.wait_for_contains_text("#alerts-status", "Alert acknowledged.")
    WebDriverWait(dash_duo.driver, 10).until(lambda _d: "Ward 33 · 7" not in dash_duo.find_element("#alerts-grid").text)
    assert dash_duo.get_logs() == []
