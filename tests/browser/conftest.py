"""Browser tests: the demo ward seeded into a SQLite file, the app served by dash_duo, headless Chromium."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from dash import Dash
from dash.testing.application_runners import BaseDashRunner
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

from dashboard.app import create_app
from data.audit import Actor
from data.auth import create_user
from data.db import make_engine, make_session_factory
from data.demo import seed_demo_ward
from data.migrate import upgrade
from data.models import SchedulerHeartbeat
from data.settings import Settings

# dash serves each test's app on the next port from 58050; workers running side by side (pytest-xdist) each take
# ports of their own.
BaseDashRunner._next_port = 58050 + 500 * int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))

USERNAME = "doctor"
NURSE_IN_CHARGE = "nic"
PASSWORD = "browser-test-password"


def pytest_setup_options() -> Options:
    """Chromium without a display, as root in a container (dash adds --no-sandbox and --disable-gpu)."""
    options = Options()
    for argument in (
        "--headless=new",
        "--window-size=1400,1000",
        "--disable-background-networking",
        "--disable-extensions",
        "--disable-component-update",
    ):
        options.add_argument(argument)
    return options  # pluggy collects the hooks' results in a list; dash takes the first


@pytest.fixture(scope="module")
def seeded_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo ward, seeded once per module; tests that write get their own copy (see `database`)."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    now = datetime.now(UTC)
    with make_session_factory(engine).begin() as session:
        seed_demo_ward(session, now)
        session.add(SchedulerHeartbeat(instance="browser-tests", beat_at=now))
        create_user(session, USERNAME, PASSWORD, "doctor", Actor("browser-tests", source="system"), now)
        create_user(session, NURSE_IN_CHARGE, PASSWORD, "nurse_in_charge", Actor("browser-tests", source="system"), now)
    engine.dispose()
    return path


@pytest.fixture
def database(seeded_database: Path, tmp_path: Path) -> Iterator[str]:
    copy = tmp_path / "ward.sqlite3"
    shutil.copy(seeded_database, copy)
    yield f"sqlite:///{copy}"


@pytest.fixture
def start_app(dash_duo: Any, database: str) -> Callable[..., Dash]:
    """Start the app on a fresh copy of the demo ward, signed in as `username` (the doctor unless given);
    settings may be overridden per test."""

    def start(username: str = USERNAME, **overrides: Any) -> Dash:
        settings = Settings(database_url=database, board_refresh_seconds=2, **overrides)
        app = create_app(settings)
        dash_duo.start_server(app, navigate=False)
        log_in(dash_duo, username)
        return app

    return start


@pytest.fixture(autouse=True)
def _leave_the_page_before_the_server_stops(dash_duo: Any) -> Iterator[None]:
    """After every browser test, whoever started the server: a refresh still in flight when dash stops the server
    would be killed mid-request, and the request thread's exit reported as an error of a test that passed."""
    yield
    if dash_duo.server.started:
        dash_duo.driver.get("about:blank")
        time.sleep(2)


def log_in(dash_duo: Any, username: str = USERNAME, password: str = PASSWORD) -> None:
    """Log in through the page, as a person would; the log-in page leads to the board."""
    root = dash_duo.server.url.rstrip("/")
    dash_duo.driver.get(f"{root}/login")
    dash_duo.driver.find_element(By.ID, "username").send_keys(username)
    dash_duo.driver.find_element(By.ID, "password").send_keys(password)
    dash_duo.driver.find_element(By.ID, "login-submit").click()
    # The form posts and redirects to the board; wait for that before opening the board ourselves.
    WebDriverWait(dash_duo.driver, 10).until(lambda driver: "/login" not in driver.current_url)
    # Setting server_url opens the board and waits for Dash to render it, which it can only do signed in.
    dash_duo.server_url = root


def beat(database: str, at: datetime | None = None) -> None:
    """Record a scheduler heartbeat now (or at `at`)."""
    engine = make_engine(database)
    with make_session_factory(engine).begin() as session:
        session.add(SchedulerHeartbeat(instance="browser-tests", beat_at=at or datetime.now(UTC)))
    engine.dispose()
