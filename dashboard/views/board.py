"""The bay overview's read model: one snapshot of every active bed, read with a fixed number of statements.

`load_board` issues the same statements for 4 beds as for 24 (each read is one query over all active
patients); `poll` is the one cheap statement the board runs on every refresh to decide whether to read at all.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from alerts.config import cadence_policy as alerts_cadence_policy
from alerts.config import status_rules
from alerts.cycles import cycle_collection_paused
from alerts.hlh_status import HLHStatus
from alerts.snapshot import load_snapshot
from alerts.status import NeutropeniaStatus, patient_status
from dashboard.board_cache import VersionCache
from dashboard.views.grades import GradeView, grade_view
from dashboard.views.timefmt import clock, duration
from data import queries
from data.models import Alert, NeuroAssessment, Observation, Patient
from data.settings import Settings
from toxicity import CadencePolicy, DueItem, max_severity

OFFLINE_TEXT = "Alerting offline — escalate by phone"
UNDELIVERED_TEXT = "could not be delivered — see Alerts and escalate by phone"
DUE_KINDS: tuple[tuple[str, str], ...] = (
    ("obs", "Obs"),
    ("crs", "CRS"),
    ("neuro", "Neuro"),
    ("review", "Review"),
    ("bloods", "Bloods"),
)


@dataclass(frozen=True)
class Pulse:
    version: int
    heartbeat_at: datetime | None
    undelivered: int = 0  # "page could not be delivered" alerts nobody has acknowledged


@dataclass(frozen=True)
class AlertSummary:
    count: int
    unacknowledged: int
    highest: str | None
    kinds: tuple[str, ...]
    severities: tuple[str, ...] = ()  # one per open alert
    top_kind: str | None = None  # the kind of a most severe open alert


@dataclass(frozen=True)
class HLHFlag:
    peak_ferritin: float
    positive: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class BedSnapshot:
    patient_id: int
    ward: str
    bed: str
    name: str
    product: str
    infused_at: datetime | None
    crs: GradeView
    icans: GradeView
    obs: Observation | None
    neuro: NeuroAssessment | None
    due: dict[str, DueItem]
    alerts: AlertSummary
    hlh: HLHFlag | None
    neutropenia: NeutropeniaStatus | None = None
    tocilizumab_given: int = 0
    trial: str | None = None
    interventions_open: tuple[str, ...] = ()  # the routine interventions not yet done, in the guideline's words


@dataclass(frozen=True)
class BoardSnapshot:
    now: datetime
    pulse: Pulse
    beds: list[BedSnapshot] = field(default_factory=list)
    grace: timedelta = timedelta(minutes=15)
    empty_beds: tuple[str, ...] = ()  # configured beds (`board_beds`) with nobody in them, in bed order


def bed_labels(spec: str | None) -> tuple[str, ...]:
    """The bay's beds from "1-8,10A": ranges of numbers and single labels, in the order given."""
    labels: list[str] = []
    for part in (spec or "").split(","):
        part = part.strip()
        match = re.fullmatch(r"(\d+)\s*-\s*(\d+)", part)
        if match:
            labels.extend(str(n) for n in range(int(match.group(1)), int(match.group(2)) + 1))
        elif part:
            labels.append(part)
    return tuple(dict.fromkeys(labels))


def bed_number_key(bed: str) -> tuple[int, str]:
    """Bed number in numeric order ("2" before "10"), then the bed's text."""
    match = re.match(r"\d+", bed)
    return (int(match.group()) if match else 1_000_000, bed)


def cadence_policy(settings: Settings) -> CadencePolicy:
    """The cadence the alert sweep applies, so the board's countdowns and the pages agree."""
    return alerts_cadence_policy(settings)


def poll(session: Session, settings: Settings) -> Pulse:
    version, beat, undelivered = queries.ward_pulse(session, settings.board_ward)
    return Pulse(version, beat, undelivered)


def heartbeat_stale(pulse: Pulse, now: datetime, settings: Settings) -> bool:
    """No heartbeat ever, or none for longer than `heartbeat_stale_seconds`: nothing is paging anyone."""
    if pulse.heartbeat_at is None:
        return True
    return (now - pulse.heartbeat_at).total_seconds() > settings.heartbeat_stale_seconds


def bed_sort_key(patient: Patient) -> tuple[str, int, str]:
    """Ward, then bed number in numeric order ("2" before "10"), then the bed's text."""
    return (patient.ward, *bed_number_key(patient.bed))


def summarise_alerts(alerts: list[Alert]) -> AlertSummary:
    highest = max_severity(a.severity for a in alerts)
    return AlertSummary(
        count=len(alerts),
        unacknowledged=sum(1 for a in alerts if a.status == "open"),
        highest=None if highest is None else str(highest),
        kinds=tuple(dict.fromkeys(a.kind for a in alerts)),
        severities=tuple(a.severity for a in alerts),
        top_kind=next((a.kind for a in alerts if highest is not None and a.severity == str(highest)), None),
    )


def due_summary(items: tuple[DueItem, ...]) -> dict[str, DueItem]:
    """obs, crs and neuro as they are; the blood panels as the one due soonest (it is what is late first)."""
    found = {item.kind: item for item in items if not item.kind.startswith("bloods:")}
    bloods = [item for item in items if item.kind.startswith("bloods:")]
    if bloods:
        first = min(bloods, key=lambda item: item.due_at)
        found["bloods"] = DueItem("bloods", first.due_at, first.overdue, first.minutes_late, first.minutes_until_due)
    return found


def hlh_flag(hlh: HLHStatus) -> HLHFlag | None:
    """Flag a peak ferritin above the HLH threshold; `positive` when the full screen (Neelapu 2018) holds, as
    `alerts.status` decides it for the pager too."""
    if not hlh.flagged or hlh.peak_ferritin is None:
        return None
    return HLHFlag(hlh.peak_ferritin, hlh.positive, hlh.reasons)


def banner_text(stale: bool, heartbeat_at: datetime | None, now: datetime) -> str:
    """The banner's words when the scheduler is silent, "" when it is alive."""
    if not stale:
        return ""
    if heartbeat_at is None:
        return f"{OFFLINE_TEXT} (no scheduler heartbeat has been recorded)"
    minutes = int((now - heartbeat_at).total_seconds() // 60)
    return f"{OFFLINE_TEXT} (last scheduler heartbeat {duration(minutes)} ago)"


def offline_banner(pulse: Pulse, now: datetime, settings: Settings) -> str:
    """The banner's words for this pulse: alerting offline, and a page that could not be delivered ("" while the
    scheduler's heartbeat is fresh and every page went). The banner is the second channel of a system alert when
    pages go by one channel only (alerts.config.with_system_fallback)."""
    parts = [banner_text(heartbeat_stale(pulse, now, settings), pulse.heartbeat_at, now)]
    if pulse.undelivered:
        count = "A page" if pulse.undelivered == 1 else f"{pulse.undelivered} pages"
        parts.append(f"{count} {UNDELIVERED_TEXT}")
    return " · ".join(part for part in parts if part)


@dataclass(frozen=True)
class PulseCheck:
    """What the one cheap statement of a refresh found: the pulse, the banner's words, and whether the ward
    changed since the version the page holds."""

    pulse: Pulse
    banner: str
    changed: bool


def check_pulse(
    session: Session, now: datetime, settings: Settings, known_version: int | None, shown_banner: str | None
) -> PulseCheck | None:
    """None when neither the ward nor the banner changed (one statement, and nothing else to do)."""
    pulse = poll(session, settings)
    text = offline_banner(pulse, now, settings)
    changed = pulse.version != known_version
    if not changed and text == (shown_banner or ""):
        return None
    return PulseCheck(pulse, text, changed)


@dataclass(frozen=True)
class Refresh:
    """What a refresh tick changes: the banner, and the board unless the ward is unchanged (None)."""

    banner: str
    board: BoardSnapshot | None


def refresh(
    session: Session,
    now: datetime,
    settings: Settings,
    known_version: int | None,
    shown_banner: str | None,
    boards: VersionCache[BoardSnapshot] | None = None,
) -> Refresh | None:
    """None when nothing changed (one cheap statement); otherwise the new banner and, if the ward changed,
    the board: from ``boards`` when another screen read this ward at this version moments ago."""
    check = check_pulse(session, now, settings, known_version, shown_banner)
    if check is None:
        return None
    if not check.changed:
        return Refresh(check.banner, None)
    board = board_at(session, now, settings, check.pulse.version, boards, check.pulse)
    return Refresh(check.banner, board)


def board_key(settings: Settings, version: int) -> Hashable:
    """What a board read is cached under: the ward and beds shown, and the ward's change counter."""
    return (settings.board_ward, settings.board_beds, version)


def board_at(
    session: Session,
    now: datetime,
    settings: Settings,
    version: int,
    boards: VersionCache[BoardSnapshot] | None = None,
    pulse: Pulse | None = None,
) -> BoardSnapshot:
    """The board once a tick saw the change counter move to ``version``: from ``boards`` when a screen read this
    ward at this version moments ago (no statement), otherwise read (the board, and the pulse unless the caller
    polled it: ``pulse``). Without ``pulse`` the board's own is the one it was read at, which may be newer than
    ``version``; with it, the caller's."""
    board = boards.get(board_key(settings, version), now) if boards is not None else None
    if board is not None:
        return board if pulse is None else dataclasses.replace(board, pulse=pulse)
    board = load_board(session, now, settings, pulse)
    if boards is not None:
        boards.put(board_key(settings, board.pulse.version), now, board)
    return board


def load_board(session: Session, now: datetime, settings: Settings, pulse: Pulse | None = None) -> BoardSnapshot:
    """Every active bed in bed order, with grades, last values, what is due and open alerts. Grades, what is due
    and the HLH flag are `alerts.status`'s decisions over the same snapshot the sweep reads."""
    with cycle_collection_paused():
        return _load_board(session, now, settings, pulse)


def _load_board(session: Session, now: datetime, settings: Settings, pulse: Pulse | None) -> BoardSnapshot:
    pulse = pulse or poll(session, settings)
    rules = status_rules(settings)
    patients = sorted(queries.active_patients(session, now, settings.board_ward), key=bed_sort_key)
    ids = [p.id for p in patients]
    snapshot = {p.id: p for p in load_snapshot(session, now, ids, window=rules.window, with_alerts=False).patients}
    obs = queries.latest_per_patient(session, Observation, ids)
    neuro = queries.latest_per_patient(session, NeuroAssessment, ids)
    alerts = queries.unresolved_alerts(session, ids)
    tz = settings.ward_timezone
    beds = []
    for p in patients:
        status = patient_status(snapshot[p.id], now, rules)
        crs_at, icans_at = status.crs.source, status.icans.source
        beds.append(
            BedSnapshot(
                patient_id=p.id,
                ward=p.ward,
                bed=p.bed,
                name=p.name,
                product=p.product,
                infused_at=p.infused_at,
                crs=grade_view(status.crs, clock(crs_at.at, tz) if crs_at else ""),
                icans=grade_view(status.icans, clock(icans_at.at, tz) if icans_at else ""),
                obs=obs.get(p.id),
                neuro=neuro.get(p.id),
                due=due_summary(status.due),
                alerts=summarise_alerts(alerts.get(p.id, [])),
                hlh=hlh_flag(status.hlh),
                neutropenia=status.neutropenia,
                tocilizumab_given=sum(1 for dose in snapshot[p.id].tocilizumab if dose.at <= now),
                trial=p.trial,
                interventions_open=tuple(item.words for item in status.interventions if item.open),
            )
        )
    occupied = {p.bed for p in patients}
    empty = tuple(sorted((b for b in bed_labels(settings.board_beds) if b not in occupied), key=bed_number_key))
    return BoardSnapshot(now=now, pulse=pulse, beds=beds, grace=rules.policy.grace, empty_beds=empty)


@dataclass(frozen=True)
class BoardSummary:
    """The line above the cards: beds, open critical and urgent alerts, overdue items."""

    occupied: int
    empty: int
    critical: int
    urgent: int
    overdue: int


def overdue_count(bed: BedSnapshot, now: datetime, grace: timedelta) -> int:
    """Items past their due time and grace at `now` (the rule of `toxicity.due_items`, as the countdowns show it)."""
    return sum(1 for item in bed.due.values() if now > item.due_at + grace)


def board_summary(board: BoardSnapshot, now: datetime | None = None) -> BoardSummary:
    when = now or board.now
    severities = [s for bed in board.beds for s in bed.alerts.severities]
    return BoardSummary(
        occupied=len(board.beds),
        empty=len(board.empty_beds),
        critical=severities.count("critical"),
        urgent=severities.count("urgent"),
        overdue=sum(overdue_count(bed, when, board.grace) for bed in board.beds),
    )
