"""The board reads a fixed number of statements however many beds, and one cheap statement when unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from dashboard.views.board import load_board, refresh
from data.audit import Actor
from data.models import Alert, SchedulerHeartbeat
from data.records import create_patient, record
from data.settings import Settings
from tests.statements import counted

ACTOR = Actor("test", role="nurse", source="import")


def _ward(session: Session, beds: int, now: datetime, ward: str = "Ward 33") -> None:
    """Beds with obs, assessments, labs, a tocilizumab dose and an open alert each."""
    for n in range(1, beds + 1):
        patient = create_patient(
            session,
            {
                "hospital_number": f"{ward.replace(' ', '')}{n:04d}",
                "name": f"Patient {n}",
                "date_of_birth": "1960-01-01",
                "sex": "female",
                "weight_kg": 70.0,
                "product": "axicabtagene ciloleucel",
                "ward": ward,
                "bed": str(n),
                "admitted_at": (now - timedelta(days=3)).isoformat(),
                "infused_at": (now - timedelta(days=2)).isoformat(),
            },
            ACTOR,
            now,
        )
        at = (now - timedelta(hours=2)).isoformat()
        record(session, "observations", patient.id, {"taken_at": at, "temperature_c": 38.5}, ACTOR, now)
        crs = {"assessed_at": at, "temperature_c": 38.5, "hypotension": False}
        record(session, "crs-assessments", patient.id, crs, ACTOR, now)
        neuro = {"assessed_at": at, "capd_score": None, "ice": dict.fromkeys(_ICE, 1) | {"naming": 3}}
        record(session, "neuro-assessments", patient.id, neuro, ACTOR, now)
        for analyte, value in (("ferritin", 12_000.0 + n), ("crp", 40.0)):
            lab = {
                "collected_at": at,
                "analyte": analyte,
                "value": value,
                "unit": "ng/mL" if analyte == "ferritin" else "mg/L",
            }
            record(session, "labs", patient.id, lab, ACTOR, now)
        dose = {"given_at": at, "drug": "tocilizumab", "dose": 560.0, "unit": "mg", "route": "IV"}
        record(session, "medications", patient.id, dose, ACTOR, now)
        session.add(
            Alert(
                dedupe_key=f"test:{patient.id}",
                reference=f"REF{patient.id:05d}",
                patient_id=patient.id,
                kind="crs_grade",
                severity="warning",
                message="CRS grade 1",
                raised_at=now,
            )
        )
    session.add(SchedulerHeartbeat(instance=f"test {ward}", beat_at=now))


_ICE = (
    "orientation_year",
    "orientation_month",
    "orientation_city",
    "orientation_hospital",
    "follows_commands",
    "naming",
    "writing",
    "attention",
)


def queries_only(statements: list[str]) -> list[str]:
    """The statements that read (SQLite's BEGIN IMMEDIATE opens every transaction, reads included)."""
    return [s for s in statements if not s.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK"))]


def _statements_for_board(engine: Engine, sessions: sessionmaker[Session], ward: str, beds: int) -> int:
    settings = Settings(board_ward=ward)
    now = datetime.now(UTC)
    with sessions() as session, counted(engine) as statements:
        board = load_board(session, now, settings)
    assert len(board.beds) == beds
    assert all(b.alerts.count == 1 and b.hlh is not None and b.crs.grade == 1 for b in board.beds)
    return len(queries_only(statements))


def test_the_board_reads_the_same_number_of_statements_for_4_beds_as_for_24(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    now = datetime.now(UTC)
    with sessions.begin() as session:
        _ward(session, 4, now, "Ward 4")
        _ward(session, 24, now, "Ward 24")
    four = _statements_for_board(engine, sessions, "Ward 4", 4)
    twenty_four = _statements_for_board(engine, sessions, "Ward 24", 24)
    assert four == twenty_four
    assert four <= 10


def test_an_unchanged_ward_costs_one_statement_per_refresh(
    engine: Engine, sessions: sessionmaker[Session], settings: Settings
) -> None:
    now = datetime.now(UTC)
    with sessions.begin() as session:
        _ward(session, 4, now)
    with sessions() as session:
        first = refresh(session, now, settings, None, None)
    assert first is not None and first.board is not None
    version = first.board.pulse.version
    with sessions() as session, counted(engine) as statements:
        again = refresh(session, now, settings, version, first.banner)
    assert again is None
    assert len(queries_only(statements)) == 1


def test_a_write_makes_the_next_refresh_read_the_board(sessions: sessionmaker[Session], settings: Settings) -> None:
    now = datetime.now(UTC)
    with sessions.begin() as session:
        _ward(session, 2, now)
    with sessions() as session:
        first = refresh(session, now, settings, None, None)
    assert first is not None and first.board is not None
    with sessions.begin() as session:
        pid = first.board.beds[0].patient_id
        record(session, "observations", pid, {"taken_at": now.isoformat(), "temperature_c": 39.1}, ACTOR, now)
    with sessions() as session:
        after = refresh(session, now, settings, first.board.pulse.version, first.banner)
    assert after is not None and after.board is not None
    assert after.board.beds[0].obs is not None and after.board.beds[0].obs.temperature_c == 39.1


def test_a_silent_scheduler_changes_only_the_banner(sessions: sessionmaker[Session], settings: Settings) -> None:
    now = datetime.now(UTC)
    with sessions.begin() as session:
        _ward(session, 1, now)
    with sessions() as session:
        first = refresh(session, now, settings, None, None)
    assert first is not None and first.board is not None and first.banner == ""
    later = now + timedelta(seconds=settings.heartbeat_stale_seconds + 60)
    with sessions() as session:
        stale = refresh(session, later, settings, first.board.pulse.version, first.banner)
    assert stale is not None and stale.board is None
    assert stale.banner.startswith("Alerting offline — escalate by phone")
