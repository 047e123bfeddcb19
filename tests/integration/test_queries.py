"""Read models read only the rows in force: the newest current value per patient, never a corrected one."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from data.audit import Actor
from data.db import make_read_session_factory, make_session_factory
from data.models import Observation
from data.queries import latest_per_patient
from data.records import amend, create_patient, record
from tests.conftest import NOW
from tests.integration.conftest import patient_body

ACTOR = Actor("tester", role="nurse", source="api")


def _obs(session: Session, pid: int, hours_ago: float, temperature: float) -> int:
    body = {"taken_at": (NOW - timedelta(hours=hours_ago)).isoformat(), "temperature_c": temperature}
    return record(session, "observations", pid, body, ACTOR, NOW).id


def test_latest_value_per_patient_follows_amendments_and_errors(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        first = create_patient(
            session, patient_body(admitted_at=(NOW - timedelta(days=3)).isoformat(), infused_at=None), ACTOR, NOW
        ).id
        second = create_patient(
            session,
            patient_body(
                hospital_number="RTD7654321",
                bed="4",
                admitted_at=(NOW - timedelta(days=3)).isoformat(),
                infused_at=None,
            ),
            ACTOR,
            NOW,
        ).id
        _obs(session, first, 8, 37.0)
        newest = _obs(session, first, 4, 39.5)
        _obs(session, second, 6, 36.8)
        wrong = _obs(session, second, 2, 40.1)
        amend(session, "observations", newest, {"reason": "misread", "changes": {"temperature_c": 38.5}}, ACTOR, NOW)
        amend(session, "observations", wrong, {"reason": "wrong patient", "entered_in_error": True}, ACTOR, NOW)
    with sessions() as session:
        latest = latest_per_patient(session, Observation, [first, second])
        assert latest[first].temperature_c == 38.5 and latest[first].amends_id == newest
        assert latest[second].temperature_c == 36.8
        assert latest_per_patient(session, Observation, []) == {}


def test_a_board_read_does_not_wait_for_a_writer(engine: Engine) -> None:
    """Readers never take SQLite's write lock, so a sweep or a save never stalls the board."""
    writer = make_session_factory(engine)()
    writer.execute(text("INSERT INTO ward_state (ward, version, changed_at) VALUES ('Ward 9', 1, CURRENT_TIMESTAMP)"))
    try:
        with make_read_session_factory(engine)() as reader:
            assert reader.execute(text("SELECT count(*) FROM ward_state WHERE ward = 'Ward 9'")).scalar() == 0
    finally:
        writer.rollback()
        writer.close()
