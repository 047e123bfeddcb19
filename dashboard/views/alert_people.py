"""Who an alert reaches, in words a ward understands: roles by their titles with their bleep, people by name, and
the next step of the escalation chain with its time.

The chain (`alerts.chains`) names roles ("nurse_in_charge"); its recipients carry the address they are paged
at ("bleep-2231@pager.example.org"), from which the bleep number is read when there is one. Acknowledging and
resolving store a user name, shown with the person's name from the user list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.chains import ChainConfig, Recipient
from dashboard.views.timefmt import clock
from data.models import Alert, User
from toxicity import Severity

ROLE_WORDS = {
    "bedside_nurse": "Bedside nurse",
    "nurse_in_charge": "Nurse in charge",
    "cart_registrar": "CAR-T registrar",
    "consultant": "CAR-T consultant",
    "pharmacy": "Aseptic pharmacy",
    "failsafe": "Site coordinator (fail-safe)",
    "system_fallback": "Second channel for system alerts",
}
BLEEP = re.compile(r"bleep[-_ .]?(\d{3,6})", re.IGNORECASE)


def role_words(role: str) -> str:
    return ROLE_WORDS.get(role, role.replace("_", " ").capitalize())


def recipient_words(role: str, chains: ChainConfig | None) -> str:
    """ "Nurse in charge (bleep 2231)": the role's title, with its bleep when its address carries one."""
    found: Recipient | None = chains.recipients.get(role) if chains is not None else None
    bleep = BLEEP.search(found.address or "") if found is not None else None
    return f"{role_words(role)} (bleep {bleep.group(1)})" if bleep else role_words(role)


def people(session: Session, usernames: Iterable[str | None]) -> dict[str, str]:
    """ "Sam Jones (sjones)" by user name, for the names stored on alerts (one statement)."""
    wanted = {name for name in usernames if name}
    if not wanted:
        return {}
    rows = session.execute(select(User.username, User.display_name).where(User.username.in_(wanted)))
    found = {
        username: f"{display} ({username})" if display and display != username else username
        for username, display in rows
    }
    return {name: found.get(name, name) for name in wanted}


def by_at(who: str | None, at: datetime | None, names: Mapping[str, str], tz: str) -> str:
    """ "Sam Jones (sjones) at 14:05", or "" when nobody has."""
    if at is None:
        return ""
    return f"{names.get(who or '', who or 'unknown')} at {clock(at, tz)}"


def next_step(alert: Alert, chains: ChainConfig | None, now: datetime, tz: str) -> str:
    """Who is paged next if nobody acts, and when (the same chain `alerts.plan.chain_action` follows)."""
    if alert.status == "resolved":
        return ""
    if chains is None:
        return "escalation chains cannot be read: see the alerting banner"
    steps = chains.steps_for(alert.kind, alert.severity)
    current = min(alert.chain_step, len(steps) - 1)
    at = alert.next_escalation_at
    when = f" at {clock(at, tz)}" if at is not None else ""
    if alert.status == "acknowledged":
        if alert.severity == Severity.CRITICAL and at is not None:
            return f"reminder to {_names(steps[current].recipients, chains)}{when}"
        return "no further pages (acknowledged)"
    if at is None:
        return "no further pages"
    if alert.snoozed_until is not None and alert.snoozed_until > now:
        return f"{_names(steps[current].recipients, chains)} again when the snooze ends{when}"
    if current + 1 < len(steps):
        return f"{_names(steps[current + 1].recipients, chains)}{when}"
    return f"{_names(steps[current].recipients, chains)} again{when}"


def _names(roles: Iterable[str], chains: ChainConfig) -> str:
    return " and ".join(recipient_words(role, chains) for role in roles)
