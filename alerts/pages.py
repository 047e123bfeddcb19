"""What a page says. Pages are insecure (DESIGN.md): ward, bed, alert kind, grade or minutes late, and the
alert's opaque reference, never a name or hospital number. The payload is built only from the alert's own
fields, which never hold either.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
"""No 0/O, 1/I/L: a reference is read aloud over a phone."""
REFERENCE_LENGTH = 8
PAYLOAD_VERSION = 1

KIND_LABELS: Mapping[str, str] = {
    "overdue_obs": "obs overdue",
    "overdue_crs": "CRS assessment overdue",
    "overdue_neuro": "neuro assessment overdue",
    "overdue_review": "daily clinical review overdue",
    "overdue_bloods": "bloods overdue",
    "crs_onset": "CRS onset",
    "crs_rise": "CRS grade rise",
    "icans_onset": "ICANS onset",
    "icans_rise": "ICANS grade rise",
    "crs_provisional": "CRS from obs: assess now",
    "icans_provisional": "ICANS from obs: assess now",
    "seizure": "seizure",
    "status_epilepticus": "status epilepticus",
    "motor_weakness": "new deep focal motor weakness",
    "raised_icp": "new raised-ICP finding",
    "grade_override": "grade lowered by override: review",
    "neutropenia": "neutrophils < 0.5",
    "hlh_no_improvement": "HLH not improving: review",
    "neutropenic_fever": "neutropenic fever",
    "hlh_positive": "HLH/MAS screen positive",
    "ferritin_over_10000": "ferritin > 10,000",
    "tocilizumab_fourth_dose": "tocilizumab 4th dose",
    "tocilizumab_third_in_24h": "tocilizumab 3rd dose in 24 h",
    "tocilizumab_repeat_too_soon": "tocilizumab repeat sooner than allowed",
    "delivery_dead": "page could not be delivered",
    "scheduler_heartbeat_stale": "alerting scheduler stopped",
}

ACTION_LABELS: Mapping[str, str] = {
    "raise": "",
    "escalate": "ESCALATED (unacknowledged) ",
    "repeat": "REPEAT (unacknowledged) ",
    "renotify": "REMINDER (acknowledged, unresolved) ",
    "snooze_ended": "SNOOZE ENDED ",
    "reopen": "REOPENED ",
}
UNACKNOWLEDGED_ACTIONS: tuple[str, ...] = ("escalate", "repeat", "snooze_ended")
"""Chain pages that exist because nobody had acknowledged: once somebody has, an unsent one is not true any more."""


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


@dataclass(frozen=True)
class PageSource:
    """The alert fields a page is made from (and nothing else)."""

    reference: str
    kind: str
    severity: str
    message: str
    grade: int | None
    due_at: datetime | None
    ward: str | None
    bed: str | None
    details: Mapping[str, Any]


def minutes_late(due_at: datetime | None, now: datetime) -> int | None:
    if due_at is None:
        return None
    return max(0, int((now - due_at).total_seconds() // 60))


def page_text(source: PageSource, now: datetime, action: str = "raise") -> str:
    """One line for a pager, e.g. "cartwatch CRITICAL Ward 33 bed 3: CRS rose from grade 1 to grade 3 ..."."""
    where = f"{source.ward} bed {source.bed}" if source.ward is not None else "system"
    parts = [f"cartwatch {source.severity.upper()} {ACTION_LABELS.get(action, '')}{where}: {source.message}"]
    late = minutes_late(source.due_at, now)
    if late is not None:
        parts.append(f"{late} min late")
    parts.append(f"ref {source.reference}")
    return " - ".join(parts)


def page_payload(source: PageSource, *, step: int, recipient: str, action: str, now: datetime) -> dict[str, Any]:
    """The JSON a webhook receives (and the text an e-mail or log line carries)."""
    return {
        "version": PAYLOAD_VERSION,
        "reference": source.reference,
        "ward": source.ward,
        "bed": source.bed,
        "kind": source.kind,
        "kind_label": KIND_LABELS.get(source.kind, source.kind),
        "severity": source.severity,
        "grade": source.grade,
        "minutes_late": minutes_late(source.due_at, now),
        "due_at": source.due_at.isoformat() if source.due_at is not None else None,
        "step": step,
        "recipient": recipient,
        "action": action,
        "created_at": now.isoformat(),
        "text": page_text(source, now, action),
    }


def subject_line(payload: Mapping[str, Any]) -> str:
    """A short e-mail subject for pager gateways that show only the subject."""
    where = f"{payload.get('ward')} bed {payload.get('bed')}" if payload.get("ward") is not None else "system"
    label = payload.get("kind_label") or payload.get("kind")
    grade = f" grade {payload['grade']}" if payload.get("grade") is not None else ""
    late = f" {payload['minutes_late']} min late" if payload.get("minutes_late") is not None else ""
    severity = str(payload.get("severity", "")).upper()
    return f"[cartwatch {severity}] {where}: {label}{grade}{late} ref {payload.get('reference')}"
