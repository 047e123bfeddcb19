"""The handover plan is append-only: a new plan follows the one in force, which stays; bad input stores nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from data.audit import Actor
from data.models import AuditEvent, CarePlan
from data.plans import latest_plans, write_plan
from data.records import Forbidden, create_patient, update_patient
from data.validation import InvalidInput
from tests.integration.conftest import patient_body

NURSE = Actor("nurse.a", role="nurse", source="form")


def _patient(sessions: sessionmaker[Session], **overrides: str) -> int:
    with sessions.begin() as session:
        return create_patient(session, patient_body(**overrides), NURSE, datetime.now(UTC)).id


def test_a_new_plan_follows_the_one_in_force_and_both_stay(sessions: sessionmaker[Session]) -> None:
    pid = _patient(sessions)
    now = datetime.now(UTC)
    with sessions.begin() as session:
        first = write_plan(session, pid, "  Review at 16:00  ", NURSE, now).id
        second = write_plan(session, pid, "Steroids started", NURSE, now + timedelta(minutes=5)).id
    with sessions() as session:
        plan = latest_plans(session, [pid])[pid]
        assert (plan.id, plan.text, plan.replaces_id) == (second, "Steroids started", first)
        texts = session.scalars(select(CarePlan.text).where(CarePlan.patient_id == pid).order_by(CarePlan.id)).all()
        assert texts == ["Review at 16:00", "Steroids started"]
        audited = session.scalar(select(func.count()).where(AuditEvent.record_type == "care_plan"))
        assert audited == 2


@pytest.mark.parametrize("text", ["", "ok", None, "x" * 4001], ids=["empty", "two letters", "none", "too long"])
def test_a_plan_outside_3_to_4000_characters_is_refused_naming_the_field(
    sessions: sessionmaker[Session], text: str | None
) -> None:
    pid = _patient(sessions)
    with pytest.raises(InvalidInput) as refused, sessions.begin() as session:
        write_plan(session, pid, text, NURSE, datetime.now(UTC))
    assert refused.value.errors[0].field == "plan" and "3-4000 characters" in refused.value.errors[0].allowed
    with sessions() as session:
        assert latest_plans(session, [pid]) == {}


def test_no_plan_for_a_discharged_patient_or_one_on_another_ward(sessions: sessionmaker[Session]) -> None:
    pid = _patient(sessions)
    with pytest.raises(Forbidden), sessions.begin() as session:
        write_plan(
            session, pid, "Plan text", Actor("n.b", role="nurse", source="form", ward="Ward 34"), datetime.now(UTC)
        )
    with sessions.begin() as session:
        update_patient(session, pid, {"discharged_at": datetime.now(UTC).isoformat()}, NURSE, datetime.now(UTC))
    with pytest.raises(InvalidInput, match="discharged"), sessions.begin() as session:
        write_plan(session, pid, "Plan text", NURSE, datetime.now(UTC) + timedelta(seconds=1))
