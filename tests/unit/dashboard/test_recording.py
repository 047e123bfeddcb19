"""Saving and amending through the one write path (on the test database: a fast SQLite file)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dashboard.views.answers import ICP_NONE_AND_FINDING
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
from data.models import (
    Alert,
    AuditEvent,
    CRSAssessment,
    MonitoringException,
    NeuroAssessment,
    NeuroEvent,
    Observation,
)
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
    assert not no_reason.saved and no_reason.general[0].startswith("Reason: needs at least 3 characters")
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
    assert outcome.general == ["Choose a record first: edit a cell, or select a row."]


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
    said = str(result.status.to_plotly_json())
    assert "Obs saved (taken 13:00, recorded 13:00): Temperature: 37.5 °C." in said  # ward time, BST
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
    assert saved and AMENDED in str(message.to_plotly_json())
    with sessions() as session:
        newest = session.scalars(select(Observation).order_by(Observation.id.desc())).first()
    assert newest is not None and newest.temperature_c == 37.2
    selected = [{"id": str(newest.id)}]
    saved, message = amend_from_table(_scope(sessions), "observations", True, selected, {}, "wrong patient", NURSE, now)
    assert saved and MARKED_IN_ERROR in str(message.to_plotly_json())
    refused, why = amend_from_table(_scope(sessions), "observations", True, None, {}, "x", NURSE, now)
    assert not refused and "Choose a record first" in str(why.to_plotly_json())


def _count(sessions: sessionmaker[Session], model: Any) -> int:
    with sessions() as session:
        return session.scalar(select(func.count(model.id))) or 0


def test_a_crs_form_with_hypotension_unanswered_saves_nothing_until_it_is_answered(
    sessions: sessionmaker[Session],
) -> None:
    now = datetime.now(UTC)
    pid = _patient(sessions, now)
    names = [f.name for f in form_fields("crs-assessments")]
    patient = {"id": pid, "tool": "ICE"}
    values: dict[str, Any] = {"temperature_c": 37.2, "oxygen": "room_air", "hypotension": None}
    refused = submit_form(_scope(sessions), "crs-assessments", values, names, patient, _permit([]), now, TZ)
    assert not refused.saved and _count(sessions, CRSAssessment) == 0
    assert refused.feedback[names.index("hypotension")] == "Hypotension not answered: choose yes or no."
    assert refused.classes[names.index("hypotension")] == "field-invalid"
    assert [c for c in refused.classes if c] == ["field-invalid"]
    saved = submit_form(
        _scope(sessions), "crs-assessments", {**values, "hypotension": "no"}, names, patient, _permit([]), now, TZ
    )
    assert saved.saved and _count(sessions, CRSAssessment) == 1


def test_a_neuro_form_with_none_and_a_raised_icp_finding_shows_every_problem_and_saves_nothing(
    sessions: sessionmaker[Session],
) -> None:
    now = datetime.now(UTC)
    pid = _patient(sessions, now)
    names = [f.name for f in form_fields("neuro-assessments", "CAPD")]
    values = {"capd_score": 2, "consciousness": "alert", "icp_findings": ["none", "papilledema"]}
    result = submit_form(
        _scope(sessions), "neuro-assessments", values, names, {"id": pid, "tool": "CAPD"}, _permit([]), now, TZ
    )
    assert not result.saved and _count(sessions, NeuroAssessment) == 0
    said = dict(zip(names, result.feedback, strict=True))
    assert said["icp_findings"] == ICP_NONE_AND_FINDING
    assert said["seizure"].startswith("Seizure not answered")
    assert said["deep_focal_motor_weakness"].startswith("Deep focal motor weakness not answered")


def test_a_neurological_event_from_the_form_is_stored_and_pages_at_once(sessions: sessionmaker[Session]) -> None:
    now = datetime.now(UTC)
    pid = _patient(sessions, now)
    names = [f.name for f in form_fields("neuro-events")]
    values = {"event": "papilledema", "note": "seen on fundoscopy"}
    asked: list[str] = []
    result = submit_form(
        _scope(sessions), "neuro-events", values, names, {"id": pid, "tool": "ICE"}, _permit(asked), now, TZ
    )
    assert result.saved and asked == ["record"]
    assert "Neurological event saved" in str(result.status.to_plotly_json())
    with sessions() as session:
        event = session.scalars(select(NeuroEvent)).one()
        alerts = session.scalars(select(Alert).where(Alert.patient_id == pid)).all()
    assert (event.event, event.note, event.recorded_by) == ("papilledema", "seen on fundoscopy", "staff.nurse")
    assert [a.kind for a in alerts] == ["raised_icp"]


def test_pausing_monitoring_asks_for_the_doctors_permission() -> None:
    paused = {"reason": "paused_by_doctor", "items": ["obs"], "note": "comfort care discussed with family"}
    assert save_permission(paused) == "pause_monitoring"
    assert save_permission({**paused, "reason": "off_ward"}) == "record"


def test_a_monitoring_exception_paused_by_a_doctor_is_saved_only_as_the_person_allowed_to_pause(
    sessions: sessionmaker[Session],
) -> None:
    now = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    pid = _patient(sessions, now)
    names = [f.name for f in form_fields("monitoring-exceptions")]
    values = {
        "starts_at": "2026-07-01T13:00",
        "ends_at": "2026-07-01T19:00",
        "reason": "paused_by_doctor",
        "items": ["obs", "neuro"],
        "note": "overnight rest agreed on the ward round",
    }
    asked: list[str] = []
    result = submit_form(
        _scope(sessions), "monitoring-exceptions", values, names, {"id": pid, "tool": "ICE"}, _permit(asked), now, TZ
    )
    assert result.saved and asked == ["pause_monitoring"]
    with sessions() as session:
        stored = session.scalars(select(MonitoringException)).one()
    assert stored.items == ["obs", "neuro"]
    assert (stored.ends_at - stored.starts_at).total_seconds() == 6 * 3600
