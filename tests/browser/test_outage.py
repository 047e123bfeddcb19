"""A database outage in a real browser: the demo ward on a private PostgreSQL that the test stops and starts."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import func, select

from dashboard.app import create_app
from data.audit import Actor
from data.auth import create_user
from data.db import make_engine, make_session_factory
from data.demo import seed_demo_ward
from data.models import Observation, Patient, SchedulerHeartbeat
from data.settings import Settings
from tests.browser.conftest import PASSWORD, USERNAME, log_in
from tests.private_postgres import PrivatePostgres

pytestmark = pytest.mark.browser

NOT_SAVING = "database unavailable — not saving"


@pytest.fixture
def ward_on_postgres(private_database: str) -> str:
    engine = make_engine(private_database)
    now = datetime.now(UTC)
    with make_session_factory(engine).begin() as session:
        seed_demo_ward(session, now)
        session.add(SchedulerHeartbeat(instance="browser-tests", beat_at=now))
        create_user(session, USERNAME, PASSWORD, "doctor", Actor("browser-tests", source="system"), now)
    engine.dispose()
    return private_database


def _read(database: str, query: Callable[[Any], Any]) -> Any:
    engine = make_engine(database)
    with make_session_factory(engine)() as session:
        found = query(session)
    engine.dispose()
    return found


def _banner(dash_duo: Any) -> str:
    script = "return Array.from(document.querySelectorAll('#bay-banner')).map(e => e.innerText).join(' ');"
    text: str = dash_duo.driver.execute_script(script)
    return text


def _by_id(dash_duo: Any, component_id: dict[str, str]) -> Any:
    selector = json.dumps(component_id, separators=(",", ":"), sort_keys=True)
    return dash_duo.driver.find_element(By.XPATH, f"//*[@id='{selector}']")


def _save_obs(dash_duo: Any) -> None:
    button = _by_id(dash_duo, {"form": "observations", "type": "patient-save"})
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", button)
    button.click()


def test_outage001_the_board_and_a_form_say_database_unavailable_and_recover(
    dash_duo: Any, ward_on_postgres: str, private_postgres: PrivatePostgres
) -> None:
    app = create_app(Settings(database_url=ward_on_postgres, board_refresh_seconds=2))
    dash_duo.start_server(app, navigate=False)
    log_in(dash_duo)
    dash_duo.wait_for_contains_text(".bay-grid", "Demo Golf")
    assert _banner(dash_duo) == ""

    private_postgres.stop()
    dash_duo.wait_for_contains_text("#bay-banner", NOT_SAVING)
    assert len(dash_duo.find_elements(".bay-card")) == 7  # the cards of the last update stay, covered:
    dash_duo.wait_for_contains_text("#bay-stale", "the server answered 503: database unavailable", timeout=20)
    assert "NOT UPDATING" in dash_duo.find_element("#bay-stale").text
    assert NOT_SAVING in _banner(dash_duo)  # the banner above the cover says it too

    private_postgres.start()
    dash_duo._wait_for(lambda _driver: _banner(dash_duo) == "", 15, "the banner to close when the database is back")
    dash_duo._wait_for(
        lambda _driver: "d-none" in (dash_duo.find_element("#bay-stale").get_attribute("class") or ""),
        20,
        "the cover to clear when the database is back",
    )
    heard = [log["message"] for log in dash_duo.get_logs()]  # the only errors: the check's question, answered 503
    assert all("/api/v1/me - Failed to load resource" in message and "503" in message for message in heard), heard

    pid = _read(ward_on_postgres, lambda s: s.scalar(select(Patient.id).where(Patient.bed == "2")))

    def count(session: Any) -> int:
        return session.scalar(select(func.count(Observation.id)).where(Observation.patient_id == pid)) or 0

    before = _read(ward_on_postgres, count)
    dash_duo.driver.get(f"{dash_duo.server_url}/patient/{pid}")
    dash_duo.wait_for_element("#patient-graph .js-plotly-plot")
    _by_id(dash_duo, {"form": "observations", "name": "temperature_c", "type": "patient-field"}).send_keys("38.7")
    status = f"[id='{json.dumps({'form': 'observations', 'type': 'patient-save-status'}, separators=(',', ':'))}']"

    private_postgres.stop()
    _save_obs(dash_duo)
    dash_duo.wait_for_contains_text(status, NOT_SAVING)
    assert "Nothing was saved" in dash_duo.find_element(status).text

    private_postgres.start()
    assert _read(ward_on_postgres, count) == before
    _save_obs(dash_duo)  # what was typed is still there: save again
    dash_duo.wait_for_contains_text(status, "Obs saved")
    assert _read(ward_on_postgres, count) == before + 1
    assert dash_duo.get_logs() == []
