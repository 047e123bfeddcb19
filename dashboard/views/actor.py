"""Who is acting: every write from a dashboard callback asks here, so authorisation is added in one place."""

from __future__ import annotations

from data.audit import Actor

WARD_USER = Actor(username="ward-user", role=None, source="form")


def current_actor() -> Actor:
    """The person behind the current callback. Until log-in exists every form write is the ward user."""
    return WARD_USER
