"""A synthetic demo ward: eight beds with timestamps relative to now, written through the normal write path."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.audit import Actor
from data.catalogue import ANALYTES
from data.models import Patient
from data.records import create_patient, record
from toxicity.interventions import INTERVENTION_ITEMS

DEMO_WARD = "Ward 33"
DEMO_ACTOR = Actor("demo-seed", role="nurse", source="import")

NORMAL_LABS = {
    "haemoglobin": 98,
    "white_cells": 1.2,
    "neutrophils": 0.6,
    "lymphocytes": 0.3,
    "platelets": 85,
    "pt": 13.0,
    "aptt": 31.0,
    "fibrinogen": 3.1,
    "sodium": 137,
    "potassium": 4.1,
    "urea": 5.2,
    "creatinine": 78,
    "bilirubin": 12,
    "alt": 28,
    "ast": 31,
    "alp": 90,
    "albumin": 34,
    "calcium": 2.25,
    "phosphate": 1.0,
    "magnesium": 0.8,
    "crp": 12,
    "ferritin": 850,
}
ICE_FULL = {
    "orientation_year": 1,
    "orientation_month": 1,
    "orientation_city": 1,
    "orientation_hospital": 1,
    "follows_commands": 1,
    "naming": 3,
    "writing": 1,
    "attention": 1,
}


def _iso(when: datetime) -> str:
    return when.isoformat()


class _Bed:
    """Writes one patient's history through `data.records`, so grades come from the rules."""

    def __init__(self, session: Session, now: datetime, patient: Patient) -> None:
        self.session, self.now, self.patient = session, now, patient

    def obs(self, at: datetime, temp: float, **extra: Any) -> None:
        body = {
            "taken_at": _iso(at),
            "temperature_c": temp,
            "heart_rate": 88,
            "respiratory_rate": 16,
            "systolic_bp": 122,
            "diastolic_bp": 74,
            "spo2": 97,
            "oxygen_device": "room_air",
            "consciousness": "alert",
            **extra,
        }
        record(self.session, "observations", self.patient.id, body, DEMO_ACTOR, self.now)

    def crs(self, at: datetime, temp: float, **extra: Any) -> None:
        body = {"assessed_at": _iso(at), "temperature_c": temp, "hypotension": False, "oxygen": "room_air", **extra}
        record(self.session, "crs-assessments", self.patient.id, body, DEMO_ACTOR, self.now)

    def neuro(self, at: datetime, **extra: Any) -> None:
        body: dict[str, Any] = {
            "assessed_at": _iso(at),
            "consciousness": "alert",
            "seizure": "none",
            "deep_focal_motor_weakness": False,
            "icp_findings": [],
            **extra,
        }
        if "ice" not in body and "capd_score" not in body:
            body["ice"] = ICE_FULL
        record(self.session, "neuro-assessments", self.patient.id, body, DEMO_ACTOR, self.now)

    def labs(self, at: datetime, **overrides: float) -> None:
        for analyte, value in {**NORMAL_LABS, **overrides}.items():
            body = {"collected_at": _iso(at), "analyte": analyte, "value": value, "unit": ANALYTES[analyte].unit}
            record(self.session, "labs", self.patient.id, body, DEMO_ACTOR, self.now)

    def medication(self, at: datetime, drug: str, dose: float, unit: str = "mg", route: str = "IV") -> None:
        body = {"given_at": _iso(at), "drug": drug, "dose": dose, "unit": unit, "route": route}
        record(self.session, "medications", self.patient.id, body, DEMO_ACTOR, self.now)

    def review(self, at: datetime) -> None:
        body = {"reviewed_at": _iso(at), "note": "Daily review: examined, plan unchanged."}
        record(self.session, "clinical-reviews", self.patient.id, body, DEMO_ACTOR, self.now)

    def interventions(self, at: datetime, items: tuple[str, ...] = INTERVENTION_ITEMS) -> None:
        """The guideline's routine interventions before infusion, recorded done at ``at``."""
        for item in items:
            body = {"done_at": _iso(at), "item": item}
            record(self.session, "routine-interventions", self.patient.id, body, DEMO_ACTOR, self.now)

    def routine(
        self,
        start: datetime,
        *,
        temp: Callable[[datetime], float] = lambda _t: 36.9,
        neuro: bool = True,
        crs: bool = True,
        until: datetime | None = None,
        obs_extra: dict[str, Any] | None = None,
    ) -> None:
        """Four-hourly obs, twelve-hourly CRS and eight-hourly neuro assessments, daily bloods and clinical review."""
        until = until or self.now
        t = start
        while t <= until:
            hours = (t - start).total_seconds() / 3600
            self.obs(t, temp(t), **(obs_extra or {}))
            if crs and hours % 12 == 0:
                self.crs(t, temp(t))
            if neuro and hours % 8 == 0:
                self.neuro(t)
            if hours % 24 == 0:
                self.labs(t)
                self.review(t)
            t += timedelta(hours=4)


def _patient(session: Session, now: datetime, n: int, **fields: Any) -> _Bed:
    base = {
        "hospital_number": f"DEMO{n:04d}",
        "sex": "female" if n % 2 else "male",
        "weight_kg": 72.0,
        "height_cm": 170.0,
        "product": "axicabtagene ciloleucel",
        "indication": "DLBCL",
        "ward": DEMO_WARD,
        "bed": str(n),
    }
    data = {**base, **fields}
    admitted = data["admitted_at"]
    for key in ("admitted_at", "infused_at"):
        if isinstance(data.get(key), datetime):
            data[key] = _iso(data[key])
    if isinstance(data.get("date_of_birth"), date):
        data["date_of_birth"] = data["date_of_birth"].isoformat()
    patient = create_patient(session, data, DEMO_ACTOR, now)
    bed = _Bed(session, now, patient)
    # Every bed but the one awaiting infusion had its routine interventions done on admission; bed 1 still waits
    # for TLS prevention and for its infection to be controlled.
    done = INTERVENTION_ITEMS if n != 1 else INTERVENTION_ITEMS[:3]
    bed.interventions(admitted + timedelta(hours=2) if admitted + timedelta(hours=2) <= now else admitted, done)
    return bed


def seed_demo_ward(session: Session, now: datetime) -> int:
    """Eight beds; returns the number of patients created."""
    # Anchor every series on whole hours so the cadences line up like a real ward's.
    hour = now.replace(minute=0, second=0, microsecond=0) - timedelta(minutes=30)
    day = timedelta(days=1)

    # Bed 1: admitted for lymphodepletion, infusion in two days.
    b = _patient(
        session,
        now,
        1,
        name="Demo Alpha",
        date_of_birth=date(1965, 3, 14),
        admitted_at=hour - timedelta(hours=20),
        infused_at=hour + 2 * day,
    )
    b.routine(hour - timedelta(hours=20))
    b.labs(hour)  # today's bloods are in (the routine's last were yesterday's), whatever the time of day

    # Bed 2: day 2, grade 1 CRS (fever alone).
    infused = hour - 2 * day
    b = _patient(
        session,
        now,
        2,
        name="Demo Bravo",
        date_of_birth=date(1958, 7, 2),
        admitted_at=infused - day,
        infused_at=infused,
    )
    b.routine(infused - day, temp=lambda t: 38.4 if t > hour - timedelta(hours=14) else 36.8)

    # Bed 3: day 4, grade 2 CRS after tocilizumab (fever gone, still on nasal cannula oxygen).
    infused = hour - 4 * day
    b = _patient(
        session,
        now,
        3,
        name="Demo Charlie",
        date_of_birth=date(1971, 11, 20),
        weight_kg=84.0,
        admitted_at=infused - day,
        infused_at=infused,
    )
    b.routine(infused - day, until=hour - 36 * timedelta(hours=1))
    t = hour - timedelta(hours=32)
    b.crs(t, 38.9, oxygen="nasal_cannula", oxygen_flow_l_min=2.0)
    b.medication(t + timedelta(minutes=30), "tocilizumab", 672)
    cannula = {"oxygen_device": "nasal_cannula", "oxygen_flow_l_min": 3.0, "spo2": 95}
    b.routine(hour - timedelta(hours=20), temp=lambda _t: 37.3, crs=False, obs_extra=cannula)
    for t in (hour - timedelta(hours=20), hour - timedelta(hours=8)):
        b.crs(t, 37.3, oxygen="nasal_cannula", oxygen_flow_l_min=3.0)
    b.labs(hour)  # today's bloods

    # Bed 4: day 6, grade 2 ICANS (ICE 5).
    infused = hour - 6 * day
    b = _patient(
        session,
        now,
        4,
        name="Demo Delta",
        date_of_birth=date(1962, 1, 9),
        admitted_at=infused - day,
        infused_at=infused,
    )
    b.routine(infused - day, until=hour - timedelta(hours=12))
    b.routine(hour - timedelta(hours=8), neuro=False)
    for t, naming, orient in ((hour - timedelta(hours=8), 2, 0), (hour, 1, 0)):
        ice = {**ICE_FULL, "naming": naming, "orientation_city": orient, "orientation_hospital": orient, "writing": 0}
        b.neuro(t, ice=ice)

    # Bed 5: day 5, ferritin 25,000 and rising liver enzymes.
    infused = hour - 5 * day
    b = _patient(
        session,
        now,
        5,
        name="Demo Echo",
        date_of_birth=date(1955, 5, 30),
        admitted_at=infused - day,
        infused_at=infused,
    )
    b.routine(infused - day, temp=lambda _t: 38.6, neuro=True)
    for i, (ferritin, alt, ast, bili) in enumerate(
        ((4_200, 60, 75, 20), (11_800, 180, 240, 45), (25_000, 420, 610, 70))
    ):
        b.labs(
            hour - timedelta(hours=2) - (2 - i) * day + timedelta(minutes=5),
            ferritin=ferritin,
            alt=alt,
            ast=ast,
            bilirubin=bili,
        )

    # Bed 6: an eight-year-old assessed with CAPD.
    infused = hour - 3 * day
    b = _patient(
        session,
        now,
        6,
        name="Demo Foxtrot",
        date_of_birth=(now - 8 * 365 * day).date(),
        weight_kg=26.0,
        height_cm=128.0,
        product="tisagenlecleucel",
        indication="B-ALL",
        admitted_at=infused - day,
        infused_at=infused,
    )
    b.routine(infused - day, neuro=False)
    t = infused - day
    while t <= now:
        b.neuro(t, capd_score=6 if t > hour - day else 0)
        t += timedelta(hours=8)

    # Bed 7: CRS assessment overdue (last one 15 hours ago).
    infused = hour - 3 * day
    b = _patient(
        session,
        now,
        7,
        name="Demo Golf",
        date_of_birth=date(1969, 9, 17),
        admitted_at=infused - day,
        infused_at=infused,
    )
    b.routine(infused - day, crs=False)
    t = infused - day
    while t <= hour - timedelta(hours=15):
        b.crs(t, 36.9)
        t += timedelta(hours=12)

    # Bed 8: discharged yesterday.
    infused = hour - 14 * day
    b = _patient(
        session,
        now,
        8,
        name="Demo Hotel",
        date_of_birth=date(1960, 2, 25),
        admitted_at=infused - day,
        infused_at=infused,
    )
    b.routine(hour - 3 * day, until=hour - day)
    from data.records import update_patient

    update_patient(session, b.patient.id, {"discharged_at": _iso(hour - day + timedelta(hours=1))}, DEMO_ACTOR, now)
    return 8


def ward_is_empty(session: Session) -> bool:
    return (session.scalar(select(func.count(Patient.id))) or 0) == 0
