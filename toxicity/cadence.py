"""When each assessment is next due, and what is overdue at ``now``.

Guideline, Clinical Approach: "4 hourly routine observation monitoring; Daily clinical assessment and
examination; Twice daily CRS assessment and grading; 8 hourly neurotoxicity assessment and grading; Daily bloods
including FBC, Coag, U+E, LFT, Bone, CRP and Ferritin". The numbers are the defaults of ``CadencePolicy``; a ward
may change them.

Interval items (obs, crs, neuro, and the daily clinical review every 24 h) are due one interval after the last
one done, or after the start of monitoring if none has been done. Bloods are due by a local time of day (10:00 by
default) on each calendar day in the ward's time zone, so they follow the wall clock across daylight-saving
changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from toxicity.errors import InvalidAssessment
from toxicity.validation import require_aware, require_choice, require_date, require_int, require_optional_aware

INTERVAL_KINDS: tuple[str, ...] = ("obs", "crs", "neuro", "review")
""""obs" and "crs" tighten with the CRS grade, "neuro" with the ICANS grade; "review" (the daily clinical
assessment and examination) does not tighten."""
BLOODS_PREFIX = "bloods:"


def _positive(field_name: str, value: object) -> timedelta:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise InvalidAssessment(f"{field_name}: {value!r} must be a positive timedelta")
    return value


@dataclass(frozen=True)
class CadencePolicy:
    """The monitoring cadence. ``tighter`` holds ``(kind, min_grade, interval)`` entries: from ``min_grade``
    upwards the shorter interval applies, e.g. ``(("obs", 2, timedelta(hours=1)),)`` for hourly obs at CRS
    grade >= 2. Each tighter interval must be shorter than or equal to the base one."""

    obs_interval: timedelta = timedelta(hours=4)
    crs_interval: timedelta = timedelta(hours=12)
    neuro_interval: timedelta = timedelta(hours=8)
    review_interval: timedelta = timedelta(hours=24)
    grace: timedelta = timedelta(minutes=15)
    bloods_due_local_time: time = time(10, 0)
    ward_timezone: str = "Europe/London"
    blood_panels: tuple[str, ...] = ("fbc", "coagulation", "ue", "lft", "bone", "crp", "ferritin")
    tighter: tuple[tuple[str, int, timedelta], ...] = ()

    def __post_init__(self) -> None:
        for name in ("obs_interval", "crs_interval", "neuro_interval", "review_interval"):
            _positive(name, getattr(self, name))
        if not isinstance(self.grace, timedelta) or self.grace < timedelta(0):
            raise InvalidAssessment(f"grace: {self.grace!r} must be a timedelta >= 0")
        if not isinstance(self.bloods_due_local_time, time) or self.bloods_due_local_time.tzinfo is not None:
            raise InvalidAssessment("bloods_due_local_time: must be a datetime.time without tzinfo (ward local)")
        try:
            ZoneInfo(self.ward_timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise InvalidAssessment(
                f"ward_timezone: {self.ward_timezone!r} is not an IANA time zone (e.g. Europe/London)"
            ) from None
        panels = self.blood_panels
        if not isinstance(panels, tuple) or not all(isinstance(p, str) and p for p in panels):
            raise InvalidAssessment("blood_panels: must be a tuple of panel names")
        if len(set(panels)) != len(panels):
            raise InvalidAssessment(f"blood_panels: {panels!r} names a panel twice")
        if not isinstance(self.tighter, tuple):
            raise InvalidAssessment(f"tighter: {self.tighter!r} must be a tuple of (kind, min_grade, interval)")
        for entry in self.tighter:
            if not isinstance(entry, tuple) or len(entry) != 3:
                raise InvalidAssessment(f"tighter: {entry!r} must be (kind, min_grade, interval)")
            kind, min_grade, interval = entry
            require_choice("tighter kind", kind, INTERVAL_KINDS)
            require_int("tighter min_grade", min_grade, 1, 4)
            _positive("tighter interval", interval)
            if interval > self.base_interval(kind):
                raise InvalidAssessment(
                    f"tighter interval: {interval} for {kind} is longer than the base {self.base_interval(kind)}"
                )

    def base_interval(self, kind: str) -> timedelta:
        intervals = {
            "obs": self.obs_interval,
            "crs": self.crs_interval,
            "neuro": self.neuro_interval,
            "review": self.review_interval,
        }
        return intervals[require_choice("kind", kind, INTERVAL_KINDS)]

    def interval_for(self, kind: str, grade: int | None) -> timedelta:
        """The base interval, shortened by every ``tighter`` entry whose ``min_grade`` the grade reaches."""
        interval = self.base_interval(kind)
        if grade is None:
            return interval
        for tight_kind, min_grade, tight in self.tighter:
            if tight_kind == kind and grade >= min_grade:
                interval = min(interval, tight)
        return interval

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.ward_timezone)


EXCEPTION_ITEMS: tuple[str, ...] = ("obs", "crs", "neuro", "bloods", "review")
EXCEPTION_ITEM_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "obs": "obs",
        "crs": "CRS assessment",
        "neuro": "neuro assessment",
        "bloods": "daily bloods",
        "review": "daily clinical review",
    }
)
"""The items an exception may hold, in the ward's words (the form's labels and the FHIR export's displays)."""
EXCEPTION_REASONS: Mapping[str, str] = MappingProxyType(
    {"off_ward": "patient off the ward", "refused": "refused by the patient", "paused_by_doctor": "paused by a doctor"}
)


@dataclass(frozen=True)
class ScheduleException:
    """A documented exception to the schedule for ``items`` ("obs", "crs", "neuro", "bloods") from ``starts_at``
    to ``ends_at``: nothing of them falls due inside it; what would have, is due when it ends."""

    items: frozenset[str]
    starts_at: datetime
    ends_at: datetime
    reason: str

    def covers(self, item: str, when: datetime) -> bool:
        base = "bloods" if item.startswith(BLOODS_PREFIX) else item
        return base in self.items and self.starts_at <= when < self.ends_at

    @property
    def words(self) -> str:
        return EXCEPTION_REASONS.get(self.reason, self.reason)


@dataclass(frozen=True)
class MonitoringState:
    """What has been done for one patient. ``last_bloods`` maps a panel to its last collection time; it is
    copied into a read-only mapping on construction. Grades select the tighter cadence."""

    monitoring_start: datetime
    discharged_at: datetime | None = None
    last_obs: datetime | None = None
    last_crs: datetime | None = None
    last_neuro: datetime | None = None
    last_review: datetime | None = None
    last_bloods: Mapping[str, datetime] = field(default_factory=lambda: MappingProxyType({}))
    crs_grade: int | None = None
    icans_grade: int | None = None
    requested: Mapping[str, datetime] = field(default_factory=lambda: MappingProxyType({}))
    """Item -> when it became due now (a provisional grade that pages asks for the formal assessment at once)."""
    exceptions: tuple[ScheduleException, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.last_bloods, Mapping):
            raise InvalidAssessment(
                f"last_bloods: expected a mapping of panel -> datetime, got {type(self.last_bloods).__name__}"
            )
        object.__setattr__(self, "last_bloods", MappingProxyType(dict(self.last_bloods)))


@dataclass(frozen=True)
class DueItem:
    """``kind`` is "obs", "crs", "neuro" or "bloods:<panel>"; ``due_at`` is UTC.

    ``overdue`` once ``now > due_at + grace`` (`overdue_from`); ``minutes_late`` counts whole minutes since
    ``due_at`` (0 unless overdue); ``minutes_until_due`` counts whole minutes to ``due_at`` (0 once it has passed).
    ``note`` says why the due time is not the plain cadence's (due now after a provisional grade, or moved by an
    exception)."""

    kind: str
    due_at: datetime
    overdue: bool
    minutes_late: int
    minutes_until_due: int
    note: str = ""


def _check_state(state: MonitoringState) -> None:
    if not isinstance(state, MonitoringState):
        raise InvalidAssessment(f"state: expected MonitoringState, got {type(state).__name__}")
    require_aware("monitoring_start", state.monitoring_start)
    for name in ("discharged_at", "last_obs", "last_crs", "last_neuro", "last_review"):
        require_optional_aware(name, getattr(state, name))
    for panel, when in state.last_bloods.items():
        require_aware(f"last_bloods[{panel!r}]", when)
    for name in ("crs_grade", "icans_grade"):
        value = getattr(state, name)
        if value is not None:
            require_int(name, value, 0, 4)
    for item, when in state.requested.items():
        require_choice("requested", item, INTERVAL_KINDS)
        require_aware(f"requested[{item!r}]", when)
    for exception in state.exceptions:
        if not isinstance(exception, ScheduleException):
            raise InvalidAssessment(f"exceptions: expected ScheduleException, got {type(exception).__name__}")
        start = require_aware("exceptions.starts_at", exception.starts_at)
        if require_aware("exceptions.ends_at", exception.ends_at) <= start:
            raise InvalidAssessment("exceptions.ends_at: must be after starts_at")
        for item in exception.items:
            require_choice("exceptions.items", item, EXCEPTION_ITEMS)


RESOLUTION = timedelta(microseconds=1)
"""The finest step of a recorded time (Python, PostgreSQL and the SQLite columns all keep microseconds)."""


def overdue_from(due_at: datetime, grace: timedelta) -> datetime:
    """The first moment an item due at ``due_at`` is overdue: once ``grace`` has run out after it, not at the
    instant it runs out (at ``due_at + grace`` exactly the item is still in its grace). `due_items` decides
    ``overdue`` with this, and the scheduler wakes for the next overdue item with it, so the two cannot differ."""
    return require_aware("due_at", due_at) + grace + RESOLUTION


def _item(kind: str, due_at: datetime, now: datetime, grace: timedelta, note: str = "") -> DueItem:
    due_at = due_at.astimezone(UTC)
    overdue = now >= overdue_from(due_at, grace)
    late = int((now - due_at).total_seconds() // 60) if overdue else 0
    until = max(0, int((due_at - now).total_seconds() // 60))
    return DueItem(kind=kind, due_at=due_at, overdue=overdue, minutes_late=late, minutes_until_due=until, note=note)


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def apply_exceptions(
    item: str, due_at: datetime, now: datetime, exceptions: tuple[ScheduleException, ...], note: str = ""
) -> tuple[datetime, str]:
    """An exception for the item that has begun by ``now`` holds what falls due before its end, overdue items
    included: they are due again at its end ("when the exception ends, the overdue clock runs again"). A due time
    before an exception that has not begun yet stands. Exceptions that follow on from each other are followed to
    the last end."""
    moved = True
    while moved:
        moved = False
        for exception in exceptions:
            base = "bloods" if item.startswith(BLOODS_PREFIX) else item
            if base in exception.items and exception.starts_at <= now and due_at < exception.ends_at:
                due_at = exception.ends_at
                note = f"{exception.words} until {_stamp(exception.ends_at)}"
                moved = True
    return due_at, note


def _policy(policy: object) -> CadencePolicy:
    if not isinstance(policy, CadencePolicy):
        raise InvalidAssessment(f"policy: expected CadencePolicy, got {type(policy).__name__}")
    return policy


def bloods_due_at(day: date, policy: CadencePolicy) -> datetime:
    """The bloods due time on a local calendar day, in UTC (10:00 Europe/London is 09:00 UTC in summer)."""
    day = require_date("day", day)
    policy = _policy(policy)
    return datetime.combine(day, policy.bloods_due_local_time, tzinfo=policy.zone).astimezone(UTC)


def first_bloods_day(monitoring_start: datetime, policy: CadencePolicy) -> date:
    """The first local day whose due time is after the start of monitoring."""
    start = require_aware("monitoring_start", monitoring_start)
    policy = _policy(policy)
    day = start.astimezone(policy.zone).date()
    return day if bloods_due_at(day, policy) > start else day + timedelta(days=1)


def next_bloods_due(
    last_collected: datetime | None, monitoring_start: datetime, now: datetime, policy: CadencePolicy
) -> datetime:
    """When a panel is next due (UTC): today's due time, or tomorrow's if it was collected today (local)."""
    now = require_aware("now", now)
    last = require_optional_aware("last_collected", last_collected)
    policy = _policy(policy)
    today = now.astimezone(policy.zone).date()
    first = first_bloods_day(monitoring_start, policy)
    if today < first:
        return bloods_due_at(first, policy)
    midnight = datetime.combine(today, time(0), tzinfo=policy.zone)
    if last is not None and midnight <= last <= now:
        return bloods_due_at(today + timedelta(days=1), policy)
    return bloods_due_at(today, policy)


def due_items(state: MonitoringState, now: datetime, policy: CadencePolicy | None = None) -> tuple[DueItem, ...]:
    """Every assessment's next due time at ``now``: obs, crs, neuro, the daily clinical review, then each blood
    panel in policy order.

    Nothing for a discharged patient (``discharged_at <= now``). Panels in ``last_bloods`` that the policy
    does not list are ignored.
    """
    policy = CadencePolicy() if policy is None else _policy(policy)
    now = require_aware("now", now)
    _check_state(state)
    if state.discharged_at is not None and state.discharged_at <= now:
        return ()
    items: list[DueItem] = []
    grades = {"obs": state.crs_grade, "crs": state.crs_grade, "neuro": state.icans_grade, "review": None}
    lasts = {"obs": state.last_obs, "crs": state.last_crs, "neuro": state.last_neuro, "review": state.last_review}
    for kind in INTERVAL_KINDS:
        last = lasts[kind]
        since = last or state.monitoring_start
        due = since + policy.interval_for(kind, grades[kind])
        note = ""
        asked = state.requested.get(kind)
        if asked is not None and (last is None or asked > last) and asked < due:
            due, note = asked, f"due now: provisional grade at {_stamp(asked)} needs a formal assessment"
        due, note = apply_exceptions(kind, due, now, state.exceptions, note)
        items.append(_item(kind, due, now, policy.grace, note))
    for panel in policy.blood_panels:
        due = next_bloods_due(state.last_bloods.get(panel), state.monitoring_start, now, policy)
        item = f"{BLOODS_PREFIX}{panel}"
        due, note = apply_exceptions(item, due, now, state.exceptions)
        items.append(_item(item, due, now, policy.grace, note))
    return tuple(items)
