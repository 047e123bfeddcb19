"""The last board read of each ward, kept by the web worker and keyed on the ward's change counter: a wall screen
and several PCs showing one ward read it once per change instead of once each.

An entry is used only while it is young (``max_age``): some decisions move with the clock alone (obs leaving the
look-back window, a steroid dose older than 48 h), and a board read later than that decides them again. Held on
the app's context (one per app, never a module global); a lock because a worker may serve requests on threads.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from datetime import datetime, timedelta
from threading import Lock
from typing import Generic, TypeVar

T = TypeVar("T")

MAX_AGE = timedelta(seconds=15)
"""One board refresh interval: every screen polling a ward after a change is served by the first one's read."""


class VersionCache(Generic[T]):
    def __init__(self, max_age: timedelta = MAX_AGE, size: int = 32) -> None:
        self.max_age = max_age
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[datetime, T]] = OrderedDict()
        self._lock = Lock()

    def get(self, key: Hashable, now: datetime) -> T | None:
        """The value read for ``key`` at most ``max_age`` before ``now`` (never one read after ``now``)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            read_at, value = entry
            if not (read_at <= now <= read_at + self.max_age):
                return None
            self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, now: datetime, value: T) -> None:
        with self._lock:
            self._entries[key] = (now, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
