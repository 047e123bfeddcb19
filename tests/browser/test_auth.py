"""Log-in through the page: a wrong password is refused on the page, the right one shows the board; a page the
role may not open says so, however it is reached."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

from dashboard.app import create_app
from data.settings import Settings
from tests.browser.conftest import NURSE_IN_CHARGE, PASSWORD, USERNAME, log_in

pytestmark = pytest.mark.browser


def _submit(dash_duo: Any, root: str, password: str) -> None:
    dash_duo.driver.get(f"{root}/login")
    dash_duo.driver.find_element(By.ID, "username").send_keys(USERNAME)
    dash_duo.driver.find_element(By.ID, "password").send_keys(password)
    dash_duo.driver.find_element(By.ID, "login-submit").click()


def test_auth001_logging_in_through_the_page_shows_the_board(dash_duo: Any, database: str) -> None:
    dash_duo.start_server(create_app(Settings(database_url=database)), navigate=False)
    root = dash_duo.server.url.rstrip("/")
    dash_duo.driver.get(root + "/")
    assert "/login" in dash_duo.driver.current_url  # the board is not shown to a stranger
    _submit(dash_duo, root, "not the password")
    error = WebDriverWait(dash_duo.driver, 10).until(lambda driver: driver.find_element(By.ID, "login-error"))
    assert "not recognised" in error.text
    refused = dash_duo.get_logs()  # the refusal is answered 401, which the browser reports; nothing else
    assert [entry["message"].split(" - ")[-1] for entry in refused] == [
        "Failed to load resource: the server responded with a status of 401 (UNAUTHORIZED)"
    ]
    _submit(dash_duo, root, PASSWORD)
    WebDriverWait(dash_duo.driver, 10).until(lambda driver: "/login" not in driver.current_url)
    dash_duo.server_url = root
    dash_duo.wait_for_text_to_equal("h1.bay-title", "CAR-T bay", timeout=10)
    assert "Demo Bravo" in dash_duo.find_element("body").text
    assert dash_duo.get_logs() == []


def test_auth002_back_after_logging_out_shows_no_patient(dash_duo: Any, database: str) -> None:
    dash_duo.start_server(create_app(Settings(database_url=database)), navigate=False)
    root = dash_duo.server.url.rstrip("/")
    log_in(dash_duo)
    dash_duo.driver.get(f"{root}/patient/1")
    dash_duo.wait_for_contains_text("#patient-header h1", "Bed", timeout=10)
    name = dash_duo.find_element("#patient-header h1").text.split("·", 1)[1].strip()
    dash_duo.find_element("#app-logout").click()
    WebDriverWait(dash_duo.driver, 10).until(lambda driver: "/login" in driver.current_url)
    dash_duo.driver.back()
    # Nothing was kept: the browser asks the server again, which sends it to the log-in page.
    WebDriverWait(dash_duo.driver, 10).until(lambda driver: "/login" in driver.current_url)
    WebDriverWait(dash_duo.driver, 10).until(lambda driver: driver.find_elements(By.ID, "login-submit"))
    assert name not in dash_duo.driver.find_element(By.TAG_NAME, "body").text


# What a link inside the app does (dcc.Link, a navigation link): the address changes, the page router draws.
IN_APP_LINK = """
window.history.pushState({}, '', arguments[0]);
window.dispatchEvent(new CustomEvent('_dashprivate_pushstate'));
"""


def test_auth003_a_link_inside_the_app_to_a_page_the_role_may_not_open_says_so(dash_duo: Any, database: str) -> None:
    dash_duo.start_server(create_app(Settings(database_url=database)), navigate=False)
    log_in(dash_duo, NURSE_IN_CHARGE)
    dash_duo.wait_for_text_to_equal("h1.bay-title", "CAR-T bay", timeout=10)
    dash_duo.driver.execute_script(IN_APP_LINK, "/audit")
    dash_duo.wait_for_text_to_equal(
        "#page-refused", "The audit trail is for administrators; your role (nurse in charge) cannot open it."
    )
    assert dash_duo.find_elements("#app-nav")  # inside the app: its navigation stays
    dash_duo.find_element("#page-refused-root").find_element(By.LINK_TEXT, "Back to the bay").click()
    dash_duo.wait_for_text_to_equal("h1.bay-title", "CAR-T bay", timeout=10)
    assert dash_duo.get_logs() == []
