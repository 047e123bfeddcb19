"""Leadership without processes: the lock that dies with its holder, the lease that moves leadership away from a
frozen leader, and the fence that keeps a replaced leader from writing or paging (PostgreSQL and SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine, select, text

from alerts.delivery import claim_due
from alerts.jobs import AlertJobs
from alerts.leadership import Leadership, LeadershipLost, lock_for
from data.models import SchedulerHeartbeat, SchedulerLeadership
from tests.integration.alerts.conftest import Ward

T = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
LEASE = timedelta(seconds=15)


class Clock:
    def __init__(self) -> None:
        self.now = T

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def pair(engine: Engine, clock: Clock) -> Iterator[tuple[Leadership, Leadership]]:
    first = Leadership(engine, LEASE, "host:1", lock_for(engine, "host:1"), clock=clock)
    second = Leadership(engine, LEASE, "host:2", lock_for(engine, "host:2"), clock=clock)
    yield first, second
    first.step_down()
    second.step_down()


def kill_lock(engine: Engine, leader: Leadership) -> None:
    """What the death of the leader's process does to its lock."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            # This database's advisory locks only (the server is shared); wait up to 5 s for the backend to go.
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid, 5000) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid() "
                    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                )
            )
    else:
        assert leader.lock is not None
        leader.lock.release()  # the kernel drops an flock when its process dies


def row(ward: Ward) -> SchedulerLeadership:
    with ward.sessions() as session:
        found = session.scalar(select(SchedulerLeadership))
        assert found is not None
        return found


def test_one_leads_the_other_stands_by_and_takes_over_at_once_when_the_leaders_lock_dies(
    ward: Ward, engine: Engine, pair: tuple[Leadership, Leadership]
) -> None:
    first, second = pair
    assert first.try_lead() and not second.try_lead()
    assert (row(ward).holder, row(ward).epoch, row(ward).holds_lock) == ("host:1", 1, True)
    kill_lock(engine, first)
    assert second.try_lead()  # no lease to wait out: the holder had the lock, and the lock is free
    assert (row(ward).holder, row(ward).epoch) == ("host:2", 2)
    with pytest.raises(LeadershipLost):
        first.renew()


def test_a_frozen_leader_keeps_its_lock_but_is_replaced_once_its_lease_runs_out_and_then_pages_nothing(
    webhook_ward: Ward, receiver: HTTPServer, engine: Engine, clock: Clock, pair: tuple[Leadership, Leadership]
) -> None:
    first, second = pair
    assert first.try_lead()
    old = AlertJobs(webhook_ward.config, webhook_ward.sessions, instance="host:1", clock=clock, leadership=first)
    old.sweep()
    pid = webhook_ward.admit(T - timedelta(hours=1))
    webhook_ward.crs(pid, T, grade=3)  # two pages waiting to be sent
    # The leader freezes (SIGSTOP): it renews nothing, and still holds its lock.
    clock.now = T + LEASE - timedelta(seconds=1)
    assert not second.try_lead()
    clock.now = T + LEASE + timedelta(seconds=1)
    assert second.try_lead()
    assert (row(webhook_ward).holder, row(webhook_ward).epoch, row(webhook_ward).holds_lock) == ("host:2", 2, False)
    # The old leader wakes: every sweep and send checks the epoch first, so it writes and pages nothing.
    beats = len(heartbeats(webhook_ward))
    with pytest.raises(LeadershipLost):
        old.sweep()
    with pytest.raises(LeadershipLost):
        old.deliver()
    assert len(heartbeats(webhook_ward)) == beats and receiver.log == []
    assert {d.status for d in webhook_ward.deliveries()} == {"pending"}
    with pytest.raises(LeadershipLost):
        first.renew()
    first.step_down()  # it stands by, and its lock goes to the new leader at its next renewal
    second.renew()
    assert row(webhook_ward).holds_lock
    new = AlertJobs(webhook_ward.config, webhook_ward.sessions, instance="host:2", clock=clock, leadership=second)
    assert len(new.deliver().sent) == 2 and len(receiver.log) == 2


def test_a_new_leader_releases_the_claims_of_the_old_one_so_its_pages_go_now(
    webhook_ward: Ward, receiver: HTTPServer, engine: Engine, clock: Clock, pair: tuple[Leadership, Leadership]
) -> None:
    first, second = pair
    assert first.try_lead()
    pid = webhook_ward.admit(T - timedelta(hours=1))
    webhook_ward.crs(pid, T, grade=1)
    with webhook_ward.sessions.begin() as session:  # the old leader claimed the page, then died before sending
        (claimed,) = claim_due(session, T, webhook_ward.config)
    kill_lock(engine, first)
    assert second.try_lead()
    new = AlertJobs(webhook_ward.config, webhook_ward.sessions, instance="host:2", clock=clock, leadership=second)
    assert new.deliver().sent == [claimed.id]  # not two minutes later, when the claim would have expired
    assert len(receiver.log) == 1


def test_a_leader_that_steps_down_leaves_the_row_free_for_the_standby_at_once(
    ward: Ward, pair: tuple[Leadership, Leadership]
) -> None:
    first, second = pair
    assert first.try_lead() and not second.try_lead()
    first.step_down()
    assert second.try_lead()
    assert (row(ward).holder, row(ward).epoch) == ("host:2", 2)


def heartbeats(ward: Ward) -> list[SchedulerHeartbeat]:
    with ward.sessions() as session:
        return list(session.scalars(select(SchedulerHeartbeat)))
