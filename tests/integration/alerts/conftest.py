"""A ward to sweep: patients and records written through the real write path, sweeps at chosen times."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.config import AlertConfig, load_config
from alerts.delivery import DeliveryReport, deliver_due
from alerts.hooks import on_clinical_write
from alerts.sweep import SweepReport, run_sweep
from data import records
from data.audit import Actor
from data.demo import ICE_FULL
from data.models import Alert, AlertDelivery
from data.settings import Settings

NURSE = Actor("nurse.jones", role="nurse", source="form")
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
PATIENT_NAME = "Zebedee Quintrell-Fotheringay"
HOSPITAL_NUMBER = "RTD7654321"

PANEL_ANALYTES = {
    "fbc": (
        ("haemoglobin", 98.0, "g/L"),
        ("white_cells", 4.1, "10*9/L"),
        ("neutrophils", 2.4, "10*9/L"),
        ("platelets", 160.0, "10*9/L"),
    ),
    "coagulation": (("pt", 13.0, "s"), ("aptt", 31.0, "s"), ("fibrinogen", 3.1, "g/L")),
    "ue": (
        ("sodium", 137.0, "mmol/L"),
        ("potassium", 4.1, "mmol/L"),
        ("urea", 5.2, "mmol/L"),
        ("creatinine", 78.0, "umol/L"),
    ),
    "lft": (("bilirubin", 12.0, "umol/L"), ("alt", 28.0, "U/L"), ("alp", 90.0, "U/L"), ("albumin", 34.0, "g/L")),
    "bone": (("calcium", 2.25, "mmol/L"), ("phosphate", 1.0, "mmol/L")),
    "crp": (("crp", 12.0, "mg/L"),),
    "ferritin": (("ferritin", 850.0, "ng/mL"),),
}
"""Each daily panel's core analytes (all of them make the panel done), with normal values."""


def ice(score: int) -> dict[str, int]:
    """ICE parts adding up to ``score`` (naming and orientation are taken away first)."""
    parts = dict(ICE_FULL)
    missing = 10 - score
    for key in (
        "naming",
        "naming",
        "naming",
        "orientation_year",
        "orientation_month",
        "orientation_city",
        "orientation_hospital",
        "writing",
        "attention",
        "follows_commands",
    ):
        if missing == 0:
            break
        parts[key] -= 1
        missing -= 1
    return parts


CRS_BODIES: dict[int, dict[str, Any]] = {
    0: {"temperature_c": 37.0, "hypotension": False, "oxygen": "room_air"},
    1: {"temperature_c": 38.5, "hypotension": False, "oxygen": "room_air"},
    2: {"temperature_c": 38.5, "hypotension": True, "oxygen": "room_air"},
    3: {"temperature_c": 38.5, "hypotension": True, "vasopressors": ["noradrenaline"], "oxygen": "room_air"},
    4: {
        "temperature_c": 38.5,
        "hypotension": True,
        "vasopressors": ["noradrenaline", "phenylephrine"],
        "oxygen": "room_air",
    },
}


def iso(when: datetime) -> str:
    return when.isoformat()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(autouse=True)
def _no_alerting_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The write-path hook reads alerting settings from the environment: keep a developer's out of the tests."""
    import os

    for name in list(os.environ):
        if name.startswith("CARTWATCH_") and name != "CARTWATCH_TEST_DATABASE_URL":
            monkeypatch.delenv(name)


class Ward:
    """Writes through `data.records`, with the escalation hook (as the API and forms do) or without it (as an
    import does), and sweeps and delivers at the times a test chooses."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings) -> None:
        self.sessions = sessions
        self.settings = settings
        self.config = load_config(settings)
        self._beds = 0

    def configure(self, **changes: Any) -> AlertConfig:
        self.settings = dataclasses.replace(self.settings, **changes)
        self.config = load_config(self.settings)
        return self.config

    def admit(
        self,
        admitted_at: datetime,
        *,
        bed: str | None = None,
        infused_at: datetime | None = None,
        ward: str = "Ward 33",
        name: str = PATIENT_NAME,
        hospital_number: str | None = None,
    ) -> int:
        self._beds += 1
        body = {
            "hospital_number": hospital_number or f"{HOSPITAL_NUMBER[:-2]}{self._beds:02d}",
            "name": name,
            "date_of_birth": "1961-04-02",
            "sex": "female",
            "weight_kg": 71.5,
            "product": "axicabtagene ciloleucel",
            "ward": ward,
            "bed": bed or str(self._beds),
            "admitted_at": iso(admitted_at),
        }
        if infused_at is not None:
            body["infused_at"] = iso(infused_at)
        with self.sessions.begin() as session:
            pid = records.create_patient(session, body, NURSE, admitted_at).id
            # A normal neutrophil count from the referring hospital the day before: a fever in these tests is CRS,
            # not a neutropenic fever (which pages by itself: tests/integration/loop).
            count = {"collected_at": iso(admitted_at - timedelta(hours=20)), "analyte": "neutrophils", "value": 2.4}
            records.record(session, "labs", pid, {**count, "unit": "10*9/L"}, NURSE, admitted_at)
            return pid

    def discharge(self, patient_id: int, at: datetime) -> None:
        with self.sessions.begin() as session:
            records.update_patient(session, patient_id, {"discharged_at": iso(at)}, NURSE, at)

    def record(self, kind: str, patient_id: int, body: dict[str, Any], at: datetime, *, hook: bool = True) -> int:
        with self.sessions.begin() as session:
            row = records.record(session, kind, patient_id, body, NURSE, at)
            if hook:  # as dashboard.services.record_clinical does, with this ward's settings
                on_clinical_write(session, row, at, self.settings)
            return row.id

    def amend(self, kind: str, record_id: int, body: dict[str, Any], at: datetime) -> int:
        with self.sessions.begin() as session:
            row = records.amend(session, kind, record_id, body, NURSE, at)
            on_clinical_write(session, row, at, self.settings)
            return row.id

    def obs(self, patient_id: int, at: datetime, *, hook: bool = True) -> int:
        return self.record("observations", patient_id, {"taken_at": iso(at), "temperature_c": 37.0}, at, hook=hook)

    def crs(self, patient_id: int, at: datetime, grade: int = 0, *, hook: bool = True, **extra: Any) -> int:
        body = {"assessed_at": iso(at), **CRS_BODIES[grade], **extra}
        return self.record("crs-assessments", patient_id, body, at, hook=hook)

    def neuro(self, patient_id: int, at: datetime, ice_score: int = 10, *, hook: bool = True) -> int:
        body = {
            "consciousness": "alert",
            "seizure": "none",
            "deep_focal_motor_weakness": False,
            "icp_findings": [],
            "assessed_at": iso(at),
            "ice": ice(ice_score),
        }
        return self.record("neuro-assessments", patient_id, body, at, hook=hook)

    def panel(self, patient_id: int, panel: str, at: datetime, *, hook: bool = True) -> int:
        last = 0
        for analyte, value, unit in PANEL_ANALYTES[panel]:
            body = {"collected_at": iso(at), "analyte": analyte, "value": value, "unit": unit}
            last = self.record("labs", patient_id, body, at, hook=hook)
        return last

    def ferritin(self, patient_id: int, at: datetime, value: float, *, hook: bool = True) -> int:
        body = {"collected_at": iso(at), "analyte": "ferritin", "value": value, "unit": "ng/mL"}
        return self.record("labs", patient_id, body, at, hook=hook)

    def tocilizumab(self, patient_id: int, at: datetime, *, hook: bool = True) -> int:
        body = {"given_at": iso(at), "drug": "tocilizumab", "dose": 560.0, "unit": "mg", "route": "IV"}
        return self.record("medications", patient_id, body, at, hook=hook)

    def everything(self, patient_id: int, at: datetime, *, hook: bool = True) -> None:
        """Obs, CRS and neuro assessments and every daily panel, all at ``at``."""
        self.obs(patient_id, at, hook=hook)
        self.crs(patient_id, at, hook=hook)
        self.neuro(patient_id, at, hook=hook)
        for panel in PANEL_ANALYTES:
            self.panel(patient_id, panel, at, hook=hook)

    def sweep(self, now: datetime, **kwargs: Any) -> SweepReport:
        return run_sweep(self.sessions, self.config, now, **kwargs)

    def deliver(self, now: datetime, **kwargs: Any) -> DeliveryReport:
        return deliver_due(self.sessions, self.config, now, **kwargs)

    def alerts(
        self, kind: str | None = None, *, status: str | None = None, patient_id: int | None = None
    ) -> list[Alert]:
        with self.sessions() as session:
            query = select(Alert).order_by(Alert.id)
            if kind is not None:
                query = query.where(Alert.kind == kind)
            if status is not None:
                query = query.where(Alert.status == status)
            if patient_id is not None:
                query = query.where(Alert.patient_id == patient_id)
            return list(session.scalars(query))

    def deliveries(self, alert_id: int | None = None) -> list[AlertDelivery]:
        with self.sessions() as session:
            query = select(AlertDelivery).order_by(AlertDelivery.id)
            if alert_id is not None:
                query = query.where(AlertDelivery.alert_id == alert_id)
            return list(session.scalars(query))

    def alert(self, alert_id: int) -> Alert:
        with self.sessions() as session:
            found = session.get(Alert, alert_id)
            assert found is not None
            return found


@pytest.fixture
def ward(sessions: sessionmaker[Session], settings: Settings) -> Ward:
    return Ward(sessions, settings)


@pytest.fixture
def receiver(httpserver: HTTPServer) -> HTTPServer:
    """A real HTTP receiver that accepts every page."""
    httpserver.expect_request("/page", method="POST").respond_with_data("ok")
    return httpserver


def write_chains(path: Path, recipients: dict[str, dict[str, str]], **overrides: Any) -> Path:
    """A chain file with the default roles and steps and the given recipients."""
    import yaml

    document: dict[str, Any] = {
        "recipients": recipients,
        "chains": {
            "info": [{"notify": ["bedside_nurse"], "wait_minutes": 30}],
            "warning": [
                {"notify": ["bedside_nurse"], "wait_minutes": 15},
                {"notify": ["nurse_in_charge"], "wait_minutes": 15},
            ],
            "urgent": [
                {"notify": ["bedside_nurse", "nurse_in_charge"], "wait_minutes": 10},
                {"notify": ["cart_registrar"], "wait_minutes": 10},
            ],
            "critical": [
                {"notify": ["bedside_nurse", "nurse_in_charge"], "wait_minutes": 5},
                {"notify": ["cart_registrar"], "wait_minutes": 5},
                {"notify": ["consultant"], "wait_minutes": 10},
            ],
            "pharmacy": [{"notify": ["pharmacy", "consultant"], "wait_minutes": 30}],
            "system": [{"notify": ["nurse_in_charge"], "wait_minutes": 10}],
        },
        "failsafe": {"notify": ["failsafe"], "repeat_minutes": 15},
    }
    document.update(overrides)
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


ROLES = ("bedside_nurse", "nurse_in_charge", "cart_registrar", "consultant", "pharmacy", "failsafe")


def all_webhook(url: str) -> dict[str, dict[str, str]]:
    return {role: {"channel": "webhook", "address": url} for role in ROLES}


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


@pytest.fixture
def webhook_ward(ward: Ward, receiver: HTTPServer, tmp_path: Path) -> Iterator[Ward]:
    """Every role paged through the real receiver, named by the chain file."""
    chains = write_chains(tmp_path / "chains.yaml", all_webhook(receiver.url_for("/page")))
    ward.configure(escalation_chains_path=str(chains), webhook_secret="s3cret")
    yield ward
