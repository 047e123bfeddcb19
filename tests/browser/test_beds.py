"""Admission, bed move and discharge from the Beds page, empty beds on the board, the discharged patients."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from dash import Dash
from selenium.webdriver.common.by import By

from data.audit import Actor
from data.auth import create_user
from data.db import make_engine, make_session_factory
from tests.browser.conftest import NURSE_IN_CHARGE, log_in
from tests.browser.forms import click

pytestmark = pytest.mark.browser


def _type(dash_duo: Any, name: str, value: str) -> None:
    field = dash_duo.find_element(f"#beds-field-{name} input, #beds-field-{name} select")
    if field.tag_name == "select":
        field.find_element(By.CSS_SELECTOR, f"option[value='{value}']").click()
        return
    field.clear()
    field.send_keys(value)


def _set_datetime(dash_duo: Any, selector: str, value: str) -> None:
    """A datetime-local input takes its value through the page (typing depends on the browser's locale)."""
    dash_duo.driver.execute_script(
        "const el = document.querySelector(arguments[0]);"
        "const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;"
        "set.call(el, arguments[1]); el.dispatchEvent(new Event('input', {bubbles: true}));"
        "el.dispatchEvent(new Event('change', {bubbles: true})); el.dispatchEvent(new Event('blur'));",
        selector,
        value,
    )


def _beds(dash_duo: Any) -> list[str]:
    script = "return Array.from(document.querySelectorAll('.bay-grid .bay-bed')).map(e => e.innerText);"
    beds: list[str] = dash_duo.driver.execute_script(script)
    return beds


def test_beds001_the_nurse_in_charge_admits_moves_and_discharges_from_the_ui_with_empty_beds_on_the_board(
    dash_duo: Any, start_app: Callable[..., Dash]
) -> None:
    start_app(NURSE_IN_CHARGE, board_beds="1-9")  # the nurse-in-charge runs the bay's beds, discharge included
    dash_duo.wait_for_contains_text(".bay-grid", "Demo Golf")
    empty = dash_duo.find_elements(".bay-empty")
    assert [e.find_element(By.CSS_SELECTOR, ".bay-bed").text for e in empty] == ["Bed 8", "Bed 9"]
    assert "empty" in empty[0].text
    assert "7 patients · 2 empty beds" in dash_duo.find_element(".bay-summary").text

    empty[0].find_element(By.LINK_TEXT, "Admit").click()  # the empty bed's link opens the form for that bed
    dash_duo.wait_for_element("#beds-field-bed input")
    assert dash_duo.find_element("#beds-field-bed input").get_attribute("value") == "8"
    for name, value in (
        ("hospital_number", "UI0008"),
        ("name", "Demo Juliet"),
        ("date_of_birth", "1970-01-31"),
        ("weight_kg", "64"),
        ("product", "tisagenlecleucel"),
        ("ward", "Ward 33"),
    ):
        if name == "date_of_birth":
            _set_datetime(dash_duo, "#beds-field-date_of_birth input", value)
        else:
            _type(dash_duo, name, value)
    _type(dash_duo, "sex", "female")
    _set_datetime(dash_duo, "#beds-field-infused_at input", "2030-01-02T09:00")
    click(dash_duo, dash_duo.find_element("#beds-admit"))
    dash_duo.wait_for_contains_text("#beds-admit-status", "Admitted Demo Juliet to Ward 33 bed 8")
    assert "infusion planned Wed 02 Jan 09:00" in dash_duo.find_element("#beds-admit-status").text

    dash_duo.select_dcc_dropdown("#beds-move-patient", value="Bed 8 · Demo Juliet · Ward 33")
    dash_duo.find_element("#beds-move-bed").send_keys("9")
    click(dash_duo, dash_duo.find_element("#beds-move"))
    dash_duo.wait_for_contains_text("#beds-move-status", "Moved Demo Juliet from bed 8 to bed 9")

    dash_duo.select_dcc_dropdown("#beds-discharge-patient", value="Bed 9 · Demo Juliet · Ward 33")
    click(dash_duo, dash_duo.find_element("#beds-discharge"))  # not confirmed yet: nothing happens but a message
    dash_duo.wait_for_contains_text("#beds-discharge-status", "Tick the confirmation")
    click(dash_duo, dash_duo.find_element("#beds-discharge-confirm"))
    click(dash_duo, dash_duo.find_element("#beds-discharge"))
    dash_duo.wait_for_contains_text("#beds-discharge-status", "Discharged Demo Juliet from bed 9")
    dash_duo.wait_for_contains_text("#beds-discharged", "Demo Juliet")
    assert "Demo Hotel" in dash_duo.find_element("#beds-discharged").text  # the demo's discharged bed 8

    dash_duo.driver.get(dash_duo.server_url + "/")
    dash_duo.wait_for_contains_text(".bay-grid", "Demo Golf")
    assert "Demo Juliet" not in dash_duo.find_element(".bay-grid").text
    assert dash_duo.get_logs() == []


def test_beds002_a_refused_admission_names_the_field_and_stores_nothing(
    dash_duo: Any, start_app: Callable[..., Dash]
) -> None:
    start_app()
    dash_duo.driver.get(dash_duo.server_url + "/beds")
    dash_duo.wait_for_element("#beds-admit")
    _type(dash_duo, "hospital_number", "UI0010")
    _type(dash_duo, "name", "Demo Kilo")
    _type(dash_duo, "weight_kg", "900")
    click(dash_duo, dash_duo.find_element("#beds-admit"))
    dash_duo.wait_for_contains_text("#beds-admit-status", "Nothing was stored.")
    status = dash_duo.find_element("#beds-admit-status").text
    assert "Weight (kg):" in status and "2-300" in status
    assert "Date of birth:" in status
    assert dash_duo.get_logs() == []


def test_beds003_a_nurse_sees_the_beds_but_no_admission_move_or_discharge(
    dash_duo: Any, start_app: Callable[..., Dash], database: str
) -> None:
    engine = make_engine(database)
    with make_session_factory(engine).begin() as session:
        create_user(
            session, "nurse.b", "browser-test-password", "nurse", Actor("t", source="system"), datetime.now(UTC)
        )
    engine.dispose()
    start_app()
    dash_duo.driver.get(dash_duo.server_url + "/logout")
    log_in(dash_duo, "nurse.b")
    dash_duo.driver.get(dash_duo.server_url + "/beds")
    dash_duo.wait_for_contains_text("#beds-root", "Discharged patients")
    assert dash_duo.find_elements("#beds-admit") == [] and dash_duo.find_elements("#beds-discharge") == []
    assert "may see the beds but not admit" in dash_duo.find_element("#beds-root").text


def test_beds004_a_display_link_made_on_the_beds_page_opens_the_wall_until_revoked(
    dash_duo: Any, start_app: Callable[..., Dash]
) -> None:
    start_app()
    dash_duo.driver.get(dash_duo.server_url + "/beds")
    dash_duo.wait_for_element("#beds-token-create")
    dash_duo.find_element("#beds-token-ward").send_keys("Ward 33")
    click(dash_duo, dash_duo.find_element("#beds-token-create"))
    dash_duo.wait_for_contains_text("#beds-token-status", "/kiosk?token=")
    link = next(line for line in dash_duo.find_element("#beds-token-status").text.splitlines() if "/kiosk?" in line)
    dash_duo.driver.get(dash_duo.server_url + "/logout")
    dash_duo.driver.get(dash_duo.server_url + link)
    dash_duo.wait_for_contains_text(".wall-grid", "DG")  # no log-in: the display token opened the wall
    assert "Demo Golf" not in dash_duo.find_element(".wall-screen").text
