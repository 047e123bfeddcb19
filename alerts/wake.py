"""Waking the delivery at once when a page is written, instead of at the next delivery interval.

On PostgreSQL the write path calls `notify_outbox` in its transaction (``NOTIFY cartwatch_outbox`` is delivered
at commit, never for a write rolled back), and the leading scheduler LISTENs on a connection of its own. SQLite
has no notifications: the leader polls for a due, unclaimed page every ``CARTWATCH_OUTBOX_POLL_SECONDS`` with one
indexed read that takes no write lock. Either way the timed delivery pass still runs, so a lost wake-up (the
listening connection dropped, a page written by something that does not notify) costs one interval, no page.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from alerts.leadership import LeadershipLost, utc_now
from alerts.outbox import any_due
from data.db import make_read_session_factory

log = logging.getLogger(__name__)

CHANNEL = "cartwatch_outbox"
LISTEN_WAIT_SECONDS = 0.5
RECONNECT_MAX_SECONDS = 10.0


def notify_outbox(session: Session) -> None:
    """Wake the leading scheduler's delivery when the caller's transaction commits (PostgreSQL; on SQLite the
    scheduler polls, and this does nothing)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"NOTIFY {CHANNEL}"))


def libpq_url(engine: Engine) -> str:
    """The engine's URL as libpq takes it (no SQLAlchemy driver name)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class OutboxWaker:
    """A thread that runs ``wake`` (a delivery pass) whenever a page may be waiting. ``on_lost`` is told when a
    pass finds this scheduler is no longer the leader."""

    def __init__(
        self,
        engine: Engine,
        wake: Callable[[], object],
        on_lost: Callable[[str], None],
        poll_seconds: float,
    ) -> None:
        self.engine = engine
        self.wake = wake
        self.on_lost = on_lost
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cartwatch-outbox-waker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        if self.engine.dialect.name == "postgresql":
            self._listen()
        else:
            self._poll()

    def _pass(self) -> None:
        try:
            self.wake()
        except LeadershipLost as exc:
            self._stop.set()
            self.on_lost(str(exc))
        except DBAPIError as exc:
            log.warning("outbox wake-up: the delivery pass failed, the timed pass will retry: %s", exc.orig)

    def _poll(self) -> None:
        sessions = make_read_session_factory(self.engine)
        while not self._stop.wait(self.poll_seconds):
            try:
                with sessions() as session:
                    due = any_due(session, utc_now())
            except DBAPIError as exc:
                log.warning("outbox poll failed, will poll again: %s", exc.orig)
                continue
            if due:
                self._pass()

    def _listen(self) -> None:
        delay = LISTEN_WAIT_SECONDS
        while not self._stop.is_set():
            try:
                with psycopg.connect(libpq_url(self.engine), autocommit=True, connect_timeout=5) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    delay = LISTEN_WAIT_SECONDS
                    self._pass()  # anything written while nobody listened
                    while not self._stop.is_set():
                        woken = False
                        for _ in connection.notifies(timeout=LISTEN_WAIT_SECONDS, stop_after=1):
                            woken = True
                        if woken and not self._stop.is_set():
                            self._pass()
            except psycopg.Error as exc:
                log.warning("outbox wake-up: listening failed, again in %.1fs: %s", delay, exc)
                self._stop.wait(delay)
                delay = min(delay * 2, RECONNECT_MAX_SECONDS)
