"""The watchdog: outside the scheduler, it notices that the scheduler has stopped and pages about it itself.

The web process runs it (a daemon thread started when gunicorn loads `dashboard.app:server`; the web process never
starts a scheduler). Every ``CARTWATCH_WATCHDOG_INTERVAL_SECONDS`` it reads the newest scheduler heartbeat. When
that is older than ``CARTWATCH_HEARTBEAT_STALE_SECONDS`` (or there has never been one, for that long since the
watchdog started) it raises the "alerting scheduler stopped" system alert and sends that alert's pages itself.

One page per silence, however many web workers watch: the alert's dedupe key is the last heartbeat heard (the
key the scheduler itself uses when it comes back, which then finds it raised), and its pages are outbox rows
claimed like any other, so two watchdogs, or a watchdog and a scheduler coming back, never send one twice. The
watchdog sends nothing else: clinical pages wait in the outbox for the scheduler, and the page it sends tells
the ward to escalate by phone until then.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from alerts.channels import Sender
from alerts.config import AlertConfig
from alerts.delivery import Dispatcher
from alerts.leadership import utc_now
from alerts.outbox import DeliveryReport
from alerts.store import raise_alert
from alerts.system import last_heartbeat, no_heartbeat_alert, stale_heartbeat_alert
from data.db import make_read_session_factory, make_session_factory

log = logging.getLogger(__name__)

STALE_KIND = "scheduler_heartbeat_stale"
SEND_WAIT_SECONDS = 60.0


def watch(
    sessions: sessionmaker[Session],
    read_sessions: sessionmaker[Session],
    config: AlertConfig,
    now: datetime,
    *,
    watching_since: datetime,
    clock: Callable[[], datetime] = utc_now,
    sender: Sender | None = None,
) -> DeliveryReport:
    """One look: nothing (one read) while the heartbeat is fresh; otherwise raise the alert for this silence if
    nobody has, and send its pages that are due."""
    report = DeliveryReport()
    with read_sessions() as session:
        beat = last_heartbeat(session)
    if beat is None:
        alert = no_heartbeat_alert(watching_since, now, config.heartbeat_stale, config.second_channel)
    else:
        alert = stale_heartbeat_alert(beat, now, config.heartbeat_stale, config.second_channel)
    if alert is None:
        return report
    with sessions.begin() as session:
        raised = raise_alert(session, alert, config.chains, now)
    if raised is not None:
        log.error("watchdog: %s (alert %s)", alert.message, raised.reference)
        report.system_alerts.append(raised)
    dispatcher = Dispatcher(sessions, config, clock=clock, sender=sender)
    try:
        report.claimed = dispatcher.run_pass(now, watch_heartbeat=False, kinds=(STALE_KIND,)).claimed
        dispatcher.wait_idle(SEND_WAIT_SECONDS)
    finally:
        dispatcher.close()
    report.merge(dispatcher.outcomes)
    return report


class Watchdog:
    """A daemon thread running `watch` every interval until stopped."""

    def __init__(self, engine: Engine, config: AlertConfig, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.sessions = make_session_factory(engine)
        self.read_sessions = make_read_session_factory(engine)
        self.config = config
        self.clock = clock
        self.started_at = clock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cartwatch-watchdog", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        log.info("watchdog: checking the scheduler's heartbeat every %ss", self.config.watchdog_interval_seconds)
        while not self._stop.wait(self.config.watchdog_interval_seconds):
            try:
                watch(
                    self.sessions,
                    self.read_sessions,
                    self.config,
                    self.clock(),
                    watching_since=self.started_at,
                    clock=self.clock,
                )
            except DBAPIError as exc:
                log.warning("watchdog: the database cannot be read, will look again: %s", exc.orig)
            except Exception:
                # The thread must outlive any one failure: a watchdog that died quietly is what it exists to catch.
                log.exception("watchdog: unexpected error, will look again")
