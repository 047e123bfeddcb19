"""The one late-entry rule (`data.records.is_late_entry`) at its edge: more than an hour before saving."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from data.records import LATE_ENTRY_AFTER, is_late_entry

SAVED = datetime(2026, 11, 28, 14, 5, tzinfo=UTC)
EPSILON = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("clinical_time", "late"),
    [
        (SAVED - LATE_ENTRY_AFTER + EPSILON, False),
        (SAVED - LATE_ENTRY_AFTER, False),
        (SAVED - LATE_ENTRY_AFTER - EPSILON, True),
        (SAVED + timedelta(minutes=2), False),
    ],
    ids=["1 h - 1 s before: on time", "exactly 1 h before: on time", "1 h + 1 s before: late", "clock ahead: on time"],
)
def test_a_record_is_late_entry_only_when_its_time_is_more_than_an_hour_before_saving(
    clinical_time: datetime, late: bool
) -> None:
    assert is_late_entry(clinical_time, SAVED) is late
