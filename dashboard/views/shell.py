"""The frame around every page: navigation (left out on the wall screen) and the alerting-offline banner."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from dashboard import ids

NAV_LINKS: tuple[tuple[str, str], ...] = (("Bay", "/"), ("Alerts", "/alerts"), ("Wall screen", "/?wall=1"))


def is_wall(value: str | None) -> bool:
    return value is not None and value.strip().lower() in ("1", "true", "yes", "on")


def navigation(active: str) -> dbc.Navbar:
    links = [
        dbc.NavItem(dbc.NavLink(label, href=href, active=href == active, external_link=href.startswith("/?")))
        for label, href in NAV_LINKS
    ]
    return dbc.Navbar(
        dbc.Container([dbc.NavbarBrand("cartwatch", href="/"), dbc.Nav(links, navbar=True)], fluid=True),
        id=ids.APP_NAV,
        color="dark",
        dark=True,
        class_name="mb-3",
    )


def heartbeat_banner(banner_id: str, text: str) -> dbc.Alert:
    return dbc.Alert(text, id=banner_id, color="danger", is_open=bool(text), class_name="offline-banner")


def frame(
    children: list[Any], *, root_id: str, active: str, wall: bool = False, style: dict[str, str] | None = None
) -> html.Div:
    """A page: navigation and a fluid container; the wall screen gets neither navigation nor margins."""
    body = dbc.Container(children, fluid=True, class_name="wall" if wall else "desk")
    parts: list[Any] = [body] if wall else [navigation(active), body]
    return html.Div(parts, id=root_id, className="wall-root" if wall else "", style=style)
