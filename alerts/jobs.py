"""The scheduler's two jobs and its leader lock, importable and testable without APScheduler.

On PostgreSQL only the holder of a session-level advisory lock sweeps and sends. The lock lives on its own
dedicated connection: if that connection dies the lock is gone, so every job first checks the connection and a
scheduler that lost the lock stops (its replacement, waiting as a hot standby, takes over).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from alerts.config import AlertConfig
from alerts.delivery import DeliveryReport, deliver_due
from alerts.sweep import SweepReport, run_sweep

log = logging.getLogger(__name__)

LEADER_LOCK_KEY = 0x63617274_616C7274  # "cartalrt": one cartwatch scheduler per database
SWEEP_JOB_ID = "cartwatch-alerts-sweep"
DELIVERY_JOB_ID = "cartwatch-alerts-delivery"


def utc_now() -> datetime:
    return datetime.now(UTC)


def instance_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class LeadershipLost(RuntimeError):
    """The advisory lock's connection is gone; another scheduler may now be the leader."""


class LeaderLock:
    """A PostgreSQL session-level advisory lock held on a dedicated autocommit connection."""

    def __init__(self, engine: Engine, key: int = LEADER_LOCK_KEY) -> None:
        self.engine = engine
        self.key = key
        self._connection: Connection | None = None
        self._guard = threading.Lock()  # the sweep and delivery threads both check the one connection
        self.held = False

    def try_acquire(self) -> bool:
        """Take the lock if it is free. False while another scheduler holds it, and also when the database cannot
        be reached: a standby keeps polling through a restart of the server rather than exiting."""
        with self._guard:
            if self.held:
                return True
            try:
                if self._connection is None:
                    self._connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                got = self._connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar()
            except DBAPIError as exc:
                log.warning("leader lock: the database cannot be reached, will try again: %s", exc.orig)
                self._discard()
                return False
            self.held = bool(got)
            return self.held

    def still_held(self) -> bool:
        """The lock is held for as long as its connection lives."""
        with self._guard:
            if not self.held or self._connection is None:
                return False
            try:
                self._connection.execute(text("SELECT 1"))
            except DBAPIError:
                self.held = False
            return self.held

    def release(self) -> None:
        with self._guard:
            if self._connection is None:
                return
            try:
                if self.held:
                    self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            except DBAPIError as exc:
                log.warning("leader lock: unlock failed (the connection is gone, so is the lock): %s", exc.orig)
            finally:
                self.held = False
                self._discard()

    def _discard(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class AlertJobs:
    """``sweep`` and ``deliver`` read the clock and run one pass each; the scheduler calls them."""

    def __init__(
        self,
        config: AlertConfig,
        sessions: sessionmaker[Session],
        *,
        instance: str | None = None,
        clock: Callable[[], datetime] = utc_now,
        leader: LeaderLock | None = None,
    ) -> None:
        self.config = config
        self.sessions = sessions
        self.instance = instance or instance_name()
        self.clock = clock
        self.leader = leader

    def _check_leader(self) -> None:
        if self.leader is not None and not self.leader.still_held():
            raise LeadershipLost("the leader lock's connection was lost")

    def sweep(self) -> SweepReport:
        self._check_leader()
        report = run_sweep(self.sessions, self.config, self.clock(), heartbeat_instance=self.instance)
        if report.raised or report.resolved or report.paged or report.errors:
            for line in report.lines():
                log.info("%s", line)
        return report

    def deliver(self) -> DeliveryReport:
        self._check_leader()
        report = deliver_due(self.sessions, self.config, self.clock(), clock=self.clock)
        if report.sent or report.retrying or report.dead or report.cancelled:
            log.info(
                "delivery: sent %d, retrying %d, dead %d, cancelled %d",
                len(report.sent),
                len(report.retrying),
                len(report.dead),
                len(report.cancelled),
            )
        return report
