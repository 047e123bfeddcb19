"""Bay overview (`/`)."""

from __future__ import annotations

from datetime import UTC, datetime

import dash
from dash import html

from dashboard.context import read_session
from data.queries import active_patients

dash.register_page(__name__, path="/", title="cartwatch — bay")


def layout(**_query: str) -> html.Div:
    now = datetime.now(UTC)
    with read_session() as session:
        patients = active_patients(session, now)
        rows = [html.Li(f"Bed {p.bed}: {p.name} ({p.product})") for p in patients]
    return html.Div([html.H1("CAR-T bay"), html.Ul(rows, id="home-beds")])
