"""What is due when a provisional grade asks for an assessment now, and around documented exceptions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from toxicity import CadencePolicy, InvalidAssessment, MonitoringState, ScheduleException, due_items

START = datetime(2026, 5, 4, 0, 0, tzinfo=UTC)
POLICY = CadencePolicy(ward_timezone="UTC", grace=timedelta(minutes=15))


def at(hours: float) -> datetime:
    return START + timedelta(hours=hours)


def due(state: MonitoringState, now: datetime, item: str) -> tuple[datetime, bool, str]:
    (found,) = [d for d in due_items(state, now, POLICY) if d.kind == item]
    return found.due_at, found.overdue, found.note


def state(**changes: object) -> MonitoringState:
    base: dict[str, object] = {"monitoring_start": START, "last_obs": at(8), "last_crs": at(8), "last_neuro": at(8)}
    return MonitoringState(**{**base, **changes})  # type: ignore[arg-type]


def test_a_provisional_grade_makes_the_assessment_due_at_once_and_overdue_after_the_grace() -> None:
    asked = state(requested={"crs": at(10)})
    assert due(asked, at(10.2), "crs") == (at(10), False, due(asked, at(10.2), "crs")[2])
    assert due(asked, at(10.2), "crs")[2].startswith("due now: provisional grade at")
    assert due(asked, at(10.3), "crs")[1]  # 18 minutes: past the 15 minutes' grace


def test_a_request_older_than_the_last_assessment_is_spent() -> None:
    spent = state(requested={"crs": at(7)})
    assert due(spent, at(9), "crs") == (at(20), False, "")


def exception(start: float, end: float, *items: str) -> ScheduleException:
    return ScheduleException(frozenset(items), at(start), at(end), "off_ward")


def test_an_exception_holds_what_falls_due_inside_it_until_it_ends() -> None:
    off = state(exceptions=(exception(11, 14, "obs"),))
    assert due(off, at(12.5), "obs")[:2] == (at(14), False)
    assert due(off, at(12.5), "obs")[2].startswith("patient off the ward until")
    assert due(off, at(14.3), "obs")[1]  # the clock ran again at its end
    assert due(off, at(12.5), "neuro")[:2] == (at(16), False)  # an item it does not list is untouched


def test_an_exception_holds_an_item_already_late_when_it_began() -> None:
    late = state(exceptions=(exception(13, 15, "obs"),))
    assert due(late, at(12.9), "obs")[1]  # obs were due at 12:00: late before the exception
    assert due(late, at(13.5), "obs")[:2] == (at(15), False)


def test_a_future_exception_does_not_hide_what_is_due_before_it() -> None:
    ahead = state(exceptions=(exception(20, 22, "obs"),))
    assert due(ahead, at(12.5), "obs")[:2] == (at(12), True)


def test_exceptions_that_follow_on_are_followed_to_the_last_end() -> None:
    chained = state(exceptions=(exception(11, 14, "obs"), exception(13, 18, "obs")))
    assert due(chained, at(13.5), "obs")[0] == at(18)


def test_bloods_are_held_as_one_item() -> None:
    off = state(exceptions=(exception(9, 11, "bloods"),))
    assert {d.due_at for d in due_items(off, at(9.5), POLICY) if d.kind.startswith("bloods:")} == {at(11)}


def test_an_exception_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(InvalidAssessment, match="ends_at"):
        due_items(state(exceptions=(exception(14, 11, "obs"),)), at(12), POLICY)
