"""Callback values the page itself never sends: answered with 400 and a message, and nothing is stored.

The browser sends a callback's inputs and states as JSON; anyone can send other JSON. A value of the wrong shape
(a patient store without its id, a time that is not a time, a grade that is not a number, a reason that is not
text, outputs naming fields the form does not have) is refused before anything is read or written, rather than
left to fail as a 500 deep inside.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from werkzeug.exceptions import BadRequest

RELOAD = "reload the page and try again"


class BadCallback(BadRequest):
    """A callback request the page could not have sent (HTTP 400); `description` says what was wrong."""

    def __init__(self, what: str) -> None:
        super().__init__(description=f"{what}: {RELOAD}; nothing was saved.")


def patient_store(value: Any) -> dict[str, Any]:
    """The page's patient store ({"id": int, "ward": str, "tool": "ICE" | "CAPD"}) as the page wrote it."""
    if not isinstance(value, dict):
        raise BadCallback("the page did not say which patient this is")
    pid, tool = value.get("id"), value.get("tool")
    if not isinstance(pid, int) or isinstance(pid, bool) or pid < 1 or pid > 2**31 - 1:
        raise BadCallback("the page did not say which patient this is")
    if tool not in ("ICE", "CAPD"):
        raise BadCallback("the page did not say which neurological assessment tool the patient has")
    return value


def known_names(names: Iterable[Any], allowed: Iterable[str]) -> list[str]:
    """The fields a callback's outputs name, each one of the form's own (`allowed`)."""
    found = list(names)
    known = set(allowed)
    if not found or any(not isinstance(name, str) or name not in known for name in found):
        raise BadCallback("the form's fields are not the ones this page has")
    return found


def optional_text(value: Any, what: str) -> str:
    """Typed text (a reason, a note): a string or nothing."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadCallback(f"the {what} is not text")
    return value


def submission_key(value: Any) -> str:
    """The form's one-use submission key (`dashboard.views.submission`)."""
    if not isinstance(value, str) or not 16 <= len(value) <= 64 or not value.isalnum():
        raise BadCallback("this form has no valid submission key")
    return value
