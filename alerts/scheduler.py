"""`python -m alerts.scheduler`: the process that sweeps and sends pages (the only module importing APScheduler).

It stands for leadership (`alerts.leadership`): one scheduler leads, any other waits as a hot standby. While it
leads (a term) an APScheduler 3 `BlockingScheduler` in UTC runs three interval jobs with explicit ids: the sweep
(every 30 s by default), the delivery pass (every 5 s, and at once when a write wakes it, `alerts.wake`) and the
renewal of its lease (every quarter lease, on an executor of its own so a slow sweep never lets the lease lapse).
Each has ``coalesce=True`` (a backlog of missed runs runs once), ``max_instances=1`` (a slow run is never
overlapped by the next) and a real ``misfire_grace_time`` (APScheduler's default of 1 s would silently skip a run
delayed by a busy machine).

Each sweep also reports the first moment at which an active patient's item will fall overdue (`alerts.overdue`,
grace included). When that comes before the next interval sweep, a one-off ``date`` job under its own id (replaced
after every sweep) sweeps at that moment, so an overdue item is paged when it falls overdue rather than up to an
interval later. It runs like the interval sweep (the same leadership fence in its transaction, the same handling of
a lost leadership and of errors), and one lock keeps sweeps one at a time: a sweep that finds another running
skips, and the running one, when it ends, schedules the next moment itself. A record written in between that
brings a due time forward (a patient admitted, an exception ended early) is not known to the scheduler until the
next sweep: the interval sweep, kept as the safety net, finds it.

A term ends when the scheduler finds it is no longer the leader: replaced after a freeze, or its lock's database
connection gone because the server restarted. It then stands by again, retrying an unreachable database with
backoff, and leads again once it can: a database outage pauses alerting, it does not end it. SIGTERM (or Ctrl-C)
stops it cleanly: sends in progress finish, the lock and the leadership row are released for the standby.
`python -m alerts.supervise` runs it (with a standby) and restarts it if it ever exits.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.base import STATE_RUNNING
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from alerts.config import AlertConfig, ConfigError, load_config
from alerts.delivery import Dispatcher
from alerts.jobs import (
    DELIVERY_JOB_ID,
    DUE_SWEEP_JOB_ID,
    LEASE_JOB_ID,
    SWEEP_JOB_ID,
    AlertJobs,
    LeadershipLost,
    instance_name,
)
from alerts.leadership import Leadership, lock_for, scheduler_engine, utc_now
from alerts.wake import OutboxWaker
from data.db import make_session_factory
from data.settings import Settings

log = logging.getLogger("alerts.scheduler")

RECONNECT_MAX_SECONDS = 10
"""The longest wait between attempts to reach a database that is down (the wait doubles from the poll interval)."""


class SchedulerProcess:
    """One term as leader: owns the APScheduler scheduler and its executors; ``lost`` says why a term ended early."""

    def __init__(self, jobs: AlertJobs, config: AlertConfig, stop: threading.Event | None = None) -> None:
        self.jobs = jobs
        self.config = config
        self.stop = stop or threading.Event()
        self.lost: str | None = None
        self.sweeping = threading.Lock()  # one sweep at a time, whether the interval's or the due moment's
        self.executor = ThreadPoolExecutor(max_workers=2)
        self.lease_executor = ThreadPoolExecutor(max_workers=1)
        self.scheduler = BlockingScheduler(
            timezone=UTC, executors={"default": self.executor, "lease": self.lease_executor}
        )

    @property
    def lost_leadership(self) -> bool:
        return self.lost is not None

    def schedule(self) -> None:
        """Add the jobs, first run now (a standby that has just taken over sweeps at once). A delivery pass delayed
        by more than two intervals is skipped: the next one, due soon, sends the same rows."""
        first, grace = datetime.now(UTC), self.config.misfire_grace_seconds
        sweep_every, deliver_every = self.config.sweep_interval_seconds, self.config.delivery_interval_seconds
        self._add(SWEEP_JOB_ID, "alert sweep", self.sweep, sweep_every, grace, first)
        self._add(
            DELIVERY_JOB_ID, "page delivery", self.jobs.deliver, deliver_every, min(grace, 2 * deliver_every), first
        )
        if self.jobs.leadership is not None:
            renew_every = self.config.leader_lease.total_seconds() / 4
            self._add(LEASE_JOB_ID, "leader lease", self.jobs.renew, renew_every, grace, first, executor="lease")

    def _add(
        self,
        job_id: str,
        name: str,
        job: Callable[[], object],
        seconds: float,
        grace: float,
        first: datetime,
        executor: str = "default",
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
            misfire_grace_time=max(1, round(grace)),
            next_run_time=first,
            executor=executor,
        )

    def sweep(self) -> None:
        """One sweep (unless another is running: that one schedules the next moment when it ends), then the
        one-off sweep at the moment the next item falls overdue."""
        if not self.sweeping.acquire(blocking=False):
            log.info("scheduler %s: a sweep is already running; it schedules the next one", self.jobs.instance)
            return
        try:
            report = self.jobs.sweep()
        finally:
            self.sweeping.release()
        self.sweep_at(report.next_overdue)

    def sweep_at(self, moment: datetime | None) -> None:
        """Schedule the one-off sweep at ``moment`` (at once if it has passed while sweeping) when it comes before
        the next interval sweep; otherwise drop any one-off sweep still waiting: the interval sweep comes first."""
        if self.scheduler.state != STATE_RUNNING or self.stop.is_set() or self.lost is not None:
            return
        now = datetime.now(UTC)
        interval = self.scheduler.get_job(SWEEP_JOB_ID)
        next_interval = interval.next_run_time if interval is not None else None
        if next_interval is None or next_interval <= now:
            next_interval = now + timedelta(seconds=self.config.sweep_interval_seconds)
        if moment is None or moment >= next_interval:
            with contextlib.suppress(JobLookupError):
                self.scheduler.remove_job(DUE_SWEEP_JOB_ID)
            return
        self.scheduler.add_job(
            self._run(self.sweep),
            "date",
            run_date=max(moment, now),
            id=DUE_SWEEP_JOB_ID,
            name="alert sweep at the next overdue moment",
            replace_existing=True,
            coalesce=True,
            # The replacement is added at the end of a run of this very job and may come due before that run has
            # returned: a second instance is let in, and the sweep lock still lets one sweep run at a time.
            max_instances=2,
            misfire_grace_time=max(1, round(self.config.misfire_grace_seconds)),
        )
        log.debug("scheduler %s: next sweep for an overdue item at %s", self.jobs.instance, moment.isoformat())

    def _run(self, job: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            if self.stop.is_set() or self.lost is not None:
                self._shutdown()
                return
            try:
                job()
            except LeadershipLost as exc:
                self.lose(str(exc))

        return run

    def lose(self, reason: str) -> None:
        """End the term: this scheduler is no longer the leader."""
        if self.lost is None:
            self.lost = reason
            log.warning("scheduler %s is no longer the leader: %s", self.jobs.instance, reason)
        self._shutdown()

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
        # Let a running sweep or delivery pass finish its transaction.
        self.executor.shutdown(wait=True)
        self.lease_executor.shutdown(wait=True)


def wait_for_leadership(leadership: Leadership, stop: threading.Event, poll_seconds: int, instance: str) -> bool:
    """Stand until this scheduler leads, polling every ``poll_seconds`` as a standby and backing off (up to
    `RECONNECT_MAX_SECONDS`) while the database cannot be reached; False if asked to stop first."""
    announced = False
    delay: float = poll_seconds
    while not stop.is_set():
        try:
            if leadership.try_lead():
                return True
        except DBAPIError as exc:
            log.warning(
                "scheduler %s: the database cannot be reached or used, again in %ss: %s", instance, delay, exc.orig
            )
            stop.wait(delay)
            delay = min(delay * 2, max(poll_seconds, RECONNECT_MAX_SECONDS))
            continue
        delay = poll_seconds
        if not announced:
            log.info("scheduler %s: another scheduler leads; waiting as standby", instance)
            announced = True
        stop.wait(poll_seconds)
    return False


class Scheduler:
    """Stands for leadership and runs a term whenever it leads, until stopped."""

    def __init__(self, config: AlertConfig, engine: Engine, instance: str) -> None:
        self.config = config
        self.engine = engine
        self.instance = instance
        self.sessions = make_session_factory(engine)
        self.leadership = Leadership(engine, config.leader_lease, instance, lock_for(engine, instance))
        self.stop = threading.Event()
        self.term: SchedulerProcess | None = None

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stop.set()
        term = self.term
        if term is not None:
            term.request_stop(signum, frame)
        else:
            log.info("scheduler %s: signal %s, stopping", self.instance, signal.Signals(signum).name)

    def run(self) -> None:
        try:
            while wait_for_leadership(self.leadership, self.stop, self.config.leader_poll_seconds, self.instance):
                self._term()
        finally:
            self.leadership.step_down()

    def _term(self) -> None:
        dispatcher = Dispatcher(
            self.sessions,
            self.config,
            clock=utc_now,
            fence=self.leadership.check_now,
            claim_fence=self.leadership.check,
            keep_outcomes=False,
        )
        jobs = AlertJobs(
            self.config, self.sessions, instance=self.instance, leadership=self.leadership, dispatcher=dispatcher
        )
        term = SchedulerProcess(jobs, self.config, self.stop)
        dispatcher.on_lost = term.lose
        waker = OutboxWaker(self.engine, dispatcher.run_pass, term.lose, self.config.outbox_poll_seconds)
        self.term = term
        try:
            waker.start()
            term.run()
        finally:
            self.term = None
            waker.stop()
            dispatcher.close()
            self.leadership.step_down()
        if term.lost is not None and not self.stop.is_set():
            log.info("scheduler %s: standing by to lead again", self.instance)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    try:
        settings = Settings.from_env()
        config = load_config(settings)
    except (ValueError, ConfigError) as exc:
        log.error("configuration error: %s", exc)
        return 2
    engine = scheduler_engine(settings.database_url, config.leader_lease)
    instance = instance_name()
    scheduler = Scheduler(config, engine, instance)
    signal.signal(signal.SIGTERM, scheduler.request_stop)
    signal.signal(signal.SIGINT, scheduler.request_stop)
    log.info(
        "scheduler %s: sweep every %ss, delivery every %ss, lease %ss, chains from %s",
        instance,
        config.sweep_interval_seconds,
        config.delivery_interval_seconds,
        int(config.leader_lease.total_seconds()),
        config.chains.source,
    )
    try:
        scheduler.run()
    finally:
        engine.dispose()
    log.info("scheduler %s stopped", instance)
    return 0


if __name__ == "__main__":
    sys.exit(main())
