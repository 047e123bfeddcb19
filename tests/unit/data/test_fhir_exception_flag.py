"""A monitoring exception exported as a Flag is active while it holds and inactive from the moment it ends, the
same boundary at which its items fall due again (toxicity.cadence.ScheduleException.covers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from data.imports.fhir_out import _monitoring_exception
from data.models import MonitoringException

ENDS = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def paused() -> MonitoringException:
    return MonitoringException(
        id=7,
        patient_id=1,
        starts_at=ENDS - timedelta(hours=2),
        ends_at=ENDS,
        items=["neuro"],
        reason="paused_by_doctor",
        note="sedated for MRI",
        recorded_at=ENDS - timedelta(hours=2),
        recorded_by="dr.lee",
        source="form",
    )


@pytest.mark.parametrize(
    ("now", "status"),
    [(ENDS - SECOND, "active"), (ENDS, "inactive"), (ENDS + SECOND, "inactive")],
    ids=["a second before the end", "at the end", "a second after the end"],
)
def test_the_flag_is_active_until_the_exception_ends(now: datetime, status: str) -> None:
    flag = _monitoring_exception(paused(), {"reference": "Patient/1"}, now)
    assert flag["status"] == status
    assert (
        flag["code"]["text"] == "Monitoring exception (paused by a doctor): neuro assessment not due. sedated for MRI"
    )
