"""The sweep: load a snapshot, plan, apply, in one transaction, at a ``now`` the caller chooses.

`python -m alerts.sweep --once [--now ISO-8601]` runs one sweep and one delivery pass and prints what it did
(for operators and tests). The scheduler calls `run_sweep` every sweep interval, and again at the moment the
report's ``next_overdue`` names (the next item to fall overdue) when that comes first.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from alerts.config import AlertConfig, ConfigError, load_config
from alerts.cycles import cycle_collection_paused
from alerts.decisions import ChainAction, Resolution
from alerts.delivery import DeliveryReport, deliver_due
from alerts.plan import plan_sweep
from alerts.snapshot import load_snapshot
from alerts.store import Raised, apply_plan, raise_alert
from alerts.system import stale_heartbeat_alert
from data.db import make_engine, make_session_factory
from data.models import SchedulerHeartbeat
from data.settings import Settings

HEARTBEAT_KEEP = timedelta(days=1)


def raised_line(alert: Raised) -> str:
    where = f"{alert.ward} bed {alert.bed}" if alert.ward is not None else "system"
    return f"  {alert.reference} {alert.kind} ({alert.severity}) {where}: {alert.deliveries} page(s)"


@dataclass
class SweepReport:
    now: datetime
    patients: int = 0
    raised: list[Raised] = field(default_factory=list)
    resolved: list[Resolution] = field(default_factory=list)
    paged: list[ChainAction] = field(default_factory=list)
    reopened: list[Raised] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    next_overdue: datetime | None = None
    """The first moment after ``now`` at which an active patient's item falls overdue, as the records stood."""

    def lines(self) -> list[str]:
        out = [f"sweep at {self.now.isoformat()}: {self.patients} patient(s) under monitoring"]
        out.append(f"raised {len(self.raised)}")
        out.extend(raised_line(alert) for alert in self.raised)
        out.append(f"resolved {len(self.resolved)}")
        for resolution in self.resolved:
            out.append(f"  alert {resolution.alert_id}: {resolution.reason}")
        if self.reopened:
            out.append(f"reopened {len(self.reopened)}")
            out.extend(raised_line(alert) for alert in self.reopened)
        out.append(f"chain steps {len(self.paged)}")
        for action in self.paged:
            out.append(f"  alert {action.alert_id}: {action.action} to step {action.step} {list(action.recipients)}")
        for error in self.errors:
            out.append(f"error: {error}")
        if self.next_overdue is not None:
            out.append(f"next item overdue at {self.next_overdue.isoformat()}")
        return out


def sweep(
    session: Session, config: AlertConfig, now: datetime, *, heartbeat_instance: str | None = None
) -> SweepReport:
    """One sweep in the caller's transaction. With ``heartbeat_instance`` (the scheduler), a silence since the
    previous heartbeat longer than the stale limit raises a system alert, and a new heartbeat row is written."""
    with cycle_collection_paused():
        snapshot = load_snapshot(session, now, window=config.escalation_lookback)
        plan = plan_sweep(snapshot, now, config)
    applied = apply_plan(session, plan, config.chains, now)
    report = SweepReport(
        now,
        len(snapshot.patients),
        applied.raised,
        applied.resolved,
        applied.paged,
        applied.reopened,
        next_overdue=plan.next_overdue,
    )
    report.errors.extend(plan.errors)
    if heartbeat_instance is not None:
        if snapshot.last_heartbeat is not None:
            stale = stale_heartbeat_alert(snapshot.last_heartbeat, now, config.heartbeat_stale, config.second_channel)
            raised = raise_alert(session, stale, config.chains, now) if stale is not None else None
            if raised is not None:
                report.raised.append(raised)
        session.add(
            SchedulerHeartbeat(
                instance=heartbeat_instance[:120],
                beat_at=now,
                details={
                    "patients": report.patients,
                    "raised": len(report.raised),
                    "resolved": len(report.resolved),
                    "chain_steps": len(report.paged),
                    "reopened": len(report.reopened),
                    "errors": len(report.errors),
                },
            )
        )
        session.execute(delete(SchedulerHeartbeat).where(SchedulerHeartbeat.beat_at < now - HEARTBEAT_KEEP))
    session.flush()
    return report


def run_sweep(
    sessions: sessionmaker[Session],
    config: AlertConfig,
    now: datetime,
    *,
    heartbeat_instance: str | None = None,
    fence: Callable[[Session], None] | None = None,
) -> SweepReport:
    """One sweep in its own transaction: all of it is committed, or (on any error) none of it. ``fence`` (the
    scheduler's leadership check) runs in that transaction first and last: if it raises, nothing is committed."""
    with sessions.begin() as session:
        if fence is not None:
            fence(session)
        report = sweep(session, config, now, heartbeat_instance=heartbeat_instance)
        if fence is not None:
            fence(session)
        return report


def delivery_lines(report: DeliveryReport) -> list[str]:
    lines = [
        f"delivery: sent {len(report.sent)}, retrying {len(report.retrying)}, dead {len(report.dead)},"
        f" cancelled {len(report.cancelled)}"
    ]
    for alert in report.system_alerts:
        lines.append(f"  system alert {alert.reference} {alert.kind} ({alert.severity})")
    return lines


def parse_now(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--now: {text!r} is not an ISO-8601 time (e.g. 2026-11-24T12:00:00+00:00)") from None
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"--now: {text!r} needs a time zone offset (e.g. +00:00 or Z)")
    return when.astimezone(UTC)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m alerts.sweep", description=__doc__.split("\n")[0])
    parser.add_argument("--once", action="store_true", required=True, help="run one sweep and one delivery pass")
    parser.add_argument("--now", help="the time to sweep at, ISO-8601 with an offset (default: the clock)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        now = parse_now(args.now)
        settings = Settings.from_env()
        config = load_config(settings)
    except (ValueError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    try:
        sessions = make_session_factory(engine)
        report = run_sweep(sessions, config, now)
        for line in report.lines():
            print(line)
        # With --now the heartbeat is not judged: the scheduler beats by the real clock.
        delivered = deliver_due(
            sessions,
            config,
            now,
            clock=(None if args.now else lambda: datetime.now(UTC)),
            watch_heartbeat=args.now is None,
        )
        for line in delivery_lines(delivered):
            print(line)
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
