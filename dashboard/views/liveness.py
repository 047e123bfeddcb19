"""A board that never looks live when it is not: the "NOT UPDATING" cover the wall screen and the bay share.

The check runs in the browser (`assets/alive.js`, `cartwatchAlive.check`), because the server may be gone: each
refresh it asks `/api/v1/me` who is signed in, and covers the beds when there is no answer within one refresh, an
error, a 401 or a redirect to the log-in page (the session or display token ended), or when the last update the
page received is older than `stale_after_ms`. The server's part is to send an update at least every
`UPDATE_EVERY` while all is well: the wall draws itself again; the bay's tick confirms, every `CONFIRM_EVERY`,
that the page holds the ward's current state (most ticks answer "nothing changed" with no body, which the browser
cannot see).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dash import html

from data.settings import Settings

# The server sends a board an update at least this often while it is up; the page declares itself "not
# updating" when its last update is older than this plus two refreshes.
UPDATE_EVERY = timedelta(seconds=60)
# The bay's tick confirms a quiet ward twice as often: a confirmation costs a few bytes, and a tick slowed by a
# busy server then never lets a page that is up look stale.
CONFIRM_EVERY = UPDATE_EVERY / 2
NOT_UPDATING = "NOT UPDATING"
AT_THE_BEDSIDE = "Check patients at the bedside and escalate by phone."
HIDDEN = "d-none"


def stale_after_ms(settings: Settings) -> int:
    """How old the last update may be before the page says it is not updating (the server sends one at least
    every UPDATE_EVERY; two refreshes' slack for the request in flight and the check's own timing)."""
    return int((UPDATE_EVERY.total_seconds() + 2 * settings.board_refresh_seconds) * 1000)


def confirm_due(confirmed_at: str | None, now: datetime) -> bool:
    """Whether the page's last confirmation (ISO time, the server's clock) is due again (a second early, so a
    tick that falls on the minute is not one refresh late)."""
    if not confirmed_at:
        return True
    try:
        confirmed = datetime.fromisoformat(confirmed_at)
    except ValueError:  # not a time the server sent: confirm, and so replace it
        return True
    if confirmed.tzinfo is None:
        return True
    return now - confirmed >= CONFIRM_EVERY - timedelta(seconds=1)


def not_updating_cover(cover_id: str, text_id: str, css: str, settings: Settings) -> html.Div:
    """The cover, hidden until the browser's check finds the page not updating. `css` names its classes
    (`wall-stale`: the whole screen; `bay-stale`: over the bed cards); the check reads its limits from it."""
    return html.Div(
        html.Div(
            [
                html.Div(NOT_UPDATING, className=f"{css}-title"),
                html.Div("", id=text_id, className=f"{css}-text"),
                html.Div(AT_THE_BEDSIDE, className=f"{css}-text"),
            ],
            className=f"{css}-box",
        ),
        id=cover_id,
        className=f"{css} {HIDDEN}",
        role="alert",
        **_data(stale_after=stale_after_ms(settings), timeout=settings.board_refresh_seconds * 1000),
    )


def _data(**values: int) -> Any:
    """`data-*` attributes for the browser's check (assets/alive.js)."""
    return {f"data-{name.replace('_', '-')}": str(value) for name, value in values.items()}
