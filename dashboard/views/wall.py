"""The wall screen (`/wall`): every bed of a 24-bed bay on one 1920×1080 screen, readable from 3 m.

Legibility: text subtending 16 arc-minutes at 3 m is 2 × 3000 mm × tan(8′) = 14.0 mm high. The wall is sized in
viewport-height units, so a glyph's physical height depends only on the screen's height. On the smallest screen
that plausibly hangs on a ward wall, a 23-24" 1920×1080 panel (0.265 mm a pixel, the CSS reference pixel of
1/96 in), 14 mm is 53 px: the primary line of a tile (bed, initials, CRS and ICANS grade) and the clock are set at
7 vh (75.6 px at 1080 lines), a cap height of 54-55 px in Arial (0.716 em) or DejaVu Sans (0.729 em). The two
detail lines (day and alert; what is late or due next) are 2.8 vh (30 px, cap ≈ 22 px): 16′ at 3 m on a 55"
screen (0.63 mm a pixel), 16′ at 1.5 m on a 24" one: they are for a closer look. Four columns by six rows hold
24 beds. A bay with more beds keeps that size and pages: 24 beds a page, the most acute first, the screen turning
to the next page every `CARTWATCH_WALL_PAGE_SECONDS` (20 s) and saying "page 1 of 2" beside the clock.

Order by acuity: beds with a critical alert first, then beds with an overdue item, then an urgent alert, then the
rest; within each, the higher grade first, then bed order. A tile shows the bed and the patient's initials, never
the name. Every decision shown (grades, what is due, alerts) is the board's (`load_board`, over `alerts.status`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from dash import html

from dashboard import ids
from dashboard.views.board import DUE_KINDS, BedSnapshot, BoardSnapshot, bed_number_key, board_summary
from dashboard.views.grades import GradeView
from dashboard.views.liveness import UPDATE_EVERY
from dashboard.views.palette import SEVERITY_CLASSES, grade_class
from dashboard.views.timefmt import clock, countdown, day_label, duration

ACUITY = ("critical", "overdue", "urgent", "")  # rank 0 first
# The server renders the wall again at least this often, so countdowns and "late" durations move; the page
# declares itself "not updating" when its last render is older than this plus two refreshes (views/liveness.py).
RENDER_EVERY = UPDATE_EVERY
BEDS_A_PAGE = 24  # 4 columns × 6 rows at the legible size
PAGE_CLASS = "wall-grid wall-page"


def initials(name: str) -> str:
    """ "Demo Golf" -> "DG": the first letter of each part of the name, at most three (no full name on a wall)."""
    letters = [part[0].upper() for part in name.replace("-", " ").split() if part[:1].isalpha()]
    return "".join(letters[:3]) or "?"


@dataclass(frozen=True)
class Tile:
    patient_id: int
    bed: str
    initials: str
    crs: GradeView
    icans: GradeView
    day: str
    acuity: str  # one of ACUITY
    alert: str  # "critical: seizure", "" with no open alert
    alert_severity: str | None
    due: str  # the most overdue item, or the next one due
    overdue: bool


def _late_items(bed: BedSnapshot, now: datetime, grace: timedelta) -> list[tuple[int, str]]:
    late = []
    for kind, label in DUE_KINDS:
        item = bed.due.get(kind)
        if item is None:
            continue
        shown = countdown(item.due_at, now, grace)
        if shown.overdue:
            late.append((shown.minutes_late, label))
    return sorted(late, reverse=True)


def due_line(bed: BedSnapshot, now: datetime, grace: timedelta) -> tuple[str, bool]:
    """ "CRS 12 h 48 min late" (the most late item, "+1" when more are) or "next: Obs in 25 min"."""
    late = _late_items(bed, now, grace)
    if late:
        minutes, label = late[0]
        more = f" +{len(late) - 1}" if len(late) > 1 else ""
        return f"{label} {duration(minutes)} late{more}", True
    upcoming = [(item.due_at, label) for kind, label in DUE_KINDS if (item := bed.due.get(kind)) is not None]
    if not upcoming:
        return "nothing due", False
    due_at, label = min(upcoming)
    shown = countdown(due_at, now, grace)
    return (f"{label} due now" if shown.state == "grace" else f"next: {label} {shown.text}"), False


def acuity(bed: BedSnapshot, overdue: bool) -> str:
    severities = bed.alerts.severities
    if "critical" in severities:
        return "critical"
    if overdue:
        return "overdue"
    return "urgent" if "urgent" in severities else ""


def tile(bed: BedSnapshot, now: datetime, grace: timedelta, tz: str) -> Tile:
    due, overdue = due_line(bed, now, grace)
    summary = bed.alerts
    alert = "" if summary.highest is None else f"{summary.highest}: {(summary.top_kind or '').replace('_', ' ')}"
    if summary.count > 1:
        alert += f" +{summary.count - 1}"
    return Tile(
        patient_id=bed.patient_id,
        bed=bed.bed,
        initials=initials(bed.name),
        crs=bed.crs,
        icans=bed.icans,
        day=day_label(bed.infused_at, now, tz),
        acuity=acuity(bed, overdue),
        alert=alert,
        alert_severity=summary.highest,
        due=due,
        overdue=overdue,
    )


def acuity_key(t: Tile) -> tuple[int, int, tuple[int, str]]:
    worst = max((g for g in (t.crs.grade, t.icans.grade) if g is not None), default=-1)
    return (ACUITY.index(t.acuity), -worst, bed_number_key(t.bed))


def wall_tiles(board: BoardSnapshot, now: datetime, tz: str) -> list[Tile]:
    return sorted((tile(bed, now, board.grace, tz) for bed in board.beds), key=acuity_key)


def summary_line(board: BoardSnapshot, now: datetime) -> str:
    s = board_summary(board, now)
    empty = f" · {s.empty} empty" if s.empty else ""
    return f"{s.occupied} patients{empty} · {s.critical} critical · {s.urgent} urgent · {s.overdue} overdue"


# --- components ----------------------------------------------------------------------------------------------


def _chip(view: GradeView) -> html.Div:
    grade = "–" if view.grade is None else str(view.grade)
    return html.Div(
        [html.Span(view.syndrome, className="wall-chip-label"), html.Span(grade, className="wall-chip-grade")],
        className=f"wall-chip {grade_class(view.grade)}" + (" provisional" if view.provisional else ""),
        title=f"{view.badge_text}: {view.note}",
    )


def tile_component(t: Tile) -> html.Div:
    alert_class = f"wall-alert {SEVERITY_CLASSES.get(t.alert_severity or '', '')}" if t.alert else "wall-alert"
    return html.Div(
        [
            html.Div(
                [
                    html.Span(t.bed, className="wall-bed"),
                    html.Span(t.initials, className="wall-initials"),
                    _chip(t.crs),
                    _chip(t.icans),
                ],
                className="wall-primary",
            ),
            html.Div(
                [html.Span(t.day, className="wall-day"), html.Span(t.alert, className=alert_class)],
                className="wall-detail",
            ),
            html.Div(t.due, className="wall-detail wall-due" + (" overdue" if t.overdue else "")),
        ],
        id=ids.wall_tile(t.patient_id),
        className=f"wall-tile acuity-{t.acuity or 'routine'}",
    )


def empty_tile(label: str) -> html.Div:
    return html.Div(
        html.Div([html.Span(label, className="wall-bed"), html.Span("empty", className="wall-empty-word")]),
        className="wall-tile wall-empty",
    )


def page_class(index: int, shown: int) -> str:
    return PAGE_CLASS if index == shown else PAGE_CLASS + " d-none"


def page_label(shown: int, pages: int) -> str:
    return f"page {shown + 1} of {pages}" if pages > 1 else ""


@dataclass(frozen=True)
class WallPages:
    pages: list[html.Div]  # each a grid of up to BEDS_A_PAGE tiles; all but the one shown hidden
    shown: int

    @property
    def label(self) -> str:
        return page_label(self.shown, len(self.pages))


def wall_grid(board: BoardSnapshot, now: datetime, tz: str, shown: int | None = 0) -> WallPages:
    """Occupied beds by acuity, then the empty beds, in pages of BEDS_A_PAGE; `shown`: the page on screen (kept
    when the beds are drawn again, the first page if there are fewer pages now)."""
    tiles = [tile_component(t) for t in wall_tiles(board, now, tz)]
    tiles += [empty_tile(label) for label in board.empty_beds]
    chunks = [tiles[start : start + BEDS_A_PAGE] for start in range(0, len(tiles), BEDS_A_PAGE)] or [[]]
    index = shown if shown is not None and 0 <= shown < len(chunks) else 0
    pages = [html.Div(chunk, id=ids.wall_page(n), className=page_class(n, index)) for n, chunk in enumerate(chunks)]
    return WallPages(pages, index)


def updated_line(now: datetime, tz: str) -> str:
    return f"updated {clock(now, tz)}"
