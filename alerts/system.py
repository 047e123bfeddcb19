"""System alerts: a page that could not be delivered, and a scheduler whose heartbeat went stale.

They have no patient; they go to the "system" chain (by default the nurse-in-charge, then the fail-safe). When that
chain's first step pages by one channel only, they also go by a second one (`alerts.config.with_system_fallback`)
and their text says so: a page saying pages fail must not depend on the channel that failed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from types import MappingProxyType

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.decisions import NewAlert, stamp
from alerts.snapshot import aware
from data.models import SchedulerHeartbeat
from toxicity import Severity


def delivery_dead_alert(
    delivery_id: int,
    recipient: str,
    channel: str,
    attempts: int,
    error: str,
    reference: str,
    ward: str | None,
    bed: str | None,
    also: str = "",
) -> NewAlert:
    """``also``: how this alert reaches somebody besides its chain (see `AlertConfig.second_channel`)."""
    where = f"{ward} bed {bed}" if ward is not None else "a system alert"
    note = f" ({also})" if also else ""
    message = (
        f"Page for {where} (ref {reference}) to {recipient} by {channel} failed after {attempts} attempts: {error}"
    )
    return NewAlert(
        dedupe_key=f"delivery_dead:{delivery_id}",
        kind="delivery_dead",
        severity=str(Severity.CRITICAL),
        message=message[: 1000 - len(note)] + note,
        patient_id=None,
        ward=None,
        bed=None,
        source_type="alert_delivery",
        source_id=delivery_id,
        details=MappingProxyType(
            {
                "delivery_id": delivery_id,
                "recipient": recipient,
                "channel": channel,
                "attempts": attempts,
                "error": error,
                "alert_reference": reference,
                "alert_ward": ward,
                "alert_bed": bed,
            }
        ),
    )


def stale_heartbeat_alert(
    last_beat: datetime, now: datetime, stale_after: timedelta, also: str = ""
) -> NewAlert | None:
    """One alert per silence (keyed by the last beat heard), once it is longer than ``stale_after``."""
    silence = now - last_beat
    if silence <= stale_after:
        return None
    minutes = int(silence.total_seconds() // 60)
    message = (
        f"No alerting scheduler heartbeat since {last_beat:%Y-%m-%d %H:%M} UTC ({minutes} min): "
        "overdue and escalation pages may have been delayed; escalate by phone"
    ) + (f" ({also})" if also else "")
    return NewAlert(
        dedupe_key=f"scheduler_heartbeat_stale:{stamp(last_beat)}",
        kind="scheduler_heartbeat_stale",
        severity=str(Severity.CRITICAL),
        message=message,
        patient_id=None,
        ward=None,
        bed=None,
        details=MappingProxyType(
            {"last_beat_at": last_beat.isoformat(), "silence_seconds": int(silence.total_seconds())}
        ),
    )


def last_heartbeat(session: Session) -> datetime | None:
    return aware(session.scalar(select(func.max(SchedulerHeartbeat.beat_at))))


def no_heartbeat_alert(
    watching_since: datetime, now: datetime, stale_after: timedelta, also: str = ""
) -> NewAlert | None:
    """No scheduler has ever beaten, and the watchdog has waited longer than ``stale_after`` for one: raised once."""
    if now - watching_since <= stale_after:
        return None
    message = "No alerting scheduler has run yet: nothing is being paged; escalate by phone" + (
        f" ({also})" if also else ""
    )
    return NewAlert(
        dedupe_key="scheduler_heartbeat_stale:never",
        kind="scheduler_heartbeat_stale",
        severity=str(Severity.CRITICAL),
        message=message,
        patient_id=None,
        ward=None,
        bed=None,
        details=MappingProxyType({"last_beat_at": None, "watching_since": watching_since.isoformat()}),
    )
