"""Delivery passes: claim due pages (`alerts.outbox`) and send them concurrently, one lane per recipient.

Each recipient address (channel and address) is a lane: its pages go out one after another, in order, while other
lanes send at the same time on a bounded pool of threads (``CARTWATCH_DELIVERY_CONCURRENCY``). A receiver that
hangs holds up its own lane only, until the send timeout; everyone else is paged meanwhile.

`deliver_due` runs one pass and waits for its sends (tests, `python -m alerts.sweep --once`). The scheduler keeps
one `Dispatcher` per leadership term and does not wait: a pass claims and hands over, and the next pass (every
delivery interval, or at once when a write wakes it) is never held up by a receiver that hangs.

Before each send the dispatcher runs its ``fence`` (the scheduler's leadership check): a leader that has been
replaced sends nothing more. A worker whose claim ran out while the page waited its turn does not send it (another
worker may hold it now); the next pass claims it again.
"""

from __future__ import annotations

import logging
import random
import threading
from collections import deque
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from alerts.channels import Channels, Sender, SendError
from alerts.config import AlertConfig
from alerts.leadership import LeadershipLost
from alerts.outbox import (
    BATCH,
    Claimed,
    DeliveryReport,
    backoff_delay,
    check_heartbeat,
    claim_due,
    mark_failed,
    mark_sent,
)

__all__ = ["BATCH", "DeliveryReport", "Dispatcher", "LeadershipLost", "backoff_delay", "claim_due", "deliver_due"]

log = logging.getLogger(__name__)

Lane = tuple[str, str | None]


def lane_of(job: Claimed) -> Lane:
    return (job.channel, job.address)


class Dispatcher:
    """Claims due pages and sends them on a bounded pool, one lane per recipient address."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        config: AlertConfig,
        *,
        clock: Callable[[], datetime],
        sender: Sender | None = None,
        rng: random.Random | None = None,
        fence: Callable[[], None] | None = None,
        claim_fence: Callable[[Session], None] | None = None,
        keep_outcomes: bool = True,
        on_lost: Callable[[str], None] | None = None,
    ) -> None:
        """``keep_outcomes``: collect every outcome in ``outcomes`` (one pass); a long-lived dispatcher logs them.
        ``on_lost`` is told when a send's fence finds this scheduler replaced (the scheduler ends its term)."""
        self.sessions = sessions
        self.config = config
        self.clock = clock
        self.rng = rng or random.Random()
        self.fence = fence
        self.claim_fence = claim_fence
        self.keep_outcomes = keep_outcomes
        self.on_lost = on_lost
        self._channels: Channels | None = None
        if sender is None:
            self._channels = Channels(config)
            sender = self._channels
        self._sender: Sender = sender
        self._pool = ThreadPoolExecutor(max_workers=config.delivery_concurrency, thread_name_prefix="cartwatch-page")
        self._lanes: dict[Lane, deque[Claimed]] = {}
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pass = threading.Lock()  # a timed pass and a woken pass never claim at the same time
        self._closed = False
        self.outcomes = DeliveryReport()

    def run_pass(
        self,
        now: datetime | None = None,
        *,
        limit: int = BATCH,
        watch_heartbeat: bool = True,
        kinds: Collection[str] | None = None,
    ) -> DeliveryReport:
        """Claim up to ``limit`` due pages (with ``kinds``, of those alert kinds only) and hand them to their lanes;
        returns without waiting for the sends."""
        report = DeliveryReport()
        with self._pass:
            now = now or self.clock()
            with self.sessions.begin() as session:
                if self.claim_fence is not None:
                    self.claim_fence(session)
                if watch_heartbeat:
                    stale = check_heartbeat(session, self.config, now)
                    if stale is not None:
                        report.system_alerts.append(stale)
                jobs = claim_due(session, now, self.config, limit, report, kinds)
                if self.claim_fence is not None:
                    self.claim_fence(session)  # last: a leader replaced meanwhile commits no claim
            for job in jobs:
                self._enqueue(job)
        report.claimed = [job.id for job in jobs]
        return report

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every lane is empty (True) or ``timeout`` seconds pass (False)."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._lanes, timeout)

    def close(self) -> None:
        """Drop the pages still waiting in a lane (their claims expire, or the next leader releases them), let the
        sends in progress finish and record their outcome."""
        with self._lock:
            self._closed = True
            for queue in self._lanes.values():
                queue.clear()
        self._pool.shutdown(wait=True)
        if self._channels is not None:
            self._channels.__exit__(None, None, None)

    def _enqueue(self, job: Claimed) -> None:
        lane = lane_of(job)
        with self._lock:
            if self._closed:
                return
            queue = self._lanes.get(lane)
            if queue is not None:
                queue.append(job)  # the lane's worker is already draining it
                return
            self._lanes[lane] = deque([job])
        self._pool.submit(self._drain, lane)

    def _drain(self, lane: Lane) -> None:
        """Send the lane's pages one after another until it is empty (a thread of the pool)."""
        try:
            while True:
                with self._lock:
                    queue = self._lanes[lane]
                    if not queue:
                        del self._lanes[lane]  # under the lock: a page enqueued from now on starts a new drain
                        self._idle.notify_all()
                        return
                    job = queue.popleft()
                try:
                    self._send(job)
                except LeadershipLost as exc:
                    log.warning("delivery %s and the rest of its lane not sent: %s", job.id, exc)
                    with self._lock:
                        queue.clear()
                    if self.on_lost is not None:
                        self.on_lost(str(exc))
                except DBAPIError as exc:
                    # Sent or not, the outcome could not be recorded: the claim expires and the page goes again.
                    log.error("delivery %s: the outcome could not be recorded: %s", job.id, exc.orig)
        except Exception:
            # A thread of the pool has nobody to raise to: log it, and let the lane's pages wait for their claims
            # to expire (they are claimed and sent again then) rather than leaving the lane marked busy for ever.
            log.exception("delivery lane %s stopped by an unexpected error", lane)
            with self._lock:
                self._lanes.pop(lane, None)
                self._idle.notify_all()

    def _send(self, job: Claimed) -> None:
        if self.clock() >= job.claimed_until:
            log.warning("delivery %s waited past its claim: left for the next pass", job.id)
            return
        if self.fence is not None:
            self.fence()
        try:
            self._sender.send(job.channel, job.address, job.payload, job.id)
        except SendError as exc:
            error = str(exc)
        except Exception as exc:
            # Not a failure the channel knows (a sender bug, a library raising something new): it still counts
            # as a failed attempt, so the row backs off and is dead-lettered with a system alert, instead of
            # being claimed again first in every batch and holding up every page behind it.
            log.exception("delivery %s to %s by %s: unexpected error", job.id, job.recipient, job.channel)
            error = f"{job.channel}: {type(exc).__name__}: {exc}"
        else:
            with self.sessions.begin() as session:
                mark_sent(session, job, self.clock())
            log.info("delivery %s to %s by %s sent", job.id, job.recipient, job.channel)
            if self.keep_outcomes:
                self.outcomes.sent.append(job.id)
            return
        log.warning("delivery %s to %s by %s failed: %s", job.id, job.recipient, job.channel, error)
        with self.sessions.begin() as session:
            dead, raised = mark_failed(session, job, error, self.clock(), self.config, self.rng)
        if dead:
            log.error(
                "delivery %s to %s by %s is dead after %d attempts",
                job.id,
                job.recipient,
                job.channel,
                job.attempts + 1,
            )
        if raised is not None:
            log.error("system alert %s raised: %s", raised.reference, raised.kind)
        if self.keep_outcomes:
            (self.outcomes.dead if dead else self.outcomes.retrying).append(job.id)
            if raised is not None:
                self.outcomes.system_alerts.append(raised)


def deliver_due(
    sessions: sessionmaker[Session],
    config: AlertConfig,
    now: datetime,
    *,
    sender: Sender | None = None,
    rng: random.Random | None = None,
    clock: Callable[[], datetime] | None = None,
    limit: int = BATCH,
    watch_heartbeat: bool = True,
    fence: Callable[[], None] | None = None,
    claim_fence: Callable[[Session], None] | None = None,
) -> DeliveryReport:
    """One delivery pass at ``now``, waiting for its sends. ``clock`` times the outcomes (default: ``now``)."""
    dispatcher = Dispatcher(
        sessions,
        config,
        clock=clock or (lambda: now),
        sender=sender,
        rng=rng,
        fence=fence,
        claim_fence=claim_fence,
    )
    try:
        report = dispatcher.run_pass(now, limit=limit, watch_heartbeat=watch_heartbeat)
        dispatcher.wait_idle()
    finally:
        dispatcher.close()
    report.merge(dispatcher.outcomes)
    return report
