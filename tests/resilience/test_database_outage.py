"""The database stops while the web process (gunicorn) and the scheduler run, and starts again: both carry on
without a restart. During the outage the API answers 503 with a plain message and a page says "database unavailable
— not saving"; what was written before is there after, what was refused is not, and an assessment written after
the restart is paged.

The outage lasts half a minute (`CARTWATCH_TEST_OUTAGE_SECONDS`, 30 by default; a shorter one shows the same
when trying a change: nothing in the product depends on the length). The board's banner and the forms during
an outage, callback by callback, are in `tests/integration/test_outage.py`.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dashboard.views.outage import API_READ, API_WRITE, DB_UNAVAILABLE
from data.audit import Actor
from data.auth import create_token, create_user
from data.db import make_engine, make_session_factory
from data.settings import Settings
from tests.integration.alerts.conftest import Ward, free_port
from tests.private_postgres import PrivatePostgres
from tests.resilience.faults import FAST, Processes, Receiver, environment, wait_for
from tests.resilience.test_faults import every_page_arrived

OUTAGE_SECONDS = float(os.environ.get("CARTWATCH_TEST_OUTAGE_SECONDS", "30"))


def call(port: int, method: str, path: str, token: str = "", body: Any = None) -> tuple[int, dict[str, str], str]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()
    except OSError:
        return 0, {}, ""


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def test_a_database_outage_under_running_web_and_scheduler_answers_503_and_both_recover_without_a_restart(
    private_postgres: PrivatePostgres, private_database: str, processes: Processes
) -> None:
    url = private_database
    engine = make_engine(url)
    now = datetime.now(UTC)
    with make_session_factory(engine).begin() as session:
        create_user(session, "outage.doctor", "outage-password-123", "doctor", Actor("tests", source="system"), now)
        token = create_token(session, "outage.doctor", ["read", "write"], 1, Actor("tests", source="system"), now)
    pagers = Receiver()
    pagers.start()
    webhook = pagers.url("bleep")
    ward = Ward(make_session_factory(engine), Settings(database_url=url, webhook_url=webhook))
    timing = {
        **FAST,
        "CARTWATCH_WEBHOOK_URL": webhook,
        "CARTWATCH_HEARTBEAT_STALE_SECONDS": str(int(OUTAGE_SECONDS) + 60),  # no stale-scheduler page here
    }
    try:
        scheduler = processes.start(
            "cw-scheduler", [sys.executable, "-m", "alerts.scheduler"], environment(url, **timing)
        )
        port = free_port()
        web = processes.start(
            "cw-web",
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "dashboard.app:server"],
            environment(url, **timing),
        )
        wait_for(lambda: call(port, "GET", "/healthz")[0] == 200, seconds=90, what="web and scheduler, healthy")
        patient = {
            "hospital_number": "RTD2468024",
            "name": "Outage Patient",
            "date_of_birth": "1966-06-06",
            "sex": "female",
            "weight_kg": 62.0,
            "product": "axicabtagene ciloleucel",
            "ward": "Ward 33",
            "bed": "2",
            "admitted_at": ago(minutes=30),
            "infused_at": ago(minutes=20),
        }
        status, _, text = call(port, "POST", "/api/v1/patients", token, patient)
        assert status == 201, text
        pid = json.loads(text)["id"]
        before = {"assessed_at": ago(minutes=5), "temperature_c": 38.5, "hypotension": False, "oxygen": "room_air"}
        assert call(port, "POST", f"/api/v1/patients/{pid}/crs-assessments", token, before)[0] == 201
        wait_for(lambda: every_page_arrived(ward, pagers), seconds=30, what="the page before the outage")

        private_postgres.stop()
        stopped = time.monotonic()
        obs = {"taken_at": ago(minutes=1), "temperature_c": 39.0}
        status, headers, text = call(port, "POST", f"/api/v1/patients/{pid}/observations", token, obs)
        assert (status, json.loads(text)) == (503, {"error": API_WRITE})
        assert int(headers["Retry-After"]) > 0 and "Traceback" not in text
        status, _, text = call(port, "GET", f"/api/v1/patients/{pid}", token)
        assert (status, json.loads(text)) == (503, {"error": API_READ})
        form = urllib.request.Request(
            f"http://127.0.0.1:{port}/login",
            data=b"username=outage.doctor&password=outage-password-123",
            headers={"Origin": f"http://127.0.0.1:{port}", "Content-Type": "application/x-www-form-urlencoded"},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:  # a nurse logging in meets the outage page
            urllib.request.urlopen(form, timeout=30)
        page = refused.value.read().decode()
        assert refused.value.code == 503 and DB_UNAVAILABLE in page and "Traceback" not in page
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stopped)))
        assert scheduler.poll() is None and web.poll() is None  # both rode it out
        private_postgres.start()

        # The same processes, no restart: the next request is served and a new assessment is paged.
        wait_for(lambda: call(port, "GET", f"/api/v1/patients/{pid}", token)[0] == 200, what="the API back")
        after = {"assessed_at": ago(minutes=0), "temperature_c": 39.4, "hypotension": True, "oxygen": "room_air"}
        status, _, text = call(port, "POST", f"/api/v1/patients/{pid}/crs-assessments", token, after)
        assert status == 201, text
        wait_for(lambda: len(ward.alerts()) >= 2, seconds=20, what="the alert for the assessment after the outage")
        wait_for(lambda: every_page_arrived(ward, pagers), seconds=30, what="its pages")
        status, _, text = call(port, "GET", f"/api/v1/patients/{pid}/timeline", token)
        timeline = json.loads(text)
        assert [c["temperature_c"] for c in timeline["crs_assessments"]] == [38.5, 39.4]
        assert timeline["observations"] == []  # refused during the outage, so not stored
        assert scheduler.poll() is None and web.poll() is None
        assert "the database cannot be reached" in processes.log("cw-scheduler")
    finally:
        pagers.stop()
        engine.dispose()
