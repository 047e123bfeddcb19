"""The bay card and the patient page show the same grade for the same records (on the test database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from dashboard.views.board import load_board
from dashboard.views.patient import load_patient
from data.audit import Actor
from data.records import create_patient, record
from data.settings import Settings

ACTOR = Actor("test", role="doctor", source="import")
TZ = "Europe/London"


def _patient(session: Session, now: datetime) -> int:
    body = {
        "hospital_number": "AGREE001",
        "name": "Agree Test",
        "date_of_birth": "1970-01-01",
        "sex": "female",
        "weight_kg": 70.0,
        "product": "axicabtagene ciloleucel",
        "ward": "Ward 33",
        "bed": "1",
        "admitted_at": (now - timedelta(days=3)).isoformat(),
        "infused_at": (now - timedelta(days=2)).isoformat(),
    }
    return create_patient(session, body, ACTOR, now).id


def _write(session: Session, pid: int, kind: str, body: dict[str, Any], now: datetime) -> None:
    record(session, kind, pid, body, ACTOR, now)


def test_obs_taken_before_tocilizumab_are_graded_without_masking_on_both_screens(
    sessions: sessionmaker[Session],
) -> None:
    """CRS 1, then obs without fever on a facemask, then tocilizumab: the obs were not masked when taken, so
    they give no grade above the assessment's (the page once graded them with today's masking: CRS 3)."""
    now = datetime.now(UTC)
    at = {h: (now - timedelta(hours=h)).isoformat() for h in (3, 2, 1)}
    with sessions.begin() as session:
        pid = _patient(session, now)
        _write(
            session,
            pid,
            "crs-assessments",
            {"oxygen": "room_air", "assessed_at": at[3], "temperature_c": 38.5, "hypotension": False},
            now,
        )
        _write(
            session, pid, "observations", {"taken_at": at[2], "temperature_c": 37.0, "oxygen_device": "facemask"}, now
        )
        dose = {"given_at": at[1], "drug": "tocilizumab", "dose": 560.0, "unit": "mg", "route": "IV"}
        _write(session, pid, "medications", dose, now)
    with sessions() as session:
        board = load_board(session, now, Settings())
        view = load_patient(session, pid, now, Settings())
    assert view is not None
    card = board.beds[0]
    assert (card.crs.grade, card.crs.provisional) == (1, False)
    assert (view.crs.grade, view.crs.provisional) == (1, False)
    assert view.fever_masked  # fever is no longer required from now on, and the header says so


def test_obs_after_tocilizumab_grade_provisionally_the_same_on_both_screens(sessions: sessionmaker[Session]) -> None:
    now = datetime.now(UTC)
    at = {h: (now - timedelta(hours=h)).isoformat() for h in (3, 2, 1)}
    with sessions.begin() as session:
        pid = _patient(session, now)
        _write(
            session,
            pid,
            "crs-assessments",
            {"oxygen": "room_air", "assessed_at": at[3], "temperature_c": 38.5, "hypotension": False},
            now,
        )
        dose = {"given_at": at[2], "drug": "tocilizumab", "dose": 560.0, "unit": "mg", "route": "IV"}
        _write(session, pid, "medications", dose, now)
        _write(
            session, pid, "observations", {"taken_at": at[1], "temperature_c": 37.0, "oxygen_device": "facemask"}, now
        )
    with sessions() as session:
        card = load_board(session, now, Settings()).beds[0]
        view = load_patient(session, pid, now, Settings())
    assert view is not None
    assert (card.crs.grade, card.crs.provisional, card.crs.note) == (3, True, "provisional · ASTCT 2019")
    assert (view.crs.grade, view.crs.provisional, view.crs.note) == (3, True, "provisional · ASTCT 2019")
