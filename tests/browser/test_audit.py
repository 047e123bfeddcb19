"""The audit trail page in a real browser, as an admin."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.support.ui import Select, WebDriverWait

from dashboard.app import create_app
from data.audit import Actor
from data.auth import create_user
from data.db import make_engine, make_session_factory
from data.settings import Settings
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

ADMIN = "ward.admin"
ADMIN_PASSWORD = "admin-browser-password"


def _add_admin(database: str) -> None:
    engine = make_engine(database)
    with make_session_factory(engine).begin() as session:
        create_user(session, ADMIN, ADMIN_PASSWORD, "admin", Actor("browser-tests", source="system"), datetime.now(UTC))
    engine.dispose()


def _actors(dash_duo: Any) -> set[str]:
    """The actors of the rows on screen; empty while the grid is re-rendering them."""
    try:
        cells = dash_duo.find_elements("#audit-grid .ag-center-cols-container .ag-row [col-id='actor']")
        return {cell.text for cell in cells}
    except StaleElementReferenceException:
        return set()


def _wait_for_actors(dash_duo: Any, expected: Callable[[set[str]], bool]) -> None:
    WebDriverWait(dash_duo.driver, 10).until(lambda _d: expected(_actors(dash_duo)))


def test_audit001_admin_filters_the_audit_trail(dash_duo: Any, database: str) -> None:
    _add_admin(database)
    dash_duo.start_server(create_app(Settings(database_url=database)), navigate=False)
    log_in(dash_duo, ADMIN, ADMIN_PASSWORD)
    dash_duo.wait_for_contains_text("#app-user", f"{ADMIN} · admin")
    dash_duo.find_element("#app-nav a[href='/audit']").click()
    _wait_for_actors(dash_duo, lambda actors: {ADMIN, "browser-tests", "demo-seed"} <= actors)
    dash_duo.find_element("#audit-actor").send_keys("browser-tests")
    dash_duo.find_element("#audit-apply").click()
    dash_duo.wait_for_text_to_equal("#audit-status", "3 events, newest first.")  # the three users it made
    _wait_for_actors(dash_duo, lambda actors: actors == {"browser-tests"})
    assert "create" in dash_duo.find_element("#audit-grid").text
    dash_duo.find_element("#app-logout").click()  # a plain link: the server ends the session
    WebDriverWait(dash_duo.driver, 10).until(lambda d: "/login" in d.current_url)
    assert dash_duo.get_logs() == []


def test_audit002_admin_picks_reads_from_the_action_list_and_sees_patients_by_bed(dash_duo: Any, database: str) -> None:
    _add_admin(database)
    dash_duo.start_server(create_app(Settings(database_url=database)), navigate=False)
    log_in(dash_duo, ADMIN, ADMIN_PASSWORD)
    root = dash_duo.server.url.rstrip("/")
    dash_duo.driver.get(f"{root}/patient/1")  # opening a patient is a read in the trail
    dash_duo.wait_for_contains_text("#patient-header h1", "Bed", timeout=10)
    bed, name = (part.strip() for part in dash_duo.find_element("#patient-header h1").text.split("·", 1))
    dash_duo.driver.get(f"{root}/audit")
    _wait_for_actors(dash_duo, lambda actors: ADMIN in actors)
    Select(dash_duo.find_element("#audit-action")).select_by_value("read")
    dash_duo.find_element("#audit-apply").click()
    dash_duo.wait_for_text_to_equal("#audit-status", "1 event, newest first.")
    _wait_for_actors(dash_duo, lambda actors: actors == {ADMIN})
    patient = dash_duo.find_element("#audit-grid .ag-center-cols-container .ag-row [col-id='patient']").text
    assert patient.startswith(f"{bed} · {name}")
    details = dash_duo.find_element("#audit-grid .ag-center-cols-container .ag-row [col-id='details']").text
    assert "patient page" in details
    assert dash_duo.get_logs() == []
