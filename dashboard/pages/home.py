"""Bay overview (`/`): one card per bed; `/?wall=1` is the wall screen (`/wall`)."""

from __future__ import annotations

from datetime import UTC, datetime

import dash
from dash import dcc, html

from dashboard import ids
from dashboard.context import read_session
from dashboard.views.actor import viewing_settings
from dashboard.views.bay import bed_cards, bed_keys, overdue_summary, summary_text, timers_store, updated_text
from dashboard.views.board import load_board, offline_banner
from dashboard.views.liveness import not_updating_cover
from dashboard.views.shell import frame, heartbeat_banner, is_wall
from dashboard.views.wall_page import wall_layout

dash.register_page(__name__, path="/", title="cartwatch — bay")


def layout(wall: str | None = None, **_query: str) -> html.Div:
    if is_wall(wall):
        return wall_layout()
    settings = viewing_settings()
    now = datetime.now(UTC)
    with read_session() as session:
        board = load_board(session, now, settings)
    tz = settings.ward_timezone
    timers = timers_store(board, tz)
    return frame(
        [
            heartbeat_banner(ids.BAY_BANNER, offline_banner(board.pulse, now, settings)),
            html.Div(
                [
                    html.H1(settings.board_ward or "CAR-T bay", className="bay-title"),
                    html.Span(updated_text(now, tz), id=ids.BAY_UPDATED, className="bay-updated"),
                ],
                className="d-flex justify-content-between align-items-baseline",
            ),
            html.Div(
                [  # the cover hides the summary's counts with the cards: both are the last update's
                    html.P(
                        [
                            html.Span(summary_text(board), id=ids.BAY_SUMMARY),
                            html.Span(overdue_summary(timers, now), id=ids.BAY_SUMMARY_OVERDUE),
                        ],
                        className="bay-summary",
                    ),
                    html.Div(bed_cards(board, tz, timers), id=ids.BAY_CARDS, className="bay-grid"),
                    not_updating_cover(ids.BAY_STALE, ids.BAY_STALE_TEXT, "bay-stale", settings),
                ],
                className="bay-board",
            ),
            dcc.Interval(id=ids.BAY_INTERVAL, interval=settings.board_refresh_seconds * 1000),
            dcc.Store(id=ids.BAY_VERSION, data=board.pulse.version),
            dcc.Store(id=ids.BAY_PULSE),
            dcc.Store(id=ids.BAY_BEDS, data=bed_keys(board)),
            dcc.Store(id=ids.BAY_TIMERS, data=timers),
            dcc.Store(id=ids.BAY_CONFIRMED, data=now.isoformat()),
            dcc.Store(id=ids.BAY_RECEIVED),
            dcc.Store(id=ids.BAY_TZ, data=tz),
        ],
        root_id=ids.BAY_ROOT,
        active="/",
    )
