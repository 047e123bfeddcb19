"""Log-in throttling: failures counted per user name from an address and per address, exactly under concurrency.

Each attempt is counted before its password is checked, under a row lock on its two counters, so N attempts at
once can never all see the count from before any of them (on PostgreSQL `SELECT ... FOR UPDATE`; SQLite's writers
queue on its one write lock). A lock-out lasts until its window ends, whatever is tried meanwhile.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from data.models import LoginThrottle


class Limits(Protocol):
    """The throttling part of `data.auth.AuthPolicy`."""

    @property
    def throttle_window(self) -> timedelta: ...
    @property
    def max_failures_per_user(self) -> int: ...
    @property
    def max_failures_per_address(self) -> int: ...


def throttle_keys(username: str, address: str | None) -> tuple[str, str]:
    """The two counters a log-in attempt is checked against: this user name from this address, and the address.

    A stranger elsewhere can lock a user name out only for their own address, never for the user's."""
    where = address or "-"
    return f"address {where}"[:200], f"user {username} from {where}"[:200]


def _claim_rows(session: Session, keys: tuple[str, ...], now: datetime) -> list[LoginThrottle]:
    """The throttle rows of `keys`, created if missing and locked (FOR UPDATE) in key order, so concurrent
    attempts are counted one after another and two of them never deadlock."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    for key in sorted(keys):
        session.execute(
            insert(LoginThrottle)
            .values(key=key, failures=0, window_started_at=now, locked_until=None)
            .on_conflict_do_nothing(index_elements=["key"])
        )
    query = select(LoginThrottle).where(LoginThrottle.key.in_(keys)).order_by(LoginThrottle.key)
    return list(session.scalars(query.with_for_update().execution_options(populate_existing=True)))


def reserve(session: Session, keys: tuple[str, str], now: datetime, policy: Limits) -> bool:
    """Count this attempt as a failure in advance (False: a limit is reached, the attempt is refused unchecked).

    The count is taken before the password is checked, under the rows' lock, so N concurrent attempts can never
    all see the count from before any of them; a success gives its reservation back."""
    limits = {keys[0]: policy.max_failures_per_address, keys[1]: policy.max_failures_per_user}
    rows = _claim_rows(session, keys, now)
    for row in rows:
        # A window opens at the first failure; a lock-out ends with its window (bounded, never extended).
        if row.failures == 0 or now - row.window_started_at >= policy.throttle_window:
            row.failures, row.window_started_at, row.locked_until = 0, now, None
    if any(row.failures >= limits[row.key] for row in rows):
        return False
    for row in rows:
        row.failures += 1
        if row.failures >= limits[row.key]:
            row.locked_until = row.window_started_at + policy.throttle_window
    return True


def give_back(session: Session, keys: tuple[str, str], now: datetime) -> None:
    """After a successful log-in: the user's count from this address starts again, the address keeps the others."""
    for row in _claim_rows(session, keys, now):
        row.failures = 0 if row.key == keys[1] else max(0, row.failures - 1)
        row.locked_until = None
