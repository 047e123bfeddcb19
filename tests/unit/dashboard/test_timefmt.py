from datetime import UTC, datetime, timedelta

import pytest

from dashboard.views.timefmt import clock, countdown, day_label, duration, parse_local, stamp, to_local_input
from tests.unit.dashboard.factories import NOW, TZ
from toxicity import MonitoringState, due_items

GRACE = timedelta(minutes=15)


@pytest.mark.parametrize(
    ("offset_days", "label"),
    [(-2, "D-2"), (0, "D0"), (4, "D+4"), (30, "D+30")],
    ids=["two days before", "infusion day", "day four", "day thirty"],
)
def test_day_label_counts_calendar_days_from_the_infusion(offset_days: int, label: str) -> None:
    assert day_label(NOW - timedelta(days=offset_days), NOW, TZ) == label


def test_day_label_without_an_infusion_says_so() -> None:
    assert day_label(None, NOW, TZ) == "not infused"


def test_day_label_uses_the_ward_calendar_not_utc() -> None:
    infused = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 July in London (BST)
    assert day_label(infused, datetime(2026, 7, 2, 22, 0, tzinfo=UTC), TZ) == "D0"


@pytest.mark.parametrize(("minutes", "text"), [(0, "0 min"), (45, "45 min"), (60, "1 h"), (125, "2 h 05 min")], ids=str)
def test_duration_reads_as_hours_and_minutes(minutes: int, text: str) -> None:
    assert duration(minutes) == text


def test_countdown_before_due_says_how_long() -> None:
    shown = countdown(NOW + timedelta(minutes=85), NOW, GRACE)
    assert (shown.text, shown.state, shown.overdue) == ("in 1 h 25 min", "due", False)


def test_countdown_within_grace_is_due_now_not_overdue() -> None:
    shown = countdown(NOW - timedelta(minutes=15), NOW, GRACE)
    assert (shown.text, shown.overdue) == ("due now", False)


def test_countdown_past_grace_is_overdue_with_minutes_late_counted_from_due() -> None:
    shown = countdown(NOW - timedelta(minutes=16), NOW, GRACE)
    assert (shown.text, shown.overdue, shown.minutes_late) == ("overdue · 16 min late", True, 16)


@pytest.mark.parametrize("minutes_since_obs", [200, 240, 255, 256, 400], ids=lambda m: f"{m} min after obs")
def test_countdown_agrees_with_the_cadence_rules(minutes_since_obs: int) -> None:
    start = NOW - timedelta(days=1)
    state = MonitoringState(monitoring_start=start, last_obs=NOW - timedelta(minutes=minutes_since_obs))
    item = next(i for i in due_items(state, NOW) if i.kind == "obs")
    shown = countdown(item.due_at, NOW, GRACE)
    assert (shown.overdue, shown.minutes_late) == (item.overdue, item.minutes_late)


def test_clock_and_stamp_show_ward_time() -> None:
    assert clock(NOW, TZ) == "12:00"
    assert clock(datetime(2026, 7, 1, 12, 0, tzinfo=UTC), TZ) == "13:00"
    assert stamp(NOW, TZ) == "Tue 24 Nov 12:00"


def test_local_input_round_trips_through_ward_time() -> None:
    shown = to_local_input(datetime(2026, 7, 1, 12, 0, tzinfo=UTC), TZ)
    assert shown == "2026-07-01T13:00"
    assert parse_local(shown, TZ) == datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


def test_an_empty_time_field_parses_to_none() -> None:
    assert parse_local("", TZ) is None
    assert parse_local(None, TZ) is None
