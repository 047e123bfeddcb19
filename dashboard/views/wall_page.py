"""The wall screen's layout and what its refresh sends back (the page module and `/?wall=1` share them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from dash import dcc, html, no_update

from dashboard import ids
from dashboard.context import app_context, read_session
from dashboard.views.actor import viewing_settings
from dashboard.views.board import load_board, offline_banner, refresh
from dashboard.views.liveness import not_updating_cover
from dashboard.views.shell import heartbeat_banner
from dashboard.views.timefmt import clock
from dashboard.views.wall import RENDER_EVERY, summary_line, updated_line, wall_grid


def wall_layout() -> html.Div:
    settings = viewing_settings()
    now = datetime.now(UTC)
    with read_session() as session:
        board = load_board(session, now, settings)
    tz = settings.ward_timezone
    refresh_ms = settings.board_refresh_seconds * 1000
    grid = wall_grid(board, now, tz)
    return html.Div(
        [
            heartbeat_banner(ids.WALL_BANNER, offline_banner(board.pulse, now, settings)),
            html.Div(
                [
                    html.Div(
                        [
                            html.Span(settings.board_ward or "CAR-T bay", className="wall-title"),
                            html.Span(summary_line(board, now), id=ids.WALL_SUMMARY, className="wall-summary"),
                        ],
                        className="wall-head-left",
                    ),
                    html.Div(
                        [
                            html.Span(grid.label, id=ids.WALL_PAGE_LABEL, className="wall-page-label"),
                            html.Span(updated_line(now, tz), id=ids.WALL_UPDATED, className="wall-updated"),
                            html.Span(clock(now, tz), id=ids.WALL_CLOCK, className="wall-clock"),
                        ],
                        className="wall-head-right",
                    ),
                ],
                className="wall-head",
            ),
            html.Div(grid.pages, id=ids.WALL_GRID, className="wall-pages"),
            not_updating_cover(ids.WALL_STALE, ids.WALL_STALE_TEXT, "wall-stale", settings),
            dcc.Interval(id=ids.WALL_INTERVAL, interval=refresh_ms),
            dcc.Interval(id=ids.WALL_CLOCK_TICK, interval=1000),
            dcc.Interval(id=ids.WALL_PAGE_TICK, interval=settings.wall_page_seconds * 1000),
            dcc.Store(id=ids.WALL_SHOWN, data=grid.shown),
            dcc.Store(id=ids.WALL_TZ, data=tz),
            dcc.Store(id=ids.WALL_VERSION, data=board.pulse.version),
            dcc.Store(id=ids.WALL_RENDERED, data=now.isoformat()),
            dcc.Store(id=ids.WALL_RECEIVED),
        ],
        id=ids.WALL_ROOT,
        className="wall-screen",
    )


# The refresh callback's outputs, in order.
WALL_OUTPUTS: tuple[tuple[str, str], ...] = (
    (ids.WALL_VERSION, "data"),
    (ids.WALL_RENDERED, "data"),
    (ids.WALL_BANNER, "children"),
    (ids.WALL_BANNER, "is_open"),
    (ids.WALL_GRID, "children"),
    (ids.WALL_SUMMARY, "children"),
    (ids.WALL_UPDATED, "children"),
    (ids.WALL_SHOWN, "data"),
    (ids.WALL_PAGE_LABEL, "children"),
)


@dataclass(frozen=True)
class WallTick:
    version: int | None
    rendered_at: str | None
    banner: str | None
    shown: int | None = 0  # the page on screen


def wall_refresh(tick: WallTick, now: datetime) -> tuple[Any, ...] | None:
    """None when nothing is to change (one cheap statement). The tiles are drawn again when the ward changed or
    the last drawing is RENDER_EVERY old (durations and the acuity order move with the clock)."""
    settings = viewing_settings()
    rendered = datetime.fromisoformat(tick.rendered_at) if tick.rendered_at else None
    due_again = rendered is None or now - rendered >= RENDER_EVERY - timedelta(seconds=1)
    with read_session() as session:
        version = None if due_again else tick.version  # an unknown version makes `refresh` read the board
        change = refresh(session, now, settings, version, tick.banner, app_context().boards)
    if change is None:
        return None
    banner = (change.banner, bool(change.banner))
    board = change.board
    if board is None:
        return (tick.version, tick.rendered_at, *banner, no_update, no_update, no_update, no_update, no_update)
    tz = settings.ward_timezone
    grid = wall_grid(board, now, tz, tick.shown)
    return (
        board.pulse.version,
        now.isoformat(),
        *banner,
        grid.pages,
        summary_line(board, now),
        updated_line(now, tz),
        grid.shown,
        grid.label,
    )
