"""The board's summary line, empty beds, D+14/D+28, durations, and colours that never carry a meaning alone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard.views.bay import bed_cards, overdue_summary, summary_text, timers_store
from dashboard.views.board import AlertSummary, BoardSnapshot, Pulse, bed_labels
from dashboard.views.palette import GRADE_COLOURS, SEVERITY_COLOURS
from dashboard.views.timefmt import countdown, milestones_text
from tests.unit.dashboard.factories import NOW, TZ, bed


def test_bed_labels_read_ranges_and_single_beds_in_order() -> None:
    assert bed_labels("1-3, 10A,2") == ("1", "2", "3", "10A")
    assert bed_labels(None) == ()


def test_empty_beds_take_their_place_in_bed_order() -> None:
    board = BoardSnapshot(
        NOW, Pulse(1, NOW), [bed(patient_id=1, bed="2"), bed(patient_id=2, bed="10")], empty_beds=("1", "3")
    )
    cards = bed_cards(board, TZ, timers_store(board, TZ))
    kinds = ["empty" if card.className == "bay-empty" else "card" for card in cards]
    assert kinds == ["empty", "card", "empty", "card"]


def test_the_summary_counts_patients_empty_beds_open_critical_and_urgent_alerts_and_overdue_items() -> None:
    alerts = AlertSummary(3, 1, "critical", ("a",), ("critical", "urgent", "urgent"), "a")
    board = BoardSnapshot(NOW, Pulse(1, NOW), [bed(alerts=alerts), bed(patient_id=8, bed="8")], empty_beds=("9",))
    assert summary_text(board) == "2 patients · 1 empty bed · 1 critical · 2 urgent open alerts"
    # each factory bed has its CRS 40 min late; the count moves with the clock from the stored due times
    timers = timers_store(board, TZ)
    assert overdue_summary(timers, NOW) == " · 2 overdue items"
    assert overdue_summary(timers, NOW - timedelta(minutes=30)) == " · 0 overdue items"


def test_lateness_reads_in_hours_and_minutes() -> None:
    shown = countdown(NOW - timedelta(hours=12, minutes=48), NOW, timedelta(minutes=15))
    assert shown.text == "overdue · 12 h 48 min late"


@pytest.mark.parametrize(
    ("days_since_infusion", "text"),
    [
        (3, "D+14 Sat 05 Dec · D+28 Sat 19 Dec"),
        (14, "D+14 Tue 24 Nov (today) · D+28 Tue 08 Dec"),
        (20, "D+14 Wed 18 Nov (passed) · D+28 Wed 02 Dec"),
    ],
)
def test_d14_and_d28_are_dated_from_the_infusion_day(days_since_infusion: int, text: str) -> None:
    assert milestones_text(NOW - timedelta(days=days_since_infusion), NOW, TZ) == text


def _luminance(colour: str) -> float:
    """WCAG relative luminance of "#rrggbb" (what a greyscale print or a monochrome screen keeps)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _lab(colour: str) -> tuple[float, float, float]:
    rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    x = (0.4124 * lin[0] + 0.3576 * lin[1] + 0.1805 * lin[2]) / 0.95047
    y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    z = (0.0193 * lin[0] + 0.1192 * lin[1] + 0.9505 * lin[2]) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def test_grade_0_and_1_differ_in_greyscale() -> None:
    white, yellow = _luminance(GRADE_COLOURS[0][0]), _luminance(GRADE_COLOURS[1][0])
    assert (white + 0.05) / (yellow + 0.05) >= 1.25  # and grade 1 has the heavy border (browser test)


@pytest.mark.parametrize("severity", ["warning", "urgent", "critical"])
def test_an_alert_severity_colour_is_never_mistaken_for_a_grade_colour(severity: str) -> None:
    fill = _lab(SEVERITY_COLOURS[severity][0])
    for grade, (grade_fill, _text) in GRADE_COLOURS.items():
        other = _lab(grade_fill)
        delta_e = sum((a - b) ** 2 for a, b in zip(fill, other, strict=True)) ** 0.5
        assert delta_e > 30, (severity, grade, delta_e)  # CIE76: 2.3 is just noticeable, > 30 another colour
