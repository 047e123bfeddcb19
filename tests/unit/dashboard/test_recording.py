"""Saving and amending through the one write path (on the test database: a fast SQLite file)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dashboard.views.forms import body_from_values, form_fields
from dashboard.views.recording import (
    AMENDED,
    MARKED_IN_ERROR,
    amend_from_table,
    amend_record,
    save_permission,
    save_record,
    submit_form,
)
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


def test_a_form_with_an_override_needs_the_override_permission() -> None:
    assert save_permission({"temperature_c": 38.0}) == "record"
    assert save_permission({"override": {"grade": 2, "reason": "clinical concern"}}) == "override"


def _permit(asked: list[str]) -> Callable[[str], Actor]:
    def permit(permission: str) -> Actor:
        asked.append(permission)
        return NURSE

    return permit


def test_submitting_an_invalid_form_marks_the_field_and_saves_nothing(sessions: sessionmaker[Session]) -> None:
    now = datetime.now(UTC)
    pid = _patient(sessions, now)
    names = ["taken_at", "temperature_c", "heart_rate"]
    asked: list[str] = []
    patient = {"id": pid, "tool": "ICE"}
    values = {"temperature_c": 98.6, "heart_rate": 80}
    result = submit_form(_scope(sessions), "observations", values, names, patient, _permit(asked), now, TZ)
    assert not result.saved and asked == ["record"]
    assert result.feedback == ["", "98.6 is outside 30-45 °C (looks like Fahrenheit)", ""]
    assert result.classes == ["", "field-invalid", ""]
    assert "Nothing was saved." in str(result.status.to_plotly_json())
    assert _obs_count(sessions) == 0


def test_submitting_a_valid_form_saves_it_and_says_when(sessions: sessionmaker[Session]) -> None:
    now = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    pid = _patient(sessions, now)
    patient = {"id": pid, "tool": "ICE"}
    scope = _scope(sessions)
    result = submit_form(
        scope, "observations", {"temperature_c": 37.5}, ["temperature_c"], patient, _permit([]), now, TZ
    )
    assert result.saved and result.feedback == [""] and result.classes == [""]
    assert "Obs saved (13:00)." in str(result.status.to_plotly_json())  # ward time, BST
    assert _obs_count(sessions) == 1


def test_amending_from_the_table_saves_the_pending_edit_or_marks_the_row_in_error(
    sessions: sessionmaker[Session],
) -> None:
    now = datetime.now(UTC)
    pid = _patient(sessions, now)
    body = body_from_values("observations", {"temperature_c": 38.2}, TZ, now)
    first = save_record(_scope(sessions), "observations", pid, body, ["temperature_c"], NURSE, now)
    pending = {"record_id": first.record_id, "changes": {"temperature_c": 37.2}}
    saved, message = amend_from_table(_scope(sessions), "observations", False, None, pending, "typo", NURSE, now)
    assert (saved, message) == (True, AMENDED)
    with sessions() as session:
        newest = session.scalars(select(Observation).order_by(Observation.id.desc())).first()
    assert newest is not None and newest.temperature_c == 37.2
    selected = [{"id": str(newest.id)}]
    saved, message = amend_from_table(_scope(sessions), "observations", True, selected, {}, "wrong patient", NURSE, now)
    assert (saved, message) == (True, MARKED_IN_ERROR)
    refused, why = amend_from_table(_scope(sessions), "observations", True, None, {}, "x", NURSE, now)
    assert not refused and "choose a record first" in str(why.to_plotly_json())
