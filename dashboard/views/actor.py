"""Who is acting: every write from a dashboard callback asks here, so authorisation lives in one place."""

from __future__ import annotations

import dataclasses

from flask_login import current_user

from dashboard.auth import permitted, require
from dashboard.context import app_context
from data.audit import Actor
from data.settings import Settings


def current_actor(permission: str) -> Actor:
    """The signed-in person, if their role allows `permission`; otherwise the request ends with 403.

    A patient on another ward is refused where the record is written (data.records.Forbidden -> 403).
    """
    return require(permission)


def viewing_settings() -> Settings:
    """The app's settings as this user sees them: a user kept to one ward sees only that ward's board."""
    settings = app_context().settings
    ward = getattr(current_user, "ward", None)
    return dataclasses.replace(settings, board_ward=ward) if ward else settings


def granted(*asked: str) -> frozenset[str]:
    """Which of the `asked` permissions the signed-in person has: a page offers only what they may do (the server
    checks again when they do it)."""
    return frozenset(permission for permission in asked if permitted(permission))
