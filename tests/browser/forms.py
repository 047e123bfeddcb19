"""Driving the patient page's recording forms as a nurse would: tabs, inputs, selects, radio buttons, ticks."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.config import load_config
from alerts.sweep import run_sweep
from dashboard.views.forms import ICE_ITEMS, NO_ICE_ITEM
from data.db import make_engine, make_session_factory
from data.models import Patient
from data.settings import Settings

# React keeps an input's value in its own state: set it through the native setter and tell React it changed.
SET_VALUE = """
const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
setter.call(arguments[0], arguments[1]);
arguments[0].dispatchEvent(new Event('input', {bubbles: true}));
"""


def css_id(component_id: dict[str, str]) -> str:
    """A CSS selector for a pattern-matching id (Dash writes the dict as JSON with sorted keys)."""
    return "[id='" + json.dumps(component_id, separators=(",", ":"), sort_keys=True) + "']"


def by_id(dash_duo: Any, component_id: dict[str, str]) -> Any:
    return dash_duo.driver.find_element(By.CSS_SELECTOR, css_id(component_id))


def field_id(form: str, name: str) -> dict[str, str]:
    return {"form": form, "name": name, "type": "patient-field"}


def feedback(form: str, name: str) -> str:
    return css_id({"form": form, "name": name, "type": "patient-feedback"})


def prefill_mark(form: str, name: str) -> str:
    return css_id({"form": form, "name": name, "type": "patient-prefill"})


def status(form: str) -> str:
    return css_id({"form": form, "type": "patient-save-status"})


def preview(form: str) -> str:
    return css_id({"form": form, "type": "patient-preview"})


def click(dash_duo: Any, element: Any) -> None:
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element)
    element.click()


def open_patient(dash_duo: Any, patient_id: int) -> None:
    dash_duo.driver.get(f"{dash_duo.server_url}/patient/{patient_id}")
    # The chart is the page's slowest part; under a loaded CI machine it can take well over 10 s.
    dash_duo.wait_for_element("#patient-graph .js-plotly-plot", timeout=30)


def open_tab(dash_duo: Any, title: str) -> None:
    click(dash_duo, next(t for t in dash_duo.find_elements(".nav-tabs .nav-link") if t.text == title))


def type_into(dash_duo: Any, form: str, name: str, text: str) -> None:
    by_id(dash_duo, field_id(form, name)).send_keys(text)


def set_value(dash_duo: Any, form: str, name: str, value: str) -> None:
    """Set an input whose browser widget is awkward to type into (datetime-local) and fire its input event."""
    dash_duo.driver.execute_script(SET_VALUE, by_id(dash_duo, field_id(form, name)), value)


def choose(dash_duo: Any, form: str, name: str, value: str) -> None:
    """Pick an option of a select."""
    element = by_id(dash_duo, field_id(form, name))
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element)
    Select(element).select_by_value(value)


def tick(dash_duo: Any, form: str, name: str, value: str) -> None:
    """Click the radio button or checkbox with `value` (yes/no answers, ticked findings)."""
    group = by_id(dash_duo, field_id(form, name))
    click(dash_duo, group.find_element(By.CSS_SELECTOR, f"input[value='{value}']"))


def tick_every_ice_item(dash_duo: Any, form: str = "neuro-assessments") -> None:
    """An ICE of 10/10: every item the patient got right ticked."""
    for item in ICE_ITEMS:
        if item != NO_ICE_ITEM:
            tick(dash_duo, form, "ice", item)


def selected_options(dash_duo: Any, form: str, name: str) -> list[str]:
    group = by_id(dash_duo, field_id(form, name))
    return [box.get_attribute("value") for box in group.find_elements(By.CSS_SELECTOR, "input") if box.is_selected()]


def save(dash_duo: Any, form: str) -> None:
    click(dash_duo, by_id(dash_duo, {"form": form, "type": "patient-save"}))


def read(database: str, query: Callable[[Session], Any]) -> Any:
    engine = make_engine(database)
    with make_session_factory(engine)() as session:
        found = query(session)
    engine.dispose()
    return found


def patient_id(database: str, bed: str) -> int:
    found: int | None = read(database, lambda s: s.scalar(select(Patient.id).where(Patient.bed == bed)))
    assert found is not None
    return found


def sweep(database: str, now: datetime | None = None) -> None:
    """One run of the scheduler's sweep over the ward, as the scheduler process would do it."""
    engine = make_engine(database)
    run_sweep(make_session_factory(engine), load_config(Settings(database_url=database)), now or datetime.now(UTC))
    engine.dispose()
