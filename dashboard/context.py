"""Per-request access to settings and a short database session (no module globals in the web process)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from dashboard.board_cache import VersionCache
from data.settings import Settings

EXTENSION = "cartwatch"

Scope = Callable[[], AbstractContextManager[Session]]
"""What view functions that write (or read a page of rows) take: `session_scope`, `read_session`, or a test's."""


@dataclass(frozen=True)
class AppContext:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]
    boards: VersionCache[Any] = field(default_factory=VersionCache)
    """The last board read per ward and change counter (`dashboard.views.board.refresh`)."""


def app_context() -> AppContext:
    ctx: AppContext = current_app.extensions[EXTENSION]
    return ctx


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session for one request or callback: committed on success, rolled back on any error."""
    with app_context().sessions.begin() as session:
        yield session


@contextmanager
def read_session() -> Iterator[Session]:
    """A session for reading only (never committed; on SQLite it does not take the write lock)."""
    with app_context().read_sessions() as session:
        yield session
