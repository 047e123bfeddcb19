"""The scheduler process: its two jobs' options, jobs that import without APScheduler, a standby that waits out a
database it cannot reach."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from alerts.config import load_config
from alerts.jobs import DELIVERY_JOB_ID, LEASE_JOB_ID, SWEEP_JOB_ID, AlertJobs
from alerts.leadership import AdvisoryLock, Leadership
from alerts.scheduler import SchedulerProcess
from data.settings import Settings

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("changes", "sweep", "delivery", "lease"),
    [
        ({}, (30, 30), (5, 10), (3.75, 30)),
        (
            {
                "sweep_interval_seconds": 60,
                "delivery_interval_seconds": 30,
                "misfire_grace_seconds": 45,
                "leader_lease_seconds": 20,
            },
            (60, 45),
            (30, 45),
            (5, 45),
        ),
    ],
    ids=["defaults", "configured"],
)
def test_every_job_has_an_explicit_id_coalesces_runs_one_instance_and_has_a_real_misfire_grace(
    changes: dict[str, int], sweep: tuple[int, int], delivery: tuple[int, int], lease: tuple[float, int]
) -> None:
    config = load_config(Settings(database_url="sqlite://", **changes))  # type: ignore[arg-type]
    engine = create_engine("sqlite://")
    jobs = AlertJobs(
        config, sessionmaker(), instance="test", leadership=Leadership(engine, config.leader_lease, "test", None)
    )
    process = SchedulerProcess(jobs, config)
    process.schedule()
    found = {job.id: job for job in process.scheduler.get_jobs()}
    assert sorted(found) == sorted([SWEEP_JOB_ID, DELIVERY_JOB_ID, LEASE_JOB_ID])
    for job_id, (interval, grace) in ((SWEEP_JOB_ID, sweep), (DELIVERY_JOB_ID, delivery), (LEASE_JOB_ID, lease)):
        job = found[job_id]
        assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, grace)
        assert job.trigger.interval.total_seconds() == interval
        assert job.misfire_grace_time > 1  # APScheduler's own default of 1 s would silently drop late runs
    # The lease is renewed on an executor of its own: a long sweep or a hung send never lets it lapse.
    assert found[LEASE_JOB_ID].executor == "lease" and found[SWEEP_JOB_ID].executor == "default"
    engine.dispose()


def test_the_jobs_and_the_sweep_command_import_without_apscheduler() -> None:
    code = (
        "import sys, alerts.jobs, alerts.sweep, alerts.hooks, alerts.lifecycle, alerts.queries; "
        "assert not [m for m in sys.modules if m.startswith('apscheduler')], 'apscheduler was imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_a_standby_that_cannot_reach_the_database_keeps_waiting_instead_of_exiting() -> None:
    engine = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/cartwatch", connect_args={"connect_timeout": 2})
    lock = AdvisoryLock(engine)
    try:
        assert lock.try_acquire() is False
        assert lock.try_acquire() is False  # and again at the next poll
        assert not lock.still_held()
    finally:
        lock.release()
        engine.dispose()
