"""The wall screen's tiles: initials not names, acuity order, what is late in hours and minutes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard.views.board import AlertSummary, BoardSnapshot, Pulse
from dashboard.views.grades import GradeView
from dashboard.views.wall import due_line, initials, summary_line, wall_tiles
from tests.unit.dashboard.factories import NOW, TZ, bed, due

GRACE = timedelta(minutes=15)
ON_TIME = {"obs": due("obs", 90), "crs": due("crs", 200), "neuro": due("neuro", 200), "bloods": due("bloods", 30)}


@pytest.mark.parametrize(
    ("name", "shown"),
    [("Demo Golf", "DG"), ("anne-marie o'neil", "AMO"), ("Mary Ann Jo Smith", "MAJ"), ("X", "X"), ("", "?")],
)
def test_a_wall_shows_initials_never_the_name(name: str, shown: str) -> None:
    assert initials(name) == shown


def test_the_most_late_item_shows_in_hours_and_minutes_with_how_many_more_are_late() -> None:
    late = {**ON_TIME, "crs": due("crs", -(12 * 60 + 48)), "obs": due("obs", -30)}
    assert due_line(bed(due=late), NOW, GRACE) == ("CRS 12 h 48 min late +1", True)


def test_with_nothing_late_the_next_item_due_shows() -> None:
    assert due_line(bed(due=ON_TIME), NOW, GRACE) == ("next: Bloods in 30 min", False)


def _alerts(*severities: str) -> AlertSummary:
    return AlertSummary(len(severities), len(severities), severities[0] if severities else None, (), severities, "x")


def test_beds_are_ordered_critical_alert_then_overdue_then_urgent_then_by_grade() -> None:
    grade3 = GradeView("CRS", 3, False, "assessment", ())
    beds = [
        bed(patient_id=1, bed="1", due=ON_TIME),
        bed(patient_id=2, bed="2", due=ON_TIME, crs=grade3),
        bed(patient_id=3, bed="3", due=ON_TIME, alerts=_alerts("urgent")),
        bed(patient_id=4, bed="4", due={**ON_TIME, "obs": due("obs", -60)}),
        bed(patient_id=5, bed="5", due=ON_TIME, alerts=_alerts("critical", "warning")),
    ]
    board = BoardSnapshot(NOW, Pulse(1, NOW), beds)
    tiles = wall_tiles(board, NOW, TZ)
    assert [(t.bed, t.acuity) for t in tiles] == [
        ("5", "critical"),
        ("4", "overdue"),
        ("3", "urgent"),
        ("2", ""),  # CRS 3 before CRS 1
        ("1", ""),
    ]
    assert tiles[0].alert == "critical: x +1"
    assert summary_line(board, NOW) == "5 patients · 1 critical · 1 urgent · 1 overdue"
