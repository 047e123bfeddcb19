"""Saving and amending through the one write path (on the test database: a fast SQLite file)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dashboard.views.forms import body_from_values, form_fields
from dashboard.views.recording import amend_record, save_record
from data.audit import Actor
from data.models import AuditEvent, Observation
from data.records import create_patient

NURSE = Actor("staff.nurse", role="nurse", source="form")

TZ = "Europe/London"


def _patient(sessions: sessionmaker[Session], now: datetime) -> int:
    with sessions.begin() as session:
        patient = create_patient(
            session,
            {
                "hospital_number": "FORM0001",
                "name": "Form Test",
                "date_of_birth": "1970-01-01",
                "sex": "male",
                "weight_kg": 80.0,
                "product": "axicabtagene ciloleucel",
                "ward": "Ward 33",
                "bed": "1",
                "admitted_at": (now - timedelta(days=1)).isoformat(),
            },
            Actor("test", source="import"),
            now,
        )
        return patient.id


def _scope(sessions: sessionmaker[Session]) -> Callable[[], AbstractContextManager[Session]]:
    return sessions.begin


def _obs_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count(Observation.id))) or 0


def test_an_invalid_field_saves_nothing_and_comes_back_by_name(sessions: sessionmaker[Session]) -> None:
    now = datetime.now(UTC)
    pid = _patient(sessions, now)
    names = [f.name for f in form_fields("observations")]
    body = body_from_values("observations", {"temperature_c": 98.6, "heart_rate": 88}, TZ, now)
    outcome = save_record(_scope(sessions), "observations", pid, body, names, NURSE, now)
    assert not outcome.saved
    assert outcome.errors == {"temperature_c": "98.6 is outside 30-45 °C (looks like Fahrenheit)"}
    assert _obs_count(sessions) == 0


def test_a_valid_form_is_stored_as_the_signed_in_user_from_the_form(sessions: sessionmaker[Session]) -> None:
    now = datetime.now(UTC)
    pid = _patient(sessions, now)
    body = body_from_values("observations", {"temperature_c": 38.2}, TZ, now)
    outcome = save_record(_scope(sessions), "observations", pid, body, ["temperature_c"], NURSE, now)
    assert outcome.saved and outcome.record_id is not None
    with sessions() as session:
        row = session.get(Observation, outcome.record_id)
        assert row is not None and (row.recorded_by, row.source) == ("staff.nurse", "form")


def test_amend_and_entered_in_error_need_a_reason_and_keep_the_original(sessions: sessionmaker[Session]) -> None:
    now = datetime.now(UTC)
    pid = _patient(sessions, now)
    body = body_from_values("observations", {"temperature_c": 38.2}, TZ, now)
    first = save_record(_scope(sessions), "observations", pid, body, ["temperature_c"], NURSE, now)
    no_reason = amend_record(
        _scope(sessions),
        "observations",
        first.record_id,
        {"reason": "", "changes": {"temperature_c": 37.2}},
        NURSE,
        now,
    )
    assert not no_reason.saved and no_reason.general[0].startswith("reason")
    amended = amend_record(
        _scope(sessions),
        "observations",
        first.record_id,
        {"reason": "typed in the wrong box", "changes": {"temperature_c": 37.2}},
        NURSE,
        now,
    )
    assert amended.saved
    removed = amend_record(
        _scope(sessions),
        "observations",
        amended.record_id,
        {"reason": "wrong patient", "entered_in_error": True},
        NURSE,
        now,
    )
    assert removed.saved
    assert _obs_count(sessions) == 3  # nothing is overwritten
    with sessions() as session:
        actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.patient_id == pid)))
    assert actions.count("amend") == 1 and actions.count("entered_in_error") == 1


def test_amending_without_choosing_a_record_says_so(sessions: sessionmaker[Session]) -> None:
    outcome = amend_record(_scope(sessions), "observations", None, {"reason": "x"}, NURSE, datetime.now(UTC))
    assert outcome.general == ["choose a record first: edit a cell or select a row"]
