"""The pages as a browser draws them: the patient trajectory and the board in headless Chromium, cold and warm.

    uv run python -m bench.browser [--repeat 10] [--cold 5] [--days 30] [--workers 2] [--record]

Serves the app with gunicorn (as the Procfile does) over a temporary SQLite file holding the demo ward and one
long-stay patient (`--days` of four-hourly records with every trajectory series and repeated drug doses). Each
page is opened by a full navigation and timed from the navigation's start to the moment its content is on screen:
for the trajectory, the figure's SVG with its traces; for the board, the bed cards. "Cold" is an empty
browser cache (a first visit); "warm" is a later visit with the cache filled, the board and the patient page
taking turns as a nurse-in-charge would. Prints p50/p95 against the targets, what crossed the network and the
figure's SVG element count; `--record` writes the run into docs/BENCHMARKS.md under its own heading.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

from bench.common import Processes
from data.audit import Actor
from data.auth import create_user
from data.catalogue import ANALYTES
from data.db import make_engine, make_session_factory
from data.demo import ICE_FULL, seed_demo_ward
from data.migrate import upgrade
from data.models import Patient, SchedulerHeartbeat
from data.records import create_patient, record

ACTOR = Actor("bench", role="nurse", source="import")
USERNAME, PASSWORD = "bench-doctor", "bench-browser-password"
DATABASE_VARIABLE = "CARTWATCH_BENCH_DATABASE_URL"
CHROMEDRIVER = "/usr/bin/chromedriver"
RECORD = Path(__file__).resolve().parent.parent / "docs" / "BENCHMARKS.md"
HEADING = "## Pages in headless Chromium (`bench/browser.py`)"

TRAJECTORY = "#patient-graph .js-plotly-plot"
# On screen: the figure's traces (Plotly draws a figure in one task, so the rest is there too); the cards.
DRAWN = {
    "trajectory": f"{TRAJECTORY} .scatterlayer .trace",
    "board": "#bay-cards > *",
}
# Polls every animation frame from the navigation's first script on; the time is from the navigation's start.
PROBE = """
window.__drawn = {};
(function poll() {
  const selectors = %s;
  for (const [name, selector] of Object.entries(selectors)) {
    if (window.__drawn[name] === undefined && document.querySelectorAll(selector).length >= 2) {
      window.__drawn[name] = performance.now();
    }
  }
  requestAnimationFrame(poll);
})();
"""
MEASURE = """
const nav = performance.getEntriesByType('navigation')[0];
const resources = performance.getEntriesByType('resource');
const all = [nav, ...resources];
const svg = document.querySelector(arguments[0]);
return {
  transferred: all.reduce((sum, e) => sum + (e.transferSize || 0), 0),
  decoded: all.reduce((sum, e) => sum + (e.decodedBodySize || 0), 0),
  requests: all.filter(e => e.transferSize > 0).length,
  svg_elements: svg ? svg.querySelectorAll('*').length : 0,
};
"""
BEFORE = (
    "Before the chart and bundle changes (same bench, 28 Nov 2026, load average about 1): trajectory drawn in "
    "3.7-5.0 s warm and 5.1-5.3 s cold (p50), 2,375 KB transferred on a first visit and 642 KB again on every "
    "later one (the bundles were downloaded again: `Vary: Cookie`); board 1.58 s warm, 632 KB each visit."
)
TARGETS_MS = {("trajectory", "warm"): 1500, ("trajectory", "cold"): 3000, ("board", "warm"): 1000}


@dataclass
class Samples:
    drawn_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    transferred: list[int] = field(default_factory=list)
    decoded: list[int] = field(default_factory=list)
    requests: list[int] = field(default_factory=list)
    svg_elements: list[int] = field(default_factory=list)

    def add(self, drawn: float, measured: dict[str, Any]) -> None:
        self.drawn_ms.append(drawn)
        self.cpu_ms.append(float(measured["cpu_ms"]))
        for name in ("transferred", "decoded", "requests", "svg_elements"):
            getattr(self, name).append(int(measured[name]))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def _iso(when: datetime) -> str:
    return when.isoformat()


def seed_long_stay(session: Any, now: datetime, days: int) -> int:
    """One patient `days` after infusion: obs 4-hourly, CRS 12-hourly, neuro 8-hourly, daily bloods, a CRS episode
    treated with tocilizumab, dexamethasone six-hourly and anakinra."""
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(days=days + 1)
    infused = start + timedelta(days=1)
    patient = create_patient(
        session,
        {
            "hospital_number": "BENCH0001",
            "name": "Bench Long-stay",
            "date_of_birth": "1960-01-01",
            "sex": "female",
            "weight_kg": 70.0,
            "product": "axicabtagene ciloleucel",
            "ward": "Ward 33",
            "bed": "20",
            "admitted_at": _iso(start),
            "infused_at": _iso(infused),
        },
        ACTOR,
        now,
    )

    def add(kind: str, body: dict[str, Any]) -> None:
        record(session, kind, patient.id, body, ACTOR, now)

    t = start
    while t < now - timedelta(hours=1):
        hours = (t - start).total_seconds() / 3600
        day = hours / 24 - 1
        febrile = 2 <= day < 5
        temp = 38.6 if febrile else 36.9
        add("observations", {"taken_at": _iso(t), "temperature_c": temp, "spo2": 96, "oxygen_device": "room_air"})
        if hours % 12 == 0:
            crs = {"assessed_at": _iso(t), "temperature_c": temp, "hypotension": febrile and day >= 3}
            crs |= {"oxygen": "nasal_cannula", "oxygen_flow_l_min": 2.0} if febrile else {"oxygen": "room_air"}
            add("crs-assessments", crs)
        if hours % 8 == 0:
            ice = {**ICE_FULL, "writing": 0, "naming": 1} if 4 <= day < 7 else ICE_FULL
            neuro = {"assessed_at": _iso(t), "ice": ice, "consciousness": "alert", "seizure": "none"}
            add("neuro-assessments", {**neuro, "deep_focal_motor_weakness": False, "icp_findings": []})
        if hours % 24 == 0:
            values = {
                "ferritin": 900.0 + 3000 * febrile,
                "crp": 140.0 if febrile else 15.0,
                "neutrophils": 0.2 if day < 10 else 1.4,
                "platelets": 40.0 if day < 12 else 120.0,
            }
            for analyte, value in values.items():
                unit = ANALYTES[analyte].unit
                add("labs", {"collected_at": _iso(t), "analyte": analyte, "value": value, "unit": unit})
        t += timedelta(hours=4)
    doses = [(2.2, "tocilizumab", 560.0), (2.8, "tocilizumab", 560.0), (3.0, "anakinra", 100.0)]
    doses += [(3.0 + n / 4, "dexamethasone", 10.0) for n in range(8)]
    doses += [(4.0 + n / 4, "anakinra", 100.0) for n in range(1, 8)]
    for day_after, drug, dose in doses:
        given = infused + timedelta(days=day_after)
        if given > now:
            continue
        route = "SC" if drug == "anakinra" else "IV"
        add("medications", {"given_at": _iso(given), "drug": drug, "dose": dose, "unit": "mg", "route": route})
    return patient.id


def prepare(database_url: str, days: int) -> dict[str, int]:
    """The demo ward, the long-stay patient and a doctor to log in as; returns the patient ids to open."""
    engine = make_engine(database_url)
    upgrade(engine)
    now = datetime.now(UTC)
    with make_session_factory(engine).begin() as session:
        seed_demo_ward(session, now)
        long_stay = seed_long_stay(session, now, days)
        session.add(SchedulerHeartbeat(instance="bench", beat_at=now))
        create_user(session, USERNAME, PASSWORD, "doctor", ACTOR, now)
    with make_session_factory(engine)() as session:
        bed3 = session.query(Patient).filter_by(bed="3").one().id
    engine.dispose()
    return {"demo bed 3": bed3, f"long stay ({days} days)": long_stay}


def served() -> Any:
    """gunicorn's app factory (`bench.browser:served()`): the app over the bench's database, no watchdog."""
    from dashboard.app import create_app  # in the gunicorn worker only
    from data.settings import Settings

    return create_app(Settings(database_url=os.environ[DATABASE_VARIABLE], board_refresh_seconds=60)).server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers(port: int) -> bool:
    try:
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
    except httpx.TransportError:
        return False
    return True


def start_server(processes: Processes, database_url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, DATABASE_VARIABLE: database_url, "CARTWATCH_DEMO": "1"}
    command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--no-control-socket"]
    process = processes.start("gunicorn", [*command, "bench.browser:served()"], env)
    processes.wait_for(lambda: answers(port), 180, "gunicorn answering /healthz", every=0.3)
    return process


def browser() -> webdriver.Chrome:
    options = Options()
    for argument in ("--headless=new", "--window-size=1400,1000", "--no-sandbox", "--disable-gpu"):
        options.add_argument(argument)
    for argument in ("--disable-dev-shm-usage", "--disable-extensions", "--disable-background-networking"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Performance.enable", {"timeDomain": "threadTicks"})
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE % DRAWN})
    return driver


def log_in(driver: webdriver.Chrome, root: str) -> None:
    driver.get(f"{root}/login")
    driver.find_element(By.ID, "username").send_keys(USERNAME)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "login-submit").click()
    WebDriverWait(driver, 20).until(lambda d: "/login" not in d.current_url)


def thread_time(driver: webdriver.Chrome) -> float:
    """CPU seconds the page's main thread has used since its navigation (not the time it waited for the CPU on a
    busy machine): Chromium counts this per document."""
    metrics = driver.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]
    return float(next(m["value"] for m in metrics if m["name"] == "ThreadTime"))


def visit(driver: webdriver.Chrome, url: str, page: str, *, cold: bool) -> tuple[float, dict[str, Any]]:
    """Open `url` (after emptying the cache when `cold`); the time until `page` is drawn, what was loaded and the
    main thread's CPU time until then."""
    if cold:
        driver.execute_cdp_cmd("Network.clearBrowserCache", {})
    driver.get(url)
    drawn = WebDriverWait(driver, 60, poll_frequency=0.05).until(
        lambda d: d.execute_script(f"return window.__drawn && window.__drawn[{page!r}]")
    )
    cpu = thread_time(driver)
    time.sleep(0.3)  # late requests (async chunks) still count as loaded by this page
    measured = driver.execute_script(MEASURE, TRAJECTORY + " .main-svg")
    return float(drawn), {**measured, "cpu_ms": cpu * 1000}


def run(root: str, patients: dict[str, int], repeat: int, cold_repeat: int) -> dict[tuple[str, str], Samples]:
    results: dict[tuple[str, str], Samples] = {}

    def sample(driver: webdriver.Chrome, key: tuple[str, str], url: str, page: str, cold: bool) -> None:
        drawn, measured = visit(driver, url, page, cold=cold)
        results.setdefault(key, Samples()).add(drawn, measured)

    driver = browser()
    try:
        log_in(driver, root)
        for name, pid in patients.items():
            for _ in range(cold_repeat):
                sample(driver, (f"trajectory, {name}", "cold"), f"{root}/patient/{pid}", "trajectory", True)
        for _ in range(cold_repeat):
            sample(driver, ("board", "cold"), f"{root}/", "board", True)
        visit(driver, f"{root}/", "board", cold=False)  # fills the cache for the warm runs
        for pid in patients.values():
            visit(driver, f"{root}/patient/{pid}", "trajectory", cold=False)
        for _ in range(repeat):
            for name, pid in patients.items():
                sample(driver, ("board", "warm"), f"{root}/", "board", False)
                sample(driver, (f"trajectory, {name}", "warm"), f"{root}/patient/{pid}", "trajectory", False)
    finally:
        driver.quit()
    return results


def target(key: tuple[str, str]) -> int | None:
    return TARGETS_MS.get((key[0].split(",")[0], key[1]))


def table(results: dict[tuple[str, str], Samples]) -> list[str]:
    rows = [
        "| page | cache | n | drawn p50 | drawn p95 | target | main-thread CPU p50 | transferred | decoded "
        "| requests | SVG elements |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key, s in results.items():
        goal = target(key)
        p95 = percentile(s.drawn_ms, 0.95)
        verdict = "" if goal is None else f"≤ {goal / 1000:g} s {'met' if p95 <= goal else 'MISSED'}"
        svg = f"{statistics.median(s.svg_elements):.0f}" if key[0].startswith("trajectory") else "-"
        rows.append(
            f"| {key[0]} | {key[1]} | {len(s.drawn_ms)} | {statistics.median(s.drawn_ms) / 1000:.2f} s "
            f"| {p95 / 1000:.2f} s | {verdict} | {statistics.median(s.cpu_ms) / 1000:.2f} s "
            f"| {statistics.median(s.transferred) / 1024:.0f} KB "
            f"| {statistics.median(s.decoded) / 1024:.0f} KB | {statistics.median(s.requests):.0f} | {svg} |"
        )
    return rows


def machine() -> str:
    version = subprocess.run(["chromium", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    return f"{platform.machine()}, {os.cpu_count()} cores, load average {load} at the start; {version or 'Chromium'}"


def record_section(lines: list[str], path: Path = RECORD) -> None:
    """Replace this benchmark's section of `path` (kept last), leaving every other section as it is."""
    text = path.read_text() if path.exists() else ""
    pattern = re.compile(rf"\n*{re.escape(HEADING)}\n.*?(?=\n## |\Z)", re.S)
    rest = pattern.sub("", text).rstrip()
    path.write_text((rest + "\n\n" if rest else "") + "\n".join([HEADING, "", *lines]) + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=10, help="warm visits of each page")
    parser.add_argument("--cold", type=int, default=5, help="cold visits of each page")
    parser.add_argument("--days", type=int, default=30, help="the long-stay patient's days since infusion")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--record", action="store_true", help=f"write the results into {RECORD.name}")
    args = parser.parse_args([] if argv is None else argv)  # `python -m bench` calls main() with no arguments
    started_on = machine()
    with tempfile.TemporaryDirectory() as folder:
        database_url = f"sqlite:///{folder}/bench.sqlite3"
        patients = prepare(database_url, args.days)
        port = free_port()
        with Processes(Path(folder)) as processes:
            start_server(processes, database_url, port, args.workers)
            results = run(f"http://127.0.0.1:{port}", patients, args.repeat, args.cold)
    lines = [
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {started_on}; gunicorn with {args.workers} workers on "
        "loopback. Drawn: from the navigation's start to the first animation frame with the figure's traces "
        "(trajectory) or the bed cards (board) in the page. Transferred: bytes over the wire for the "
        "page and everything it loaded (compressed); decoded: the same uncompressed. Main-thread CPU: what the "
        "page's main thread ran from the navigation until drawn, which the machine's load does not stretch: on a "
        "quiet machine the drawing takes about that plus the waits for the network and the server.",
        "",
        *table(results),
        "",
        BEFORE,
    ]
    print("\n".join(lines))
    if args.record:
        record_section(lines)
        print(f"recorded in {RECORD}")


if __name__ == "__main__":
    main(sys.argv[1:])
