"""`python -m alerts.scheduler`: the one process that sweeps and sends pages (the only module importing APScheduler).

APScheduler 3 `BlockingScheduler` in UTC with two interval jobs with explicit ids: the sweep (every 30 s by
default) and the delivery pass (every 5 s), each with ``coalesce=True`` (a backlog of missed runs runs once),
``max_instances=1`` (a slow run is never overlapped by the next) and a real ``misfire_grace_time`` (APScheduler's
default of 1 s would silently skip a run delayed by a busy machine). On PostgreSQL the process first takes the
leader lock; a second replica waits for it as a hot standby. SIGTERM (or Ctrl-C) stops it cleanly: running jobs
finish, the lock is released.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.base import STATE_RUNNING
from apscheduler.schedulers.blocking import BlockingScheduler

from alerts.config import AlertConfig, ConfigError, load_config
from alerts.jobs import DELIVERY_JOB_ID, SWEEP_JOB_ID, AlertJobs, LeaderLock, LeadershipLost, instance_name
from data.db import make_engine, make_session_factory
from data.settings import Settings

log = logging.getLogger("alerts.scheduler")


class SchedulerProcess:
    """Owns the scheduler, its executor and the stop flag the signal handlers set."""

    def __init__(self, jobs: AlertJobs, config: AlertConfig) -> None:
        self.jobs = jobs
        self.config = config
        self.stop = threading.Event()
        self.lost_leadership = False
        self.executor = ThreadPoolExecutor(max_workers=2)
        self.scheduler = BlockingScheduler(timezone=UTC, executors={"default": self.executor})

    def schedule(self) -> None:
        """Add both jobs, first run now (a standby that waited for the lock starts sweeping at once). A delivery
        pass delayed by more than two intervals is skipped: the next one, due soon, sends the same rows."""
        first, grace = datetime.now(UTC), self.config.misfire_grace_seconds
        sweep_every, deliver_every = self.config.sweep_interval_seconds, self.config.delivery_interval_seconds
        self._add(SWEEP_JOB_ID, "alert sweep", self.jobs.sweep, sweep_every, grace, first)
        self._add(
            DELIVERY_JOB_ID, "page delivery", self.jobs.deliver, deliver_every, min(grace, 2 * deliver_every), first
        )

    def _add(
        self, job_id: str, name: str, job: Callable[[], object], seconds: int, grace: int, first: datetime
    ) -> None:
        """An interval job under an explicit id; a backlog of missed runs runs once (``coalesce``), a slow run is
        never overlapped by the next (``max_instances=1``), and a run late by up to ``grace`` seconds still runs."""
        self.scheduler.add_job(
            self._run(job),
            "interval",
            seconds=seconds,
            id=job_id,
            name=name,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=grace,
            next_run_time=first,
        )

    def _run(self, job: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            if self.stop.is_set():
                self._shutdown()
                return
            try:
                job()
            except LeadershipLost as exc:
                log.error("scheduler %s stops: %s", self.jobs.instance, exc)
                self.lost_leadership = True
                self.stop.set()
                self._shutdown()

        return run

    def _shutdown(self) -> None:
        if self.scheduler.state == STATE_RUNNING:
            self.scheduler.shutdown(wait=False)

    def request_stop(self, signum: int, _frame: FrameType | None) -> None:
        log.info("scheduler %s: signal %s, stopping", self.jobs.instance, signal.Signals(signum).name)
        self.stop.set()
        self._shutdown()

    def run(self) -> None:
        if self.stop.is_set():
            return
        self.schedule()
        self.scheduler.start()  # blocks until shutdown
        self.executor.shutdown(wait=True)  # let a running sweep or delivery pass finish its transaction


def wait_for_leadership(leader: LeaderLock, stop: threading.Event, poll_seconds: int, instance: str) -> bool:
    """Take the leader lock, polling every ``poll_seconds`` as a standby; False if asked to stop first."""
    announced = False
    while not stop.is_set():
        if leader.try_acquire():
            log.info("scheduler %s is the leader", instance)
            return True
        if not announced:
            log.info("scheduler %s: another scheduler holds the leader lock; waiting as standby", instance)
            announced = True
        stop.wait(poll_seconds)
    return False


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    try:
        settings = Settings.from_env()
        config = load_config(settings)
    except (ValueError, ConfigError) as exc:
        log.error("configuration error: %s", exc)
        return 2
    engine = make_engine(settings.database_url)
    instance = instance_name()
    leader = LeaderLock(engine) if engine.dialect.name == "postgresql" else None
    jobs = AlertJobs(config, make_session_factory(engine), instance=instance, leader=leader)
    process = SchedulerProcess(jobs, config)
    signal.signal(signal.SIGTERM, process.request_stop)
    signal.signal(signal.SIGINT, process.request_stop)
    log.info(
        "scheduler %s: sweep every %ss, delivery every %ss, chains from %s",
        instance,
        config.sweep_interval_seconds,
        config.delivery_interval_seconds,
        config.chains.source,
    )
    try:
        if leader is not None and not wait_for_leadership(leader, process.stop, config.leader_poll_seconds, instance):
            return 0
        process.run()
    finally:
        if leader is not None:
            leader.release()
        engine.dispose()
    log.info("scheduler %s stopped", instance)
    return 1 if process.lost_leadership else 0


if __name__ == "__main__":
    sys.exit(main())
