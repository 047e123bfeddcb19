"""An assessment that falls overdue is paged at that moment, not at the next sweep interval: the real scheduler
process, a two-minute sweep interval, and a real HTTP receiver."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from data.models import SchedulerHeartbeat
from tests.resilience.faults import Processes, Receiver, environment, stop, wait_for

SWEEP_SECONDS = 120
OBS_EVERY = timedelta(minutes=15)
GRACE = timedelta(minutes=1)
OVERDUE_IN = timedelta(seconds=20)
"""Long enough for the scheduler to start and make its first sweep before the obs fall overdue."""
ON_TIME_SECONDS = 8.0
"""How soon after the overdue moment the page must arrive: a sweep and a send, far less than the interval."""


def first_beat(engine: Engine) -> datetime | None:
    with engine.connect() as conn:
        found = conn.scalar(select(SchedulerHeartbeat.beat_at).order_by(SchedulerHeartbeat.beat_at).limit(1))
    return None if found is None else found.replace(tzinfo=found.tzinfo or UTC)


def test_obs_falling_overdue_between_interval_sweeps_are_paged_within_seconds_of_the_overdue_moment(
    make_patient: Callable[..., int],
    engine: Engine,
    database_url: str,
    processes: Processes,
    pagers: Receiver,
) -> None:
    # The first obs are due 15 minutes after admission and overdue once the minute's grace has run out.
    overdue_at = datetime.now(UTC) + OVERDUE_IN
    admitted = overdue_at - GRACE - OBS_EVERY
    make_patient(admitted_at=admitted.isoformat(), infused_at=admitted.isoformat(), bed="7")
    overdue_on_clock = time.monotonic() + (overdue_at - datetime.now(UTC)).total_seconds()
    scheduler = processes.start(
        "cw-due",
        [sys.executable, "-m", "alerts.scheduler"],
        environment(
            database_url,
            CARTWATCH_WEBHOOK_URL=pagers.url("bleep"),
            CARTWATCH_SWEEP_INTERVAL_SECONDS=str(SWEEP_SECONDS),
            CARTWATCH_HEARTBEAT_STALE_SECONDS=str(3 * SWEEP_SECONDS),
            CARTWATCH_OBS_INTERVAL_MINUTES=str(int(OBS_EVERY.total_seconds() // 60)),
            CARTWATCH_OVERDUE_GRACE_MINUTES=str(int(GRACE.total_seconds() // 60)),
        ),
    )
    wait_for(lambda: first_beat(engine) is not None, seconds=OVERDUE_IN.total_seconds(), what="the first sweep")
    first = first_beat(engine)
    assert first is not None and first < overdue_at, "the scheduler's first sweep came after the obs fell overdue"
    assert [p for p in pagers.received() if p["kind"] == "overdue_obs"] == []  # not overdue yet: nothing paged

    def obs_paged() -> bool:
        return any(page["kind"] == "overdue_obs" for page in pagers.received())

    wait_for(obs_paged, seconds=OVERDUE_IN.total_seconds() + 2 * ON_TIME_SECONDS, what="the overdue obs page")
    with pagers.lock:
        arrived = min(r.at for r in pagers.pages if r.page["kind"] == "overdue_obs")
        page = next(r.page for r in pagers.pages if r.page["kind"] == "overdue_obs")
    assert overdue_on_clock <= arrived <= overdue_on_clock + ON_TIME_SECONDS  # never early, and not an interval late
    assert page["bed"] == "7"
    assert stop(scheduler) == 0
    assert "Traceback" not in processes.log("cw-due")
