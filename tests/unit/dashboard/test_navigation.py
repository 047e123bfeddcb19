from typing import Any

from dashboard import ids
from dashboard.views.shell import SignedIn, frame, navigation
from tests.unit.dashboard.factories import walk


def _hrefs(component: Any) -> list[str]:
    return [c.href for c in walk(component) if getattr(c, "href", None)]


def _by_id(component: Any, wanted: str) -> Any:
    return next(c for c in walk(component) if getattr(c, "id", None) == wanted)


NURSE = SignedIn("nurse.jones", "nurse_in_charge", admin=False)
ADMIN = SignedIn("it.admin", "admin", admin=True)


def test_the_audit_link_is_shown_only_to_an_admin() -> None:
    assert "/audit" not in _hrefs(navigation("/", NURSE))
    assert "/audit" in _hrefs(navigation("/", ADMIN))


def test_the_navigation_names_who_is_signed_in_and_offers_log_out() -> None:
    assert _by_id(navigation("/alerts", NURSE), ids.APP_USER).children == "nurse.jones · nurse in charge"
    assert "/logout" in _hrefs(navigation("/alerts", NURSE))


def test_log_out_is_a_plain_link_the_page_router_leaves_to_the_server() -> None:
    link = _by_id(navigation("/", NURSE), ids.APP_LOGOUT)
    assert (link.href, link.external_link, link.children) == ("/logout", True, "Log out")


def test_without_a_signed_in_user_there_is_no_user_or_log_out() -> None:
    nav = frame([], root_id="bay-root", active="/")  # outside a request: nobody is signed in
    assert "/logout" not in _hrefs(nav) and ids.APP_USER not in str(nav.to_plotly_json())


def test_frame_draws_the_navigation_for_the_user_it_is_given() -> None:
    assert "/audit" in _hrefs(frame([], root_id="audit-root", active="/audit", user=ADMIN))
