"""Take the README's screenshots (docs/board.png, docs/trajectory.png) from headless Chromium.

    uv run python docs/screenshots.py

Seeds the demo ward into a temporary SQLite file, serves the app on a loopback port in a thread, and
photographs the bay overview and bed 3's trajectory.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dashboard.app import create_app  # noqa: E402
from data.audit import Actor  # noqa: E402
from data.auth import create_user  # noqa: E402
from data.db import make_engine, make_session_factory  # noqa: E402
from data.demo import seed_demo_ward  # noqa: E402
from data.migrate import upgrade  # noqa: E402
from data.models import Alert, Patient, SchedulerHeartbeat  # noqa: E402
from data.settings import Settings  # noqa: E402

PASSWORD = "screenshot-password"


def seed(url: str) -> int:
    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    with make_session_factory(engine).begin() as session:
        seed_demo_ward(session, now)
        session.add(SchedulerHeartbeat(instance="screenshots", beat_at=now))
        create_user(session, "doctor", PASSWORD, "doctor", Actor("screenshots", source="system"), now)
        bed7 = session.scalars(select(Patient).where(Patient.bed == "7")).one()
        session.add(
            Alert(
                dedupe_key="screenshots:crs-overdue",
                reference="SHOT0001",
                patient_id=bed7.id,
                kind="crs_overdue",
                severity="urgent",
                message="CRS assessment overdue",
                raised_at=now - timedelta(minutes=30),
                details={"ward": bed7.ward, "bed": bed7.bed},
            )
        )
        bed3 = session.scalars(select(Patient).where(Patient.bed == "3")).one().id
    engine.dispose()
    return bed3


def shoot(driver: webdriver.Chrome, url: str, ready: str, path: Path, height: int) -> None:
    driver.set_window_size(1500, height)
    driver.get(url)
    WebDriverWait(driver, 30).until(lambda d: d.find_elements("css selector", ready))
    time.sleep(1.5)  # let Plotly finish drawing
    driver.save_screenshot(str(path))
    print(f"saved {path.relative_to(ROOT)}")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/demo.sqlite3"
        bed3 = seed(url)
        app = create_app(Settings(database_url=url))
        server = make_server("127.0.0.1", 0, app.server, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        options = webdriver.ChromeOptions()
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
            options.add_argument(argument)
        driver = webdriver.Chrome(options=options)
        try:
            driver.get(f"{base}/login")
            driver.find_element("id", "username").send_keys("doctor")
            driver.find_element("id", "password").send_keys(PASSWORD)
            driver.find_element("id", "login-submit").click()
            WebDriverWait(driver, 30).until(lambda d: "/login" not in d.current_url)
            shoot(driver, f"{base}/", ".bay-card", ROOT / "docs" / "board.png", 1000)
            shoot(
                driver,
                f"{base}/patient/{bed3}",
                "#patient-graph .js-plotly-plot",
                ROOT / "docs" / "trajectory.png",
                1300,
            )
        finally:
            driver.quit()
            server.shutdown()


if __name__ == "__main__":
    main()
