"""Latest value per bed on a large observation table: the board's hottest read.

Target: well under 5 ms for a 24-bed ward on SQLite with ~20,000 observations per patient.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from data.db import make_engine, make_session_factory
from data.migrate import upgrade
from data.models import Observation, Patient
from data.queries import latest_per_patient

BEDS = 24
OBS_PER_PATIENT = 20_000


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        upgrade(engine)
        sessions = make_session_factory(engine)
        start = datetime(2026, 1, 1, tzinfo=UTC)
        with sessions.begin() as session:
            session.execute(
                insert(Patient),
                [
                    dict(
                        hospital_number=f"BENCH{i:04d}",
                        name=f"Bench {i}",
                        date_of_birth=start.date(),
                        sex="female",
                        weight_kg=70.0,
                        product="bench",
                        ward="Ward B",
                        bed=str(i),
                        admitted_at=start,
                        created_at=start,
                        created_by="bench",
                        source="import",
                    )
                    for i in range(1, BEDS + 1)
                ],
            )
        rows = [
            dict(
                patient_id=p,
                taken_at=start + timedelta(minutes=15 * n),
                temperature_c=37.0,
                vasopressors=[],
                oxygen_device="room_air",
                recorded_at=start,
                recorded_by="bench",
                source="import",
            )
            for p in range(1, BEDS + 1)
            for n in range(OBS_PER_PATIENT)
        ]
        with sessions.begin() as session:
            session.execute(insert(Observation), rows)
        ids = list(range(1, BEDS + 1))
        timings = []
        with sessions() as session:
            for _ in range(50):
                began = time.perf_counter()
                found = latest_per_patient(session, Observation, ids)
                timings.append((time.perf_counter() - began) * 1000)
        assert len(found) == BEDS
        timings.sort()
        print(
            f"latest observation for {BEDS} beds over {BEDS * OBS_PER_PATIENT:,} rows: "
            f"p50 {timings[len(timings) // 2]:.2f} ms, p95 {timings[int(len(timings) * 0.95)]:.2f} ms"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
