"""SQLite under gunicorn with four workers and ten nurses recording at once: every write is stored, and no
"database is locked" reaches anybody (writers queue on the write lock: `BEGIN IMMEDIATE` and a busy timeout)."""

from __future__ import annotations

import json
import shutil
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from data.audit import Actor
from data.auth import create_token, create_user
from data.db import make_engine, make_session_factory
from data.models import Observation
from tests.integration.alerts.conftest import free_port
from tests.resilience.faults import Processes, environment, wait_for

WRITERS = 10
WRITES_EACH = 6


def call(port: int, token: str, method: str, path: str, body: Any = None) -> tuple[int, str]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:  # not listening yet, or its workers still starting
        return 0, ""


def test_four_workers_and_ten_concurrent_writers_on_sqlite_lose_nothing_and_never_say_locked(
    tmp_path: Path, sqlite_template: Path, processes: Processes
) -> None:
    database = tmp_path / "ward.sqlite3"
    shutil.copy(sqlite_template, database)
    url = f"sqlite:///{database}"
    engine = make_engine(url)
    now = datetime.now(UTC)
    with make_session_factory(engine).begin() as session:
        create_user(session, "load.nurse", "load-password-1234", "doctor", Actor("tests", source="system"), now)
        token = create_token(session, "load.nurse", ["read", "write"], 1, Actor("tests", source="system"), now)
    port = free_port()
    processes.start(
        "cw-web",
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "4", "dashboard.app:server"],
        environment(url),
    )
    wait_for(lambda: call(port, token, "GET", "/api/v1/patients")[0] == 200, seconds=120, what="the web workers")
    patients = []
    for bed in range(1, WRITERS + 1):
        body = {
            "hospital_number": f"LOAD{bed:06d}",
            "name": f"Load {bed}",
            "date_of_birth": "1970-01-01",
            "sex": "female",
            "weight_kg": 65.0,
            "product": "axicabtagene ciloleucel",
            "ward": "Ward 33",
            "bed": str(bed),
            "admitted_at": (now - timedelta(days=2)).isoformat(),
            "infused_at": (now - timedelta(days=1)).isoformat(),
        }
        status, text = call(port, token, "POST", "/api/v1/patients", body)
        assert status == 201, text
        patients.append(json.loads(text)["id"])

    def nurse(pid: int) -> list[tuple[int, str]]:
        answers = []
        for n in range(WRITES_EACH):
            taken = now - timedelta(minutes=WRITES_EACH - n)
            obs = {"taken_at": taken.isoformat(), "temperature_c": 37.0 + n / 10, "heart_rate": 80 + n}
            answers.append(call(port, token, "POST", f"/api/v1/patients/{pid}/observations", obs))
            answers.append(call(port, token, "GET", f"/api/v1/patients/{pid}/status"))  # and read between writes
        return answers

    with ThreadPoolExecutor(WRITERS) as pool:
        answers = [a for result in pool.map(nurse, patients) for a in result]
    assert [text for status, text in answers if status not in (200, 201)] == []
    assert not any("locked" in text.lower() for _, text in answers)
    with make_session_factory(engine)() as session:
        stored = session.scalar(select(func.count()).select_from(Observation))
    engine.dispose()
    assert stored == WRITERS * WRITES_EACH
    assert "database is locked" not in processes.log("cw-web")
