"""Which scheduler leads: exactly one sweeps and sends, and one that has been replaced cannot page.

Two things decide it.

- A lock that dies with its holder: on PostgreSQL a session advisory lock on a dedicated connection, on SQLite an
  ``flock`` on a lock file beside the database. A leader killed with SIGKILL frees it at once, so a standby takes
  over within one poll. The lock alone is not enough: a leader that is frozen (SIGSTOP, a paused VM) keeps it.
- A lease in the ``scheduler_leadership`` row, renewed by the leader every quarter lease. A standby takes the row
  over when the lease is older than ``CARTWATCH_LEADER_LEASE_SECONDS``, lock or no lock, or at once when it holds
  the lock and the row says the holder had it (so the holder has lost it: it died, or its connection did).

Taking over raises the row's epoch (and releases the old leader's claims on pages, so they go out now rather than
when the claims expire). Every sweep transaction and every send first checks that the epoch is still its own (the
fence): a leader that wakes after being replaced finds out before it pages anybody, and stands by. On PostgreSQL
the scheduler's sessions are also ended by the server when idle inside a transaction for half a lease, so a
leader frozen mid-transaction has it rolled back before anyone can take over, never committed late.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from alerts.outbox import release_claims
from data.db import make_engine, make_read_session_factory, make_session_factory
from data.models import SchedulerLeadership

log = logging.getLogger(__name__)

LEADER_LOCK_KEY = 0x63617274_616C7274  # "cartalrt": one cartwatch scheduler per database
ROW_ID = 1
RELEASED_AT = datetime(1970, 1, 1, tzinfo=UTC)
CONNECT_TIMEOUT_SECONDS = 5


def utc_now() -> datetime:
    return datetime.now(UTC)


def instance_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class LeadershipLost(RuntimeError):
    """This scheduler is no longer the leader: another took over, or its lock is gone."""


class ExclusiveLock(Protocol):
    """Held by one process at a time, and freed by the operating system or the server when that process dies."""

    def try_acquire(self) -> bool: ...

    def still_held(self) -> bool: ...

    def release(self) -> None: ...


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock held on a dedicated autocommit connection."""

    def __init__(self, engine: Engine, key: int = LEADER_LOCK_KEY) -> None:
        self.engine = engine
        self.key = key
        self._connection: Connection | None = None
        self._guard = threading.Lock()  # the lease job and the main thread may both use the one connection
        self.held = False

    def try_acquire(self) -> bool:
        """Take the lock if it is free. False while another scheduler holds it, and also when the database cannot
        be reached: a standby keeps polling through a restart of the server rather than exiting."""
        with self._guard:
            return self._try_acquire()

    def _try_acquire(self) -> bool:
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
                self._discard()
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


class FileLock:
    """``flock`` on a file beside the SQLite database: a second scheduler on the same file waits as a standby."""

    def __init__(self, path: Path, owner: str) -> None:
        self.path = path
        self.owner = owner
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{self.owner}\n".encode())  # who holds it, for whoever looks
        self._fd = fd
        return True

    def still_held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def lock_for(engine: Engine, owner: str) -> ExclusiveLock | None:
    """The advisory lock on PostgreSQL, a lock file beside a SQLite file; None for an in-memory database."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine)
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        return FileLock(Path(database).with_name(Path(database).name + ".scheduler-lock"), owner)
    return None


def scheduler_engine(database_url: str, lease: timedelta) -> Engine:
    """The scheduler's engine. On PostgreSQL the server ends a session left idle inside a transaction for half a
    lease (a frozen leader's transaction is rolled back before a standby can take over), and a connection attempt
    gives up after a few seconds (so an unreachable server is retried, not waited on)."""
    if not database_url.startswith("postgresql"):
        return make_engine(database_url)
    idle_ms = int(lease.total_seconds() * 500)
    return make_engine(
        database_url,
        connect_args={
            "options": f"-c idle_in_transaction_session_timeout={idle_ms}",
            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
        },
    )


def _insert(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


class Leadership:
    """This scheduler's side of the leadership row: stand, renew, check (the fence), step down."""

    def __init__(
        self,
        engine: Engine,
        lease: timedelta,
        instance: str,
        lock: ExclusiveLock | None,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.sessions: sessionmaker[Session] = make_session_factory(engine)
        self.read_sessions = make_read_session_factory(engine)
        self.lease = lease
        self.instance = instance
        self.lock = lock
        self.clock = clock
        self.epoch: int | None = None
        self._holds_lock = False

    def try_lead(self) -> bool:
        """One attempt to become the leader; False while another leads. Raises `DBAPIError` when the database
        cannot be reached (the caller retries with backoff)."""
        if self.epoch is not None:
            return True
        locked = self.lock.try_acquire() if self.lock is not None else False
        try:
            epoch = self._take_over(locked)
        finally:
            if locked and self.epoch is None and self.lock is not None:
                self.lock.release()  # leave it to the leader that holds the row (it takes it at its next renewal)
        return epoch is not None

    def _read(self, session: Session) -> Any:
        return session.execute(
            select(
                SchedulerLeadership.epoch,
                SchedulerLeadership.holder,
                SchedulerLeadership.holds_lock,
                SchedulerLeadership.renewed_at,
            ).where(SchedulerLeadership.id == ROW_ID)
        ).one_or_none()

    def _may_take_over(self, row: Any, locked: bool, now: datetime) -> tuple[bool, bool]:
        """(free: released or its lease ran out, the holder lost its lock: it had it, and now this one has it)."""
        return row.holder == "" or row.renewed_at + self.lease < now, locked and bool(row.holds_lock)

    def _take_over(self, locked: bool) -> int | None:
        now = self.clock()
        with self.read_sessions() as session:  # a standby's usual poll writes nothing (SQLite: no write lock)
            seen = self._read(session)
        if seen is not None and not any(self._may_take_over(seen, locked, now)):
            return None
        with self.sessions.begin() as session:
            if seen is None:
                session.execute(
                    _insert(session)(SchedulerLeadership)
                    .values(
                        id=ROW_ID, epoch=0, holder="", holds_lock=False, renewed_at=RELEASED_AT, taken_at=RELEASED_AT
                    )
                    .on_conflict_do_nothing(index_elements=["id"])
                )
            row = self._read(session)
            free, holder_lost_its_lock = self._may_take_over(row, locked, now)
            if not (free or holder_lost_its_lock):
                return None
            taken = session.execute(
                update(SchedulerLeadership)
                .where(SchedulerLeadership.id == ROW_ID, SchedulerLeadership.epoch == row.epoch)
                .values(epoch=row.epoch + 1, holder=self.instance, holds_lock=locked, renewed_at=now, taken_at=now)
            )
            if getattr(taken, "rowcount", 0) != 1:
                return None  # another standby was quicker
            released = release_claims(session)
        self.epoch, self._holds_lock = row.epoch + 1, locked
        if row.holder == "":
            why = "the row was free"
        elif free:
            why = f"{row.holder} let its lease run out"
        else:
            why = f"{row.holder} lost its lock"
        log.info(
            "scheduler %s leads (epoch %d): %s; %d claimed page(s) released", self.instance, self.epoch, why, released
        )
        return self.epoch

    def renew(self) -> None:
        """Renew the lease; take the lock too if it was not held (it is freed when a frozen leader steps down).
        Raises `LeadershipLost` when replaced or when the lock is gone."""
        if self.epoch is None:
            raise LeadershipLost(f"scheduler {self.instance} is not the leader")
        if self._holds_lock and self.lock is not None and not self.lock.still_held():
            raise LeadershipLost("the leader lock was lost (its database connection closed)")
        took_lock = not self._holds_lock and self.lock is not None and self.lock.try_acquire()
        with self.sessions.begin() as session:
            renewed = session.execute(
                update(SchedulerLeadership)
                .where(SchedulerLeadership.id == ROW_ID, SchedulerLeadership.epoch == self.epoch)
                .values(renewed_at=self.clock(), holds_lock=self._holds_lock or took_lock)
            )
        if getattr(renewed, "rowcount", 0) != 1:
            if took_lock and self.lock is not None:
                self.lock.release()
            raise LeadershipLost(f"another scheduler took over from epoch {self.epoch}")
        self._holds_lock = self._holds_lock or took_lock

    def check(self, session: Session) -> None:
        """The fence, in the caller's transaction: raises `LeadershipLost` unless the epoch is still this one."""
        epoch = session.scalar(select(SchedulerLeadership.epoch).where(SchedulerLeadership.id == ROW_ID))
        if self.epoch is None or epoch != self.epoch:
            raise LeadershipLost(f"scheduler {self.instance} was replaced (epoch {epoch}, this one {self.epoch})")

    def check_now(self) -> None:
        """The fence before a send, in a short read of its own."""
        with self.read_sessions() as session:
            self.check(session)

    def step_down(self) -> None:
        """Give the row up (if it is still ours: a standby may take it at its next poll) and the lock."""
        epoch, self.epoch = self.epoch, None
        try:
            if epoch is not None:
                with self.sessions.begin() as session:
                    session.execute(
                        update(SchedulerLeadership)
                        .where(SchedulerLeadership.id == ROW_ID, SchedulerLeadership.epoch == epoch)
                        .values(holder="", holds_lock=False, renewed_at=RELEASED_AT)
                    )
        except DBAPIError as exc:
            log.warning(
                "scheduler %s: could not release the leadership row (its lease will run out): %s",
                self.instance,
                exc.orig,
            )
        finally:
            self._holds_lock = False
            if self.lock is not None:
                self.lock.release()
