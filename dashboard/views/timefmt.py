"""Times for display: the ward's local clock, days since infusion, countdowns to what is due.

Storage and arithmetic stay in UTC; only text shown to people is converted to the ward's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


def local(when: datetime, tz: str) -> datetime:
    return when.astimezone(ZoneInfo(tz))


def clock(when: datetime, tz: str) -> str:
    """ "14:05" in the ward's time zone."""
    return local(when, tz).strftime("%H:%M")


def stamp(when: datetime, tz: str) -> str:
    """ "Tue 24 Nov 14:05" in the ward's time zone."""
    return local(when, tz).strftime("%a %d %b %H:%M")


def day_number(infused_at: datetime, now: datetime, tz: str) -> int:
    """Calendar days since the infusion day in the ward's time zone (day 0 is the day of infusion)."""
    return (local(now, tz).date() - local(infused_at, tz).date()).days


MILESTONES = (14, 28)


def milestone_date(infused_at: datetime, day: int, tz: str) -> str:
    """The ward-local date of day `day` after infusion: "Sat 12 Dec"."""
    return (local(infused_at, tz) + timedelta(days=day)).strftime("%a %d %b")


def milestones_text(infused_at: datetime | None, now: datetime, tz: str) -> str:
    """ "D+14 Sat 12 Dec · D+28 Sat 26 Dec"; a milestone passed says so, "" before an infusion is recorded.

    D+14: CRS typically occurs within the first 14 days (guideline); D+28: ICANS has been seen in the third and
    fourth week (guideline) and the product labels keep patients near the centre for 4 weeks."""
    if infused_at is None:
        return ""
    today = day_number(infused_at, now, tz)
    parts = []
    for day in MILESTONES:
        when = milestone_date(infused_at, day, tz)
        state = "today" if today == day else ("passed" if today > day else "")
        parts.append(f"D+{day} {when}" + (f" ({state})" if state else ""))
    return " · ".join(parts)


def day_label(infused_at: datetime | None, now: datetime, tz: str) -> str:
    """ "D-2", "D0", "D+4"; "not infused" when no infusion time is recorded."""
    if infused_at is None:
        return "not infused"
    day = day_number(infused_at, now, tz)
    return "D0" if day == 0 else f"D{day:+d}"


def duration(minutes: int) -> str:
    """ "45 min", "2 h 05 min", "3 h"."""
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h" if rest == 0 else f"{hours} h {rest:02d} min"


@dataclass(frozen=True)
class Countdown:
    """What a due item's countdown shows at `now`: `state` is "due", "grace" (due, within grace) or "overdue"."""

    text: str
    state: str
    minutes_late: int = 0

    @property
    def overdue(self) -> bool:
        return self.state == "overdue"


def countdown(due_at: datetime, now: datetime, grace: timedelta) -> Countdown:
    """The same rule as `toxicity.due_items`: overdue once now > due + grace, minutes late counted from due."""
    if now > due_at + grace:
        late = int((now - due_at).total_seconds() // 60)
        return Countdown(f"overdue · {duration(late)} late", "overdue", late)
    if now >= due_at:
        return Countdown("due now", "grace")
    until = int((due_at - now).total_seconds() // 60)
    return Countdown(f"in {duration(until)}", "due")


def parse_local(value: str | None, tz: str) -> datetime | None:
    """A `datetime-local` input ("2026-11-24T14:05") read as ward time, in UTC; None when empty."""
    if value is None or not value.strip():
        return None
    parsed = datetime.fromisoformat(value.strip())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(tz))
    return parsed.astimezone(UTC)


def to_local_input(when: datetime, tz: str) -> str:
    """The value a `datetime-local` input shows for `when`."""
    return local(when, tz).strftime("%Y-%m-%dT%H:%M")
