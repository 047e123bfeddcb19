"""The sweep's decisions as plain values: what to raise, what to resolve, whom to page next.

Pure: built from a `WardSnapshot` and ``now``; `alerts.store` carries them out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

DISCHARGED = "patient discharged"
RECORDED = "assessment recorded"
EXCEPTION = "monitoring exception recorded"
FORMAL = "formal assessment recorded"
ENTERED_IN_ERROR = "record entered in error"
SUPERSEDED = "superseded by a higher grade"
AUTOMATIC_REASONS: tuple[str, ...] = (RECORDED, DISCHARGED, EXCEPTION, ENTERED_IN_ERROR)
# Not FORMAL or SUPERSEDED: the provisional or lower-grade event stays in the history after the formal or higher
# grade that closed it, so reopening it would undo the closing sweep after sweep.
"""Reasons the sweep resolves an alert by itself. An alert closed for one of them is reopened if its event comes
back (the record that resolved it was entered in error, or the discharge was undone): its key is spent, so
raising it again is impossible and leaving it closed would lose the page."""


def stamp(when: datetime) -> str:
    """A time as it appears in dedupe keys: UTC, to the microsecond, the same on every engine."""
    return when.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")


@dataclass(frozen=True)
class NewAlert:
    """An alert to insert under ``dedupe_key`` (patient, kind, due time or source record)."""

    dedupe_key: str
    kind: str
    severity: str
    message: str
    patient_id: int | None
    ward: str | None
    bed: str | None
    grade: int | None = None
    due_at: datetime | None = None
    source_type: str | None = None
    source_id: int | None = None
    details: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Resolution:
    alert_id: int
    reason: str
    ward: str | None
    patient_id: int | None = None


@dataclass(frozen=True)
class Reopen:
    """Open again an alert the sweep had resolved by itself, whose event is back (see `AUTOMATIC_REASONS`)."""

    alert_id: int
    previous_reason: str
    alert: NewAlert


@dataclass(frozen=True)
class ChainAction:
    """Page ``step``'s recipients of an unresolved alert and set its next escalation time.

    ``ward`` and ``bed`` are where the patient is now (a patient moved since the alert was raised is paged at the
    new bed).

    ``action`` is "escalate" (the next step, still unacknowledged), "repeat" (the fail-safe step again),
    "renotify" (acknowledged but unresolved critical alert), "snooze_ended" or "stop" (nothing more to send).
    The ``expected_*`` values guard the update: if anyone changed the alert since the snapshot, nothing happens.
    """

    alert_id: int
    action: str
    step: int
    recipients: tuple[str, ...]
    next_escalation_at: datetime | None
    expected_status: str
    expected_step: int
    expected_next: datetime | None
    ward: str | None
    bed: str | None = None


@dataclass(frozen=True)
class SweepPlan:
    raise_: tuple[NewAlert, ...] = ()
    resolve: tuple[Resolution, ...] = ()
    chain: tuple[ChainAction, ...] = ()
    reopen: tuple[Reopen, ...] = ()
    errors: tuple[str, ...] = ()
    next_overdue: datetime | None = None
    """The first moment after the sweep's ``now`` at which an item of an active patient falls overdue."""
