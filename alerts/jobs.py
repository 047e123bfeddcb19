"""The scheduler's jobs, importable and testable without APScheduler: sweep, deliver, renew the leader's lease.

With a `Leadership` (the scheduler process always has one) every sweep transaction and every claim and send is
fenced: a scheduler that has been replaced raises `LeadershipLost` before it writes or pages anything.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from alerts.config import AlertConfig
from alerts.delivery import DeliveryReport, Dispatcher, deliver_due
from alerts.leadership import Leadership, LeadershipLost, instance_name, utc_now
from alerts.sweep import SweepReport, run_sweep

__all__ = [
    "DELIVERY_JOB_ID",
    "DUE_SWEEP_JOB_ID",
    "LEASE_JOB_ID",
    "SWEEP_JOB_ID",
    "AlertJobs",
    "LeadershipLost",
    "instance_name",
    "utc_now",
]

log = logging.getLogger(__name__)

SWEEP_JOB_ID = "cartwatch-alerts-sweep"
DUE_SWEEP_JOB_ID = "cartwatch-alerts-sweep-due"
"""The one-off sweep at the moment the next item falls overdue (replaced after every sweep)."""
DELIVERY_JOB_ID = "cartwatch-alerts-delivery"
LEASE_JOB_ID = "cartwatch-leader-lease"


class AlertJobs:
    """``sweep``, ``deliver`` and ``renew`` read the clock and run one pass each; the scheduler calls them.

    With a ``dispatcher`` a delivery pass claims and hands the pages over without waiting for the sends (the
    scheduler); without one it sends and waits (tests)."""

    def __init__(
        self,
        config: AlertConfig,
        sessions: sessionmaker[Session],
        *,
        instance: str | None = None,
        clock: Callable[[], datetime] = utc_now,
        leadership: Leadership | None = None,
        dispatcher: Dispatcher | None = None,
    ) -> None:
        self.config = config
        self.sessions = sessions
        self.instance = instance or instance_name()
        self.clock = clock
        self.leadership = leadership
        self.dispatcher = dispatcher

    def sweep(self) -> SweepReport:
        fence = self.leadership.check if self.leadership is not None else None
        report = run_sweep(self.sessions, self.config, self.clock(), heartbeat_instance=self.instance, fence=fence)
        if report.raised or report.resolved or report.paged or report.errors:
            for line in report.lines():
                log.info("%s", line)
        if self.dispatcher is not None and (report.raised or report.paged or report.reopened):
            self.dispatcher.run_pass()  # the new pages go now, not at the next delivery interval
        return report

    def deliver(self) -> DeliveryReport:
        if self.dispatcher is not None:
            report = self.dispatcher.run_pass()
        else:
            report = deliver_due(
                self.sessions,
                self.config,
                self.clock(),
                clock=self.clock,
                fence=self.leadership.check_now if self.leadership is not None else None,
                claim_fence=self.leadership.check if self.leadership is not None else None,
            )
        if report.sent or report.retrying or report.dead or report.cancelled:
            log.info(
                "delivery: sent %d, retrying %d, dead %d, cancelled %d",
                len(report.sent),
                len(report.retrying),
                len(report.dead),
                len(report.cancelled),
            )
        return report

    def renew(self) -> None:
        if self.leadership is None:
            raise LeadershipLost("no leadership to renew")
        self.leadership.renew()
