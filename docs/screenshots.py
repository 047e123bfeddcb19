"""Take the README's screenshots from headless Chromium.

    uv run python docs/screenshots.py [board wall handover trajectory recording]   # default: all of them

Seeds the demo ward into a temporary SQLite file, serves the app on a loopback port in a thread, and
photographs the bay overview (1920×1080, beds 1-10 configured so the empty ones show), the wall screen at
1920×1080 with the bay filled to 24 beds, the handover sheet as printed (print media), bed 3's patient page
with its trajectory, and recording a neuro assessment on that page as a nurse on a tablet (820 px wide).
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
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dashboard.app import create_app  # noqa: E402
from data.audit import Actor  # noqa: E402
from data.auth import create_user  # noqa: E402
from data.catalogue import ANALYTES  # noqa: E402
from data.db import make_engine, make_session_factory  # noqa: E402
from data.demo import seed_demo_ward  # noqa: E402
from data.migrate import upgrade  # noqa: E402
from data.models import Alert, Patient, SchedulerHeartbeat  # noqa: E402
from data.records import create_patient, record  # noqa: E402
from data.settings import Settings  # noqa: E402

PASSWORD = "screenshot-password"
TABLET = (820, 1180)  # a 10.9" tablet held upright, in CSS pixels


A4_PX = (794, 1123)  # 210 × 297 mm at the CSS 96 pixels an inch: the handover sheet as printed
EXTRA_BEDS = range(9, 26)  # with the demo's seven patients: a full 24-bed bay (bed 8 is the demo's discharged one)


def fill_bay(session: Session, now: datetime) -> None:
    """Seventeen more patients, assessed and observed recently, a few with CRS or ICANS, for the wall screen."""
    actor = Actor("screenshots", role="doctor", source="import")
    letters = "ABCDEFGHJKLMNPRST"
    for index, bed in enumerate(EXTRA_BEDS):
        patient = create_patient(
            session,
            {
                "hospital_number": f"SHOT{bed:04d}",
                "name": f"{letters[index]}lex {letters[-index - 1]}ay",
                "date_of_birth": "1962-06-01",
                "sex": "female" if index % 2 else "male",
                "weight_kg": 72.0,
                "product": "axicabtagene ciloleucel",
                "ward": "Ward 33",
                "bed": str(bed),
                "admitted_at": (now - timedelta(days=3 + index % 9)).isoformat(),
                "infused_at": (now - timedelta(days=2 + index % 9)).isoformat(),
            },
            actor,
            now,
        )
        at = (now - timedelta(minutes=40 + 7 * index)).isoformat()
        fever = 38.4 if index % 4 == 1 else 37.0
        record(session, "observations", patient.id, {"taken_at": at, "temperature_c": fever, "spo2": 96}, actor, now)
        crs = {"assessed_at": at, "temperature_c": fever, "hypotension": index % 8 == 5, "oxygen": "room_air"}
        record(session, "crs-assessments", patient.id, crs, actor, now)
        ice = dict.fromkeys(ICE_PARTS, 1) | {"naming": 3 if index % 6 else 1}
        neuro = {
            "assessed_at": at,
            "consciousness": "alert",
            "seizure": "none",
            "deep_focal_motor_weakness": False,
            "icp_findings": [],
            "ice": ice,
        }
        record(session, "neuro-assessments", patient.id, neuro, actor, now)
        for analyte, value, unit in (("ferritin", 900.0 + 100 * index, "ng/mL"), ("crp", 20.0 + index, "mg/L")):
            lab = {"collected_at": at, "analyte": analyte, "value": value, "unit": unit}
            record(session, "labs", patient.id, lab, actor, now)
        counts = (("neutrophils", 0.6 + index / 10), ("white_cells", 1.0 + index / 10))
        for analyte, value in (*ROUTINE_BLOODS, *counts):
            lab = {"collected_at": at, "analyte": analyte, "value": value, "unit": ANALYTES[analyte].unit}
            record(session, "labs", patient.id, lab, actor, now)


# Today's routine panels (with ferritin, CRP and the neutrophils above), so only what the story needs is late.
ROUTINE_BLOODS: tuple[tuple[str, float], ...] = (
    ("haemoglobin", 100.0),
    ("platelets", 80.0),
    ("pt", 12.0),
    ("aptt", 30.0),
    ("fibrinogen", 3.0),
    ("sodium", 138.0),
    ("potassium", 4.1),
    ("urea", 5.0),
    ("creatinine", 80.0),
    ("bilirubin", 10.0),
    ("alt", 30.0),
    ("alp", 90.0),
    ("albumin", 35.0),
    ("calcium", 2.3),
    ("phosphate", 1.0),
)


ICE_PARTS = (
    "orientation_year",
    "orientation_month",
    "orientation_city",
    "orientation_hospital",
    "follows_commands",
    "naming",
    "writing",
    "attention",
)


def seed(url: str, full_bay: bool = False) -> int:
    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    with make_session_factory(engine).begin() as session:
        seed_demo_ward(session, now)
        session.add(SchedulerHeartbeat(instance="screenshots", beat_at=now))
        create_user(session, "doctor", PASSWORD, "doctor", Actor("screenshots", source="system"), now)
        create_user(session, "nurse", PASSWORD, "nurse", Actor("screenshots", source="system"), now)
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
        if full_bay:
            fill_bay(session, now)
    engine.dispose()
    return bed3


def full_hd(driver: webdriver.Chrome, media: str = "screen", size: tuple[int, int] = (1920, 1080)) -> None:
    metrics = {"width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": media})


def shoot(driver: webdriver.Chrome, url: str, ready: str, path: Path, height: int) -> None:
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "screen"})
    driver.set_window_size(1500, height)
    driver.get(url)
    WebDriverWait(driver, 30).until(lambda d: d.find_elements("css selector", ready))
    time.sleep(1.5)  # let Plotly finish drawing
    driver.save_screenshot(str(path))
    print(f"saved {path.relative_to(ROOT)}")


def serve(url: str, **settings: object) -> tuple[object, str]:
    app = create_app(Settings(database_url=url, **settings))  # type: ignore[arg-type]
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def log_in(driver: webdriver.Chrome, base: str, username: str = "doctor") -> None:
    driver.get(f"{base}/login")
    driver.find_element("id", "username").send_keys(username)
    driver.find_element("id", "password").send_keys(PASSWORD)
    driver.find_element("id", "login-submit").click()
    WebDriverWait(driver, 30).until(lambda d: "/login" not in d.current_url)


def photograph(
    driver: webdriver.Chrome,
    url: str,
    ready: str,
    path: Path,
    media: str = "screen",
    size: tuple[int, int] = (1920, 1080),
) -> None:
    full_hd(driver, media, size)
    driver.get(url)
    WebDriverWait(driver, 30).until(lambda d: d.find_elements("css selector", ready))
    time.sleep(1.5)
    driver.save_screenshot(str(path))
    print(f"saved {path.relative_to(ROOT)}")


def recording_on_a_tablet(driver: webdriver.Chrome, base: str, bed3: int) -> None:
    """A nurse's view of the patient page on a tablet: the recording forms first, a neuro assessment half done
    (the ICE items as tick boxes with their running total)."""
    driver.get(f"{base}/logout")
    log_in(driver, base, "nurse")
    full_hd(driver, size=TABLET)
    driver.get(f"{base}/patient/{bed3}")
    WebDriverWait(driver, 30).until(lambda d: d.find_elements("css selector", "#patient-graph .js-plotly-plot"))
    tab = next(t for t in driver.find_elements("css selector", ".nav-tabs .nav-link") if t.text == "Neuro assessment")
    driver.execute_script("arguments[0].click()", tab)
    time.sleep(0.5)
    for box in driver.find_elements("css selector", ".tab-pane.active input[type=checkbox]")[:6]:
        driver.execute_script("arguments[0].click()", box)
    driver.execute_script("window.scrollTo({top: 0, behavior: 'instant'})")  # the page as it opens: forms first
    time.sleep(1.5)
    path = ROOT / "docs" / "recording-tablet.png"
    driver.save_screenshot(str(path))
    print(f"saved {path.relative_to(ROOT)}")


def main(wanted: list[str]) -> None:
    shots = set(wanted or ("board", "wall", "handover", "trajectory", "recording"))
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options)
    try:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/demo.sqlite3"
            bed3 = seed(url)
            server, base = serve(url, board_beds="1-10")
            log_in(driver, base)
            if "board" in shots:
                photograph(driver, f"{base}/", ".bay-card", ROOT / "docs" / "board.png")
            if "handover" in shots:
                photograph(
                    driver,
                    f"{base}/handover?patient={bed3}",
                    ".handover-patient",
                    ROOT / "docs" / "handover.png",
                    "print",
                    A4_PX,
                )
            if "trajectory" in shots:
                shoot(
                    driver,
                    f"{base}/patient/{bed3}",
                    "#patient-graph .js-plotly-plot",
                    ROOT / "docs" / "trajectory.png",
                    1300,
                )
            if "recording" in shots:
                recording_on_a_tablet(driver, base, bed3)
            server.shutdown()  # type: ignore[attr-defined]
        if "wall" in shots:
            with tempfile.TemporaryDirectory() as folder:
                url = f"sqlite:///{folder}/bay.sqlite3"
                seed(url, full_bay=True)
                server, base = serve(url)
                log_in(driver, base)
                photograph(driver, f"{base}/wall", ".wall-tile", ROOT / "docs" / "wall.png")
                server.shutdown()  # type: ignore[attr-defined]
    finally:
        driver.quit()


if __name__ == "__main__":
    main(sys.argv[1:])
