"""A sweep's cost does not grow with the ward: the same number of SQL statements for 3 patients as for 30."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from alerts.snapshot import load_snapshot
from tests.integration.alerts.conftest import Ward, minutes
from tests.statements import counted

T = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def ward_of(ward: Ward, beds: int, start: int) -> None:
    for bed in range(start, start + beds):
        pid = ward.admit(T - timedelta(hours=30), bed=f"B{bed}", hospital_number=f"RTD{bed:07d}")
        ward.crs(pid, T - timedelta(hours=20), grade=1, hook=False)
        ward.neuro(pid, T - timedelta(hours=20), ice_score=8, hook=False)
        ward.ferritin(pid, T - timedelta(hours=20), 12000, hook=False)
        ward.tocilizumab(pid, T - timedelta(hours=19), hook=False)


def sweep_statements(ward: Ward, engine: Engine) -> tuple[int, int]:
    """Statements for loading the snapshot, and for a whole sweep that finds nothing new to do."""
    ward.sweep(T)  # raises everything once
    with counted(engine) as statements, ward.sessions() as session:
        load_snapshot(session, T + minutes(1))
    snapshot = len([s for s in statements if not s.lstrip().upper().startswith("BEGIN")])  # SQLite's is explicit
    with counted(engine) as statements:
        report = ward.sweep(T + minutes(1))
    assert report.raised == [] and report.paged == []
    return snapshot, len(statements)


def test_a_sweep_issues_the_same_number_of_statements_for_3_patients_as_for_30(ward: Ward, engine: Engine) -> None:
    ward_of(ward, 3, 0)
    small = sweep_statements(ward, engine)
    ward_of(ward, 27, 3)
    large = sweep_statements(ward, engine)
    assert len(ward.alerts()) > 30 * 5  # every patient has overdue and escalation alerts to look at
    assert small == large, (small, large)
    assert small[0] == 22  # the twenty-two statements `alerts.snapshot` names
