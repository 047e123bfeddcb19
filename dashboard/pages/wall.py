"""Wall screen (`/wall`): every bed readable from 3 m, ordered by acuity, a clock, and a full-screen "not
updating" state when the session or the server is gone. Kiosk displays open it with a display token (`/kiosk`)."""

from __future__ import annotations

import dash

from dashboard.views.wall_page import wall_layout

dash.register_page(__name__, path="/wall", title="cartwatch — wall")


def layout(**_query: str) -> object:
    return wall_layout()
