"""The frame around every page: navigation (left out on the wall screen) and the alerting-offline banner."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dash_bootstrap_components as dbc
from dash import html
from flask_login import current_user

from dashboard import ids
from dashboard.auth import permitted

NAV_LINKS: tuple[tuple[str, str], ...] = (
    ("Bay", "/"),
    ("Alerts", "/alerts"),
    ("Beds", "/beds"),
    ("Handover", "/handover"),
    ("Wall screen", "/wall"),
)
ADMIN_LINKS: tuple[tuple[str, str], ...] = (("Audit", "/audit"),)


@dataclass(frozen=True)
class SignedIn:
    """Who the navigation bar is drawn for."""

    username: str
    role: str
    admin: bool

    @property
    def label(self) -> str:
        return f"{self.username} · {self.role.replace('_', ' ')}"


def signed_in() -> SignedIn | None:
    """The person of this request; None outside a request or before log-in."""
    user = current_user
    if not getattr(user, "is_authenticated", False):
        return None
    return SignedIn(user.username, user.role, permitted("admin"))


def is_wall(value: str | None) -> bool:
    return value is not None and value.strip().lower() in ("1", "true", "yes", "on")


def _link(label: str, href: str, active: str) -> dbc.NavItem:
    return dbc.NavItem(dbc.NavLink(label, href=href, active=href == active, external_link=href == "/wall"))


def navigation(active: str, user: SignedIn | None = None) -> dbc.Navbar:
    """The page links (the admin pages only for an admin), and who is signed in with a way to log out."""
    pages = NAV_LINKS + (ADMIN_LINKS if user is not None and user.admin else ())
    parts: list[Any] = [
        dbc.NavbarBrand("cartwatch", href="/"),
        dbc.Nav([_link(label, href, active) for label, href in pages], navbar=True),
    ]
    if user is not None:
        parts.append(
            dbc.Nav(
                [
                    html.Span(user.label, id=ids.APP_USER, className="navbar-text me-2"),
                    # A plain link: the Dash router must not swallow it, the server ends the session.
                    dbc.NavItem(dbc.NavLink("Log out", href="/logout", id=ids.APP_LOGOUT, external_link=True)),
                ],
                navbar=True,
                class_name="ms-auto align-items-center",
            )
        )
    return dbc.Navbar(
        dbc.Container(parts, fluid=True),
        id=ids.APP_NAV,
        color="dark",
        dark=True,
        class_name="mb-3",
    )


def heartbeat_banner(banner_id: str, text: str) -> dbc.Alert:
    return dbc.Alert(text, id=banner_id, color="danger", is_open=bool(text), class_name="offline-banner")


def frame(
    children: list[Any],
    *,
    root_id: str,
    active: str,
    wall: bool = False,
    style: dict[str, str] | None = None,
    user: SignedIn | None = None,
) -> html.Div:
    """A page: navigation and a fluid container; the wall screen gets neither navigation nor margins.

    The navigation is drawn for `user`, by default the person signed in to this request."""
    body = dbc.Container(children, fluid=True, class_name="wall" if wall else "desk")
    parts: list[Any] = [body] if wall else [navigation(active, user or signed_in()), body]
    return html.Div(parts, id=root_id, className="wall-root" if wall else "", style=style)
