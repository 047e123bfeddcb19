"""The trajectory's time axis: days since infusion on the ward's clock, the three views and their tick labels.

x is counted in days on the ward's wall clock from 00:00 of the day of infusion, so x = 3 is 00:00 on D+3 and
x = 3.5 is 12:00 that day: the tick labels ("D+3", "12:00") and the day numbers in the page's header ("D+3", a
calendar day in the ward's time zone, `timefmt.day_label`) agree. The infusion itself is a line at its clock time
within D0. Without an infusion time the days count from admission ("A0", "A+1").
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd

DAY_SECONDS = 86_400.0
PAD = 0.04  # days of room after now, so the latest point is not on the frame's edge


@dataclass(frozen=True)
class View:
    key: str
    label: str
    days: float | None  # how far back from now; None: the whole stay
    tick_hours: int | None  # clock-time ticks every so many hours; None: day ticks


VIEWS: tuple[View, ...] = (
    View("24h", "24 h", 1.0, 3),
    View("72h", "72 h", 3.0, 6),
    View("all", "all", None, None),
)
DEFAULT_VIEW = "all"
DAY_STEPS = (1, 2, 7, 14, 28)  # even days keep the D+14 and D+28 milestones labelled
MAX_DAY_TICKS = 12  # a label and a grid line a tick on each of the nine panels: weekly over a month


def view_named(key: str | None) -> View:
    return next((v for v in VIEWS if v.key == key), next(v for v in VIEWS if v.key == DEFAULT_VIEW))


@dataclass(frozen=True)
class TimeAxis:
    """Converts times to x (days on the ward's clock since 00:00 of day 0) and names the days."""

    day_zero: datetime  # naive local midnight that starts day 0
    tz: ZoneInfo
    prefix: str  # "D" (days since infusion) or "A" (days since admission)

    @classmethod
    def starting(cls, origin: datetime, tz: str, origin_label: str) -> TimeAxis:
        zone = ZoneInfo(tz)
        local = origin.astimezone(zone).replace(tzinfo=None)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        return cls(midnight, zone, "D" if origin_label == "infusion" else "A")

    def x(self, when: datetime) -> float:
        local = when.astimezone(self.tz).replace(tzinfo=None)
        return round((local - self.day_zero).total_seconds() / DAY_SECONDS, 4)

    def xs(self, times: Iterable[datetime]) -> list[float]:
        """`x` of every time, converted to the ward's clock together (a 30-day chart has thousands of points;
        one zone conversion each was a third of drawing it). The same figures as `x`: the seconds are exact, then
        divided and rounded the same way."""
        values = times if isinstance(times, pd.Series) else list(times)
        if len(values) == 0:
            return []
        if not isinstance(values, pd.Series) and any(t.tzinfo is None for t in values):
            return [self.x(t) for t in values]  # naive times: `x` says what they mean
        stamps = pd.DatetimeIndex(pd.to_datetime(values, utc=True))
        local = stamps.tz_convert(self.tz).tz_localize(None)
        seconds = (local - pd.Timestamp(self.day_zero)).total_seconds()
        return [round(value / DAY_SECONDS, 4) for value in seconds.tolist()]

    def day(self, number: int) -> str:
        """ "D0", "D+3", "D-1" (or "A0", "A+3" counting from admission)."""
        return f"{self.prefix}0" if number == 0 else f"{self.prefix}{number:+d}"

    @property
    def title(self) -> str:
        if self.prefix == "D":
            return "days since infusion (D0 = day of infusion, ward time)"
        return "days since admission (A0 = day of admission, ward time; not infused)"


def window(view: View, now_x: float, earliest_x: float, latest_x: float) -> tuple[float, float]:
    """The x range a view shows: back `view.days` from now, or the whole stay from 00:00 of its first day (and
    up to a planned infusion)."""
    end = max(now_x, latest_x) + PAD if view.days is None else now_x + PAD
    start = math.floor(min(earliest_x, now_x)) if view.days is None else now_x - view.days
    return round(start, 4), round(end, 4)


def ticks(axis: TimeAxis, view: View, start: float, end: float) -> tuple[list[float], list[str]]:
    """Tick positions and labels: days ("D+3") over the whole stay, clock times in the 24 h and 72 h views with
    the day named at midnight ("D+3 00:00")."""
    if view.tick_hours is None:
        span = end - start
        step = next((s for s in DAY_STEPS if span / s <= MAX_DAY_TICKS), DAY_STEPS[-1])
        days = [d for d in range(math.ceil(start), math.floor(end) + 1) if d % step == 0]
        return [float(d) for d in days], [axis.day(d) for d in days]
    per_day = 24 // view.tick_hours
    first, last = math.ceil(start * per_day - 1e-9), math.floor(end * per_day + 1e-9)
    values, labels = [], []
    for index in range(first, last + 1):
        day, part = divmod(index, per_day)
        hour = part * view.tick_hours
        values.append(round(index / per_day, 4))
        labels.append(f"{axis.day(day)} 00:00" if hour == 0 else f"{hour:02d}:00")
    return values, labels
