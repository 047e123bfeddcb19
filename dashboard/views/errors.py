"""Validation errors in words, the same on every page: each names its field (as the form labels it) and what the
field allows, in the ward's words (`dashboard.views.wording`)."""

from __future__ import annotations

from dashboard.views.wording import field_words, plain
from data.settings import Settings
from data.validation import FieldError, InvalidInput

WARD_TZ = Settings.ward_timezone


def describe(item: FieldError, tz: str = WARD_TZ) -> str:
    """The message, with what is allowed unless the message already says it."""
    message, allowed = plain(item.message, tz), plain(item.allowed, tz) if item.allowed else ""
    shown = f" (allowed: {allowed})" if allowed and allowed not in message else ""
    return f"{message}{shown}"


def error_lines(error: InvalidInput, tz: str = WARD_TZ) -> list[str]:
    """One line per error: "Reason: needs at least 3 characters"."""
    return [line(item, tz) for item in error.errors]


def line(item: FieldError, tz: str = WARD_TZ) -> str:
    """ "Field: message", or the message alone when it names no field."""
    named = item.field and item.field != "body"  # "body": the request as a whole, not a field the form shows
    return f"{field_words(item.field)}: {describe(item, tz)}" if named else describe(item, tz)
