"""When assessments are due and overdue: intervals, grace, tighter cadence, discharge, daily bloods and DST."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from toxicity import (
    CadencePolicy,
    DueItem,
    InvalidAssessment,
    MonitoringState,
    due_items,
    next_bloods_due,
    overdue_from,
)

START = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)  # 08:00 BST
LONDON = ZoneInfo("Europe/London")
PANELS = ("fbc", "coagulation", "ue", "lft", "bone", "crp", "ferritin")


def item(items: tuple[DueItem, ...], kind: str) -> DueItem:
    return next(found for found in items if found.kind == kind)


def test_the_policy_defaults_are_the_guidelines() -> None:
    policy = CadencePolicy()
    assert policy.obs_interval == timedelta(hours=4)
    assert policy.crs_interval == timedelta(hours=12)
    assert policy.neuro_interval == timedelta(hours=8)
    assert policy.grace == timedelta(minutes=15)
    assert policy.bloods_due_local_time == time(10, 0)
    assert policy.ward_timezone == "Europe/London"
    assert policy.blood_panels == PANELS


def test_every_kind_is_listed_in_a_stable_order() -> None:
    kinds = [found.kind for found in due_items(MonitoringState(monitoring_start=START), START)]
    assert kinds == ["obs", "crs", "neuro", "review", *(f"bloods:{panel}" for panel in PANELS)]


def test_the_daily_clinical_review_is_due_24_hours_after_the_last_and_overdue_after_the_grace() -> None:
    """Guideline, routine interventions: "Daily clinical assessment and examination"."""
    reviewed = START + timedelta(hours=2)
    state = MonitoringState(monitoring_start=START, last_review=reviewed)
    due = item(due_items(state, reviewed + timedelta(hours=24, minutes=15)), "review")
    assert due.due_at == reviewed + timedelta(hours=24) and not due.overdue
    late = item(due_items(state, reviewed + timedelta(hours=24, minutes=16)), "review")
    assert late.overdue and late.minutes_late == 16
    never = item(due_items(MonitoringState(monitoring_start=START), START), "review")
    assert never.due_at == START + timedelta(hours=24)


def test_with_nothing_done_each_interval_runs_from_the_start_of_monitoring() -> None:
    items = due_items(MonitoringState(monitoring_start=START), START)
    assert item(items, "obs").due_at == START + timedelta(hours=4)
    assert item(items, "crs").due_at == START + timedelta(hours=12)
    assert item(items, "neuro").due_at == START + timedelta(hours=8)
    assert item(items, "obs").minutes_until_due == 240


def test_the_next_is_due_one_interval_after_the_last_done() -> None:
    state = MonitoringState(monitoring_start=START, last_obs=START + timedelta(hours=3))
    assert item(due_items(state, START + timedelta(hours=4)), "obs").due_at == START + timedelta(hours=7)


@pytest.mark.parametrize(
    ("after_due", "overdue", "minutes_late", "minutes_until"),
    [
        (timedelta(minutes=-1), False, 0, 1),
        (timedelta(0), False, 0, 0),
        (timedelta(minutes=14), False, 0, 0),
        (timedelta(minutes=15), False, 0, 0),
        (timedelta(minutes=15, seconds=1), True, 15, 0),
        (timedelta(minutes=16), True, 16, 0),
        (timedelta(hours=2, minutes=5, seconds=59), True, 125, 0),
    ],
    ids=["due-minus-1min", "due", "due-plus-grace-minus-1min", "due-plus-grace", "due-plus-grace-plus-1s",
         "due-plus-grace-plus-1min", "2h05-late"],
)  # fmt: skip
def test_overdue_only_after_the_grace_period(
    after_due: timedelta, overdue: bool, minutes_late: int, minutes_until: int
) -> None:
    due = START + timedelta(hours=4)
    found = item(due_items(MonitoringState(monitoring_start=START), due + after_due), "obs")
    assert (found.overdue, found.minutes_late, found.minutes_until_due) == (overdue, minutes_late, minutes_until)


@pytest.mark.parametrize("grace", [timedelta(0), timedelta(minutes=15)], ids=["no-grace", "15min-grace"])
def test_an_item_is_overdue_from_the_moment_overdue_from_names_and_not_a_microsecond_before(grace: timedelta) -> None:
    policy = CadencePolicy(grace=grace)
    due = START + timedelta(hours=4)
    moment = overdue_from(due, grace)
    assert moment == due + grace + timedelta(microseconds=1)
    state = MonitoringState(monitoring_start=START)
    assert not item(due_items(state, moment - timedelta(microseconds=1), policy), "obs").overdue
    assert item(due_items(state, moment, policy), "obs").overdue


def test_a_discharged_patient_has_nothing_due() -> None:
    state = MonitoringState(monitoring_start=START, discharged_at=START + timedelta(days=3))
    assert due_items(state, START + timedelta(days=3)) == ()
    assert due_items(state, START + timedelta(days=5)) == ()
    assert due_items(state, START + timedelta(days=2)) != ()


def test_a_tighter_cadence_applies_from_its_grade() -> None:
    policy = CadencePolicy(tighter=(("obs", 2, timedelta(hours=1)), ("neuro", 1, timedelta(hours=4))))
    base = MonitoringState(monitoring_start=START, last_obs=START, last_neuro=START)
    assert item(due_items(base, START, policy), "obs").due_at == START + timedelta(hours=4)
    graded = MonitoringState(monitoring_start=START, last_obs=START, last_neuro=START, crs_grade=3, icans_grade=1)
    assert item(due_items(graded, START, policy), "obs").due_at == START + timedelta(hours=1)
    assert item(due_items(graded, START, policy), "neuro").due_at == START + timedelta(hours=4)
    assert item(due_items(graded, START, policy), "crs").due_at == START + timedelta(hours=12)
    low = MonitoringState(monitoring_start=START, last_obs=START, crs_grade=1)
    assert item(due_items(low, START, policy), "obs").due_at == START + timedelta(hours=4)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"obs_interval": timedelta(0)}, "obs_interval"),
        ({"grace": timedelta(minutes=-1)}, "grace"),
        ({"ward_timezone": "Mars/Olympus"}, "ward_timezone"),
        ({"bloods_due_local_time": time(10, 0, tzinfo=UTC)}, "bloods_due_local_time"),
        ({"blood_panels": ("fbc", "fbc")}, "blood_panels"),
        ({"tighter": (("bloods", 2, timedelta(hours=1)),)}, "tighter kind"),
        ({"tighter": (("obs", 0, timedelta(hours=1)),)}, "tighter min_grade"),
        ({"tighter": (("obs", 2, timedelta(hours=6)),)}, "tighter interval"),
        ({"tighter": (("obs", 2),)}, "tighter"),
    ],
    ids=lambda value: repr(value) if isinstance(value, dict) else str(value),
)
def test_an_invalid_policy_is_rejected_naming_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidAssessment, match=field):
        CadencePolicy(**changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("state", "field"),
    [
        (MonitoringState(monitoring_start=datetime(2026, 6, 1, 7)), "monitoring_start"),
        (MonitoringState(monitoring_start=START, last_obs=datetime(2026, 6, 1, 8)), "last_obs"),
        (MonitoringState(monitoring_start=START, last_bloods={"fbc": datetime(2026, 6, 1)}), "last_bloods"),
        (MonitoringState(monitoring_start=START, crs_grade=5), "crs_grade"),
    ],
    ids=["naive-start", "naive-last-obs", "naive-bloods", "crs-grade-5"],
)
def test_an_invalid_state_is_rejected_naming_the_field(state: MonitoringState, field: str) -> None:
    with pytest.raises(InvalidAssessment, match=field):
        due_items(state, START)


def test_a_naive_now_is_rejected() -> None:
    with pytest.raises(InvalidAssessment, match="now"):
        due_items(MonitoringState(monitoring_start=START), datetime(2026, 6, 1, 12))


def test_the_state_keeps_a_read_only_copy_of_last_bloods() -> None:
    source = {"fbc": START}
    state = MonitoringState(monitoring_start=START, last_bloods=source)
    source["crp"] = START
    assert dict(state.last_bloods) == {"fbc": START}


# --- daily bloods -------------------------------------------------------------------------------------------
def local(day: int, hour: int, minute: int = 0, month: int = 6) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LONDON)


def bloods(state: MonitoringState, now: datetime, panel: str = "fbc") -> DueItem:
    return item(due_items(state, now), f"bloods:{panel}")


def test_bloods_are_first_due_the_same_day_when_monitoring_starts_before_10() -> None:
    state = MonitoringState(monitoring_start=local(1, 8))
    assert bloods(state, local(1, 8)).due_at == local(1, 10).astimezone(UTC)


def test_bloods_are_first_due_the_next_day_when_monitoring_starts_after_10() -> None:
    state = MonitoringState(monitoring_start=local(1, 11))
    found = bloods(state, local(1, 23))
    assert found.due_at == local(2, 10).astimezone(UTC)
    assert not found.overdue


def test_bloods_collected_today_are_next_due_tomorrow() -> None:
    state = MonitoringState(monitoring_start=local(1, 8), last_bloods={"fbc": local(2, 6)})
    found = bloods(state, local(2, 12))
    assert found.due_at == local(3, 10).astimezone(UTC)
    assert not found.overdue
    assert bloods(state, local(2, 12), "crp").overdue  # other panels are still owed


def test_bloods_collected_yesterday_do_not_count_for_today() -> None:
    state = MonitoringState(monitoring_start=local(1, 8), last_bloods={"fbc": local(1, 23, 30)})
    found = bloods(state, local(2, 10, 16))
    assert found.due_at == local(2, 10).astimezone(UTC)
    assert found.overdue
    assert found.minutes_late == 16


@pytest.mark.parametrize(
    ("minute", "overdue"),
    [(14, False), (15, False), (16, True)],
    ids=["due-plus-14min", "due-plus-grace", "due-plus-grace-plus-1min"],
)
def test_bloods_are_overdue_only_after_the_grace_period(minute: int, overdue: bool) -> None:
    state = MonitoringState(monitoring_start=local(1, 8))
    assert bloods(state, local(2, 10, minute)).overdue is overdue


@pytest.mark.parametrize(
    ("day", "month", "utc_hour"),
    [(28, 3, 10), (29, 3, 9), (30, 3, 9), (24, 10, 9), (25, 10, 10), (26, 10, 10)],
    ids=["sat-before-spring-forward-gmt", "spring-forward-day-bst", "day-after-spring-forward",
         "sat-before-fall-back-bst", "fall-back-day-gmt", "day-after-fall-back"],
)  # fmt: skip
def test_bloods_follow_the_ward_clock_across_daylight_saving(day: int, month: int, utc_hour: int) -> None:
    state = MonitoringState(monitoring_start=datetime(2026, 3, 1, 8, tzinfo=UTC))
    now = datetime(2026, month, day, 0, 30, tzinfo=LONDON)
    found = bloods(state, now)
    assert found.due_at == datetime(2026, month, day, utc_hour, tzinfo=UTC)
    assert found.due_at.tzinfo is UTC


def test_on_the_spring_forward_day_bloods_are_overdue_from_09_15_utc() -> None:
    state = MonitoringState(monitoring_start=datetime(2026, 3, 1, 8, tzinfo=UTC))
    assert not bloods(state, datetime(2026, 3, 29, 9, 15, tzinfo=UTC)).overdue
    assert bloods(state, datetime(2026, 3, 29, 9, 16, tzinfo=UTC)).overdue


def test_on_the_fall_back_day_a_collection_after_local_midnight_counts_for_that_day() -> None:
    # 2026-10-25 00:30 BST is 2026-10-24 23:30 UTC: already the 25th on the ward.
    collected = datetime(2026, 10, 24, 23, 30, tzinfo=UTC)
    state = MonitoringState(monitoring_start=datetime(2026, 10, 1, tzinfo=UTC), last_bloods={"fbc": collected})
    found = bloods(state, datetime(2026, 10, 25, 12, tzinfo=UTC))
    assert found.due_at == datetime(2026, 10, 26, 10, tzinfo=UTC)
    assert not found.overdue


def test_next_bloods_due_is_usable_on_its_own() -> None:
    due = next_bloods_due(None, local(1, 8), local(1, 9), CadencePolicy())
    assert due == local(1, 10).astimezone(UTC)


def test_a_ward_can_move_the_bloods_time_and_time_zone() -> None:
    policy = CadencePolicy(bloods_due_local_time=time(6, 0), ward_timezone="America/New_York")
    start = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)  # 20:00 EDT on 31 May
    due = next_bloods_due(None, start, start, policy)
    assert due == datetime(2026, 6, 1, 10, 0, tzinfo=UTC)  # 06:00 EDT on 1 June
