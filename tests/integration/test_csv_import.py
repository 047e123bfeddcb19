"""CSV back-entry after downtime: valid rows stored as late entry, rejected rows named by line and field."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from data.audit import Actor
from data.models import LabResult, Observation
from data.records import create_patient
from data.settings import Settings
from feeds.__main__ import import_csv

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "csv" / "downtime-back-entry.csv"
ROOT = Path(__file__).resolve().parents[2]
WARD = ZoneInfo("Europe/London")


def local(hours: float) -> datetime:
    return (datetime.now(UTC) - timedelta(hours=hours)).astimezone(WARD).replace(second=0, microsecond=0)


@pytest.fixture
def back_entry(tmp_path: Path) -> tuple[Path, dict[str, datetime]]:
    times = {"T1": local(9), "T2": local(6), "T3": local(3)}
    text = FIXTURE.read_text(encoding="utf-8")
    for name, value in times.items():
        text = text.replace("{{" + name + "}}", value.strftime("%Y-%m-%d %H:%M"))  # ward time, no offset
    path = tmp_path / "downtime.csv"
    path.write_text(text, encoding="utf-8")
    return path, times


@pytest.fixture
def patient_id(sessions: sessionmaker[Session]) -> int:
    now = datetime.now(UTC)
    body = {
        "hospital_number": "RTD1234567",
        "name": "Grace Okafor",
        "date_of_birth": "1968-09-14",
        "sex": "female",
        "weight_kg": 64.2,
        "product": "tisagenlecleucel",
        "ward": "Ward 33",
        "bed": "7",
        "admitted_at": (now - timedelta(days=2)).isoformat(),
    }
    with sessions.begin() as session:
        return create_patient(session, body, Actor("tests", source="system"), now).id


def counts(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with sessions() as session:
        return (
            int(session.scalar(select(func.count()).select_from(Observation)) or 0),
            int(session.scalar(select(func.count()).select_from(LabResult)) or 0),
        )


def test_valid_rows_are_stored_as_late_entry_and_rejected_ones_are_listed_by_line_and_field(
    back_entry: tuple[Path, dict[str, datetime]],
    patient_id: int,
    settings: Settings,
    sessions: sessionmaker[Session],
    capsys: pytest.CaptureFixture[str],
) -> None:
    path, times = back_entry
    assert import_csv(path, "nurse.jones", False, settings) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "4 row(s) stored, 4 marked as late entry; 0 already imported; 4 rejected"
    report = "\n".join(out)
    assert "line 4, heart_rate: 'fast' is not a number" in report
    assert "line 7, temperature_c: 52.0 is outside 30-45 °C" in report
    assert "line 8, hospital_number: no patient with hospital number NOSUCH999" in report
    assert "line 9, time: 'yesterday at noon' is not an ISO 8601 date and time" in report
    with sessions() as session:
        obs = session.scalars(select(Observation).order_by(Observation.taken_at)).all()
        labs = {lab.analyte: lab for lab in session.scalars(select(LabResult))}
    assert [o.taken_at for o in obs] == [times["T1"], times["T2"]]  # ward time, stored in UTC
    assert all(o.late_entry and o.source == "import" and o.recorded_by == "nurse.jones" for o in obs)
    assert (obs[1].temperature_c, obs[1].oxygen_device, obs[1].oxygen_flow_l_min) == (38.6, "nasal_cannula", 2)
    assert (labs["ferritin"].value, labs["ferritin"].reference_high, labs["ferritin"].late_entry) == (8450, 150, True)
    assert (labs["crp"].value, labs["crp"].reference_high) == (pytest.approx(142.0), pytest.approx(5.0))


def test_running_the_file_again_stores_nothing_twice(
    back_entry: tuple[Path, dict[str, datetime]],
    patient_id: int,
    settings: Settings,
    sessions: sessionmaker[Session],
    capsys: pytest.CaptureFixture[str],
) -> None:
    path, _ = back_entry
    import_csv(path, "nurse.jones", False, settings)
    capsys.readouterr()
    assert import_csv(path, "nurse.jones", False, settings) == 1
    assert (
        capsys.readouterr().out.splitlines()[-1]
        == "0 row(s) stored, 0 marked as late entry; 4 already imported; 4 rejected"
    )
    assert counts(sessions) == (2, 2)


def test_a_dry_run_checks_every_row_and_stores_nothing(
    back_entry: tuple[Path, dict[str, datetime]],
    patient_id: int,
    settings: Settings,
    sessions: sessionmaker[Session],
    capsys: pytest.CaptureFixture[str],
) -> None:
    path, _ = back_entry
    assert import_csv(path, "nurse.jones", True, settings) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "4 row(s) would be stored (dry run: nothing was saved); 0 already imported; 4 rejected"
    assert counts(sessions) == (0, 0)


def test_a_file_with_unknown_columns_is_refused_before_anything_is_stored(
    tmp_path: Path,
    patient_id: int,
    settings: Settings,
    sessions: sessionmaker[Session],
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("hospital_number,time,temp\nRTD1234567,2026-11-24 08:00,37.2\n", encoding="utf-8")
    assert import_csv(path, "nurse.jones", False, settings) == 2
    assert "unknown column(s) temp" in capsys.readouterr().err
    assert counts(sessions) == (0, 0)


def test_the_command_line_imports_a_file(
    back_entry: tuple[Path, dict[str, datetime]], patient_id: int, database_url: str, sessions: sessionmaker[Session]
) -> None:
    path, _ = back_entry
    env = {**os.environ, "CARTWATCH_DATABASE_URL": database_url}
    done = subprocess.run(
        [sys.executable, "-m", "feeds", "import-csv", str(path), "--entered-by", "nurse.jones"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "4 row(s) stored, 4 marked as late entry" in done.stdout
    assert counts(sessions) == (2, 2)


def test_a_row_entered_within_the_hour_of_its_time_is_stored_but_not_as_late_entry(
    tmp_path: Path,
    patient_id: int,
    settings: Settings,
    sessions: sessionmaker[Session],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The back-entry file marks late entry by the same rule as a form and the API: over an hour before saving."""
    path = tmp_path / "just-now.csv"
    rows = [
        "hospital_number,time,temperature_c,heart_rate",
        f"RTD1234567,{local(3):%Y-%m-%d %H:%M},37.2,84",
        f"RTD1234567,{local(0.25):%Y-%m-%d %H:%M},37.6,90",
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert import_csv(path, "nurse.jones", False, settings) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "2 row(s) stored, 1 marked as late entry; 0 already imported; 0 rejected"
    )
    with sessions() as session:
        obs = session.scalars(select(Observation).order_by(Observation.taken_at)).all()
    assert [(o.heart_rate, o.late_entry) for o in obs] == [(84, True), (90, False)]
