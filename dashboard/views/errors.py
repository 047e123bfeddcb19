"""Validation errors in words, the same on every page: each names its field and what the field allows."""

from __future__ import annotations

from data.validation import FieldError, InvalidInput


def describe(item: FieldError) -> str:
    """The message, with what is allowed unless the message already says it."""
    allowed = f" (allowed: {item.allowed})" if item.allowed and item.allowed not in item.message else ""
    return f"{item.message}{allowed}"


def error_lines(error: InvalidInput) -> list[str]:
    """One line per error: "reason: String should have at least 3 characters (allowed: ...)"."""
    return [f"{item.field}: {describe(item)}" for item in error.errors]
