"""A hospital-sized database: 12 wards x 24 beds of active patients and 5,000 discharged patients, each with a full
30-day history (obs 4-hourly, CRS 12-hourly, neuro 8-hourly, the seven daily blood panels, drugs, amendments).

    uv run python -m bench.make_large --url URL [--scale 1.0] [--wards 12] [--beds 24] [--discharged 5000]
                                                [--days 30]

How the rows are made: two patients' 30-day courses (a quiet one, and one with CRS, ICANS, tocilizumab,
dexamethasone and amended results) are written through the product's own write functions (`create_patient`,
`record`, `amend`: validation, grading, fever masking, audit events) into a scratch in-memory database. Their rows
are then copied in bulk for every patient, shifted in time to that patient's admission, with ids, amendment links
and audit references renumbered: the same rows the write functions would have written, at bulk speed.

`--scale` shrinks the number of wards (at least one, always of `--beds` beds) and of discharged patients; the
histories stay 30 days long unless `--days` shortens them (every patient's course then ends after that many days:
the eventful course's fever is on days 3-5 and its ICANS on days 6-7, so at `--days 8` or more it holds all of
them). `--discharged 0` builds the active wards alone: all 288 active patients with 30-day histories are about
0.5 M rows, a few minutes here. The database must be migrated (`python -m data migrate`) and hold no
patients. Works on SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Table, event, func, insert, select, text
from tqdm import tqdm

from data.audit import Actor
from data.catalogue import ANALYTES, PANEL_CORE
from data.db import make_engine, make_session_factory
from data.demo import ICE_FULL, NORMAL_LABS
from data.migrate import upgrade
from data.models import CLINICAL_MODELS, AuditEvent, Patient, WardState
from data.models.base import UTCDateTime
from data.records import amend, create_patient, record

ACTOR = Actor("bulk-load", role="nurse", source="import")
DAYS = 30  # the default length of every course
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)  # the templates' admission time; every copy is shifted from it
CHUNK = 5_000
KIND_OF_TABLE = {model.__tablename__: kind for kind, model in CLINICAL_MODELS.items()}  # type: ignore[attr-defined]
CLINICAL_TABLES: list[Table] = [
    model.__table__  # type: ignore[attr-defined]
    for model in CLINICAL_MODELS.values()
]
WARDS = [f"Ward {n}" for n in range(31, 43)]


def _patient_body(number: str) -> dict[str, Any]:
    return {
        "hospital_number": number,
        "name": "Template patient",
        "date_of_birth": "1962-05-01",
        "sex": "female",
        "weight_kg": 70.0,
        "height_cm": 165,
        "product": "axicabtagene ciloleucel",
        "indication": "DLBCL",
        "ward": "Template",
        "bed": "1",
        "admitted_at": EPOCH.isoformat(),
        "infused_at": (EPOCH + timedelta(days=1)).isoformat(),
    }


def _course(session: Any, eventful: bool, days: int = DAYS) -> int:
    """One patient's `days` days through the write functions; returns the patient's id."""
    now = EPOCH + timedelta(days=days)
    patient = create_patient(session, _patient_body("TEMPLATEB" if eventful else "TEMPLATEA"), ACTOR, EPOCH)
    pid = patient.id
    fever_days = range(3, 6) if eventful else range(0)
    icans_days = range(6, 8) if eventful else range(0)
    corrections = 0
    for hour in range(0, days * 24, 4):
        at = EPOCH + timedelta(hours=hour)
        day = hour // 24
        stamp = at + timedelta(minutes=5)  # written five minutes after the event
        fever = day in fever_days
        temp = 38.7 if fever else 36.9
        obs = {
            "taken_at": at.isoformat(),
            "temperature_c": temp,
            "heart_rate": 104 if fever else 78,
            "respiratory_rate": 18,
            "systolic_bp": 118,
            "diastolic_bp": 72,
            "spo2": 93 if fever and day == 4 else 97,
            "oxygen_device": "nasal_cannula" if fever and day == 4 else "room_air",
            "consciousness": "alert",
        }
        if fever and day == 4:
            obs["oxygen_flow_l_min"] = 2.0
        row = record(session, "observations", pid, obs, ACTOR, stamp)
        if eventful and hour % 48 == 8 and corrections < 10:  # a mistyped temperature, corrected
            amend(
                session,
                "observations",
                row.id,
                {"reason": "transcription error", "changes": {"temperature_c": temp + 0.1}},
                ACTOR,
                stamp + timedelta(minutes=10),
            )
            corrections += 1
        if hour % 12 == 0:
            crs = {
                "assessed_at": at.isoformat(),
                "temperature_c": temp,
                "hypotension": False,
                "oxygen": "low_flow_nasal_cannula" if fever and day == 4 else "room_air",
            }
            if fever and day == 4:
                crs["oxygen_flow_l_min"] = 2.0
            record(session, "crs-assessments", pid, crs, ACTOR, stamp)
        if hour % 8 == 0:
            ice = dict(ICE_FULL)
            if day in icans_days:
                ice.update(writing=0, attention=0, naming=2)  # ICE 7: ICANS grade 1
            neuro = {
                "assessed_at": at.isoformat(),
                "ice": ice,
                "consciousness": "alert",
                "seizure": "none",
                "deep_focal_motor_weakness": False,
                "icp_findings": [],
            }
            record(session, "neuro-assessments", pid, neuro, ACTOR, stamp)
        if hour % 24 == 8:  # the morning bloods: every core analyte of the seven daily panels
            for analytes in PANEL_CORE.values():
                for name in analytes:
                    value = float(NORMAL_LABS[name]) * (3.0 if name in ("crp", "ferritin") and fever else 1.0)
                    lab = {
                        "collected_at": at.isoformat(),
                        "analyte": name,
                        "value": value,
                        "unit": ANALYTES[name].unit,
                    }
                    row = record(session, "labs", pid, lab, ACTOR, stamp)
                    if eventful and name == "potassium" and day % 3 == 0:  # a haemolysed sample, corrected
                        amend(
                            session,
                            "labs",
                            row.id,
                            {"reason": "haemolysed sample repeated", "changes": {"value": value - 0.3}},
                            ACTOR,
                            stamp + timedelta(hours=1),
                        )
        if eventful and hour == 4 * 24 + 12:
            dose = {"given_at": at.isoformat(), "drug": "tocilizumab", "dose": 560.0, "unit": "mg", "route": "IV"}
            record(session, "medications", pid, dose, ACTOR, stamp)
        if eventful and hour == 6 * 24 + 8:
            dose = {"given_at": at.isoformat(), "drug": "dexamethasone", "dose": 10.0, "unit": "mg", "route": "IV"}
            record(session, "medications", pid, dose, ACTOR, stamp)
    assert now > EPOCH
    return pid


Rows = dict[str, list[dict[str, Any]]]


def build_templates(days: int = DAYS) -> list[tuple[dict[str, Any], Rows]]:
    """(patient row, rows per table) of each template course, written by the product into a scratch database."""
    engine = make_engine("sqlite://")
    upgrade(engine)
    templates = []
    with make_session_factory(engine).begin() as session:
        pids = [_course(session, eventful=False, days=days), _course(session, eventful=True, days=days)]
    with engine.connect() as conn:
        for pid in pids:
            patient = dict(conn.execute(select(Patient.__table__).where(Patient.id == pid)).mappings().one())
            rows: Rows = {}
            for table in [*CLINICAL_TABLES, AuditEvent.__table__]:
                found = conn.execute(select(table).where(table.c.patient_id == pid).order_by(table.c.id))
                rows[table.name] = [dict(r) for r in found.mappings()]
            templates.append((patient, rows))
    engine.dispose()
    return templates


def _time_columns(table: Table) -> list[str]:
    return [c.name for c in table.columns if isinstance(c.type, UTCDateTime)]


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _next_id(conn: Connection, table: Table) -> int:
    return int(conn.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """PostgreSQL: rows inserted with explicit ids leave the sequences behind; move them past the highest id."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"
            )
        )


def plan(scale: float, wards: int, beds: int, discharged: int) -> tuple[int, int, int]:
    """(wards, beds per ward, discharged patients) at this scale."""
    return max(1, round(wards * scale)), beds, round(discharged * scale)


def build(
    engine: Engine,
    wards: int,
    beds: int,
    discharged: int,
    now: datetime,
    progress: bool = True,
    days: int = DAYS,
) -> int:
    """Write the patients and their `days`-day histories; returns the number of rows written."""
    if days < 1:
        raise SystemExit(f"--days must be at least 1, not {days}")
    templates = build_templates(days)
    if engine.dialect.name == "sqlite":  # a large page cache: the indexes of a multi-million-row load stay in memory

        @event.listens_for(engine, "connect")
        def _cache(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA cache_size=-1000000")

        engine.dispose()
    tables: list[Table] = [*CLINICAL_TABLES, AuditEvent.__table__]  # type: ignore[list-item]
    patients_table: Table = Patient.__table__  # type: ignore[assignment]
    times = {table.name: _time_columns(table) for table in [*tables, patients_table]}
    # Ids: each patient gets a block per table as wide as the widest template's span of ids (amendments included).
    per_template = {
        t.name: max((r[t.name][-1]["id"] - r[t.name][0]["id"] + 1 for _p, r in templates if r[t.name]), default=0)
        for t in tables
    }
    # Who: (ward, bed, admitted_at, discharged_at). Active patients were admitted so that their last obs (hour
    # days * 24 - 4 of the course) was up to three hours ago, so the ward is up to date and its schedules do not
    # fall due together; discharged ones over the two years before.
    people: list[tuple[str, str, datetime, datetime | None]] = []
    for w in range(wards):
        for b in range(1, beds + 1):
            admitted = now - timedelta(hours=days * 24 - 4, minutes=(w * beds + b) * 37 % 180)
            people.append((WARDS[w % len(WARDS)], str(b), admitted, None))
    for n in range(discharged):
        admitted = now - timedelta(days=days + 1 + (n * 730) // max(1, discharged), hours=n % 24)
        people.append((WARDS[n % wards], str(n % beds + 1), admitted, admitted + timedelta(days=days)))
    rows_per_patient = [sum(len(r) for r in rows.values()) + 1 for _p, rows in templates]
    total = sum(rows_per_patient[i % 3 == 2] for i in range(len(people)))
    written = 0
    with engine.begin() as conn:
        if conn.scalar(select(func.count()).select_from(patients_table)):
            raise SystemExit("the database already holds patients: make_large fills an empty, migrated database")
        first = {t.name: _next_id(conn, t) for t in [*tables, patients_table]}
    bar = tqdm(total=total, unit="row", unit_scale=True, disable=not progress, desc="rows")
    # One transaction per chunk of patients: a large load neither holds one huge transaction nor commits per row.
    group = 50
    for start in range(0, len(people), group):
        batch: dict[str, list[dict[str, Any]]] = {t.name: [] for t in [patients_table, *tables]}
        for index in range(start, min(start + group, len(people))):
            ward, bed, admitted, discharged_at = people[index]
            patient, rows = templates[1 if index % 3 == 2 else 0]
            shift = admitted - EPOCH
            pid = first[patients_table.name] + index
            offsets = {
                name: first[name] + index * per_template[name] - rows[name][0]["id"]
                for name in per_template
                if rows[name]
            }
            person = dict(patient)
            for column in times[patients_table.name]:
                if person[column] is not None:
                    person[column] = person[column] + shift
            person.update(
                id=pid,
                hospital_number=f"RTD{pid:07d}",
                name=f"Patient {pid}",
                ward=ward,
                bed=bed,
                discharged_at=discharged_at,
            )
            batch[patients_table.name].append(person)
            for table in tables:
                name = table.name
                for row in rows[name]:
                    copy = dict(row)
                    copy["id"] = row["id"] + offsets[name]
                    copy["patient_id"] = pid
                    for column in times[name]:
                        if copy[column] is not None:
                            copy[column] = copy[column] + shift
                    if name == AuditEvent.__tablename__:
                        kind_table = next((t for t, k in KIND_OF_TABLE.items() if k == copy["record_type"]), None)
                        if kind_table is not None:
                            copy["record_id"] = row["record_id"] + offsets[kind_table]
                        elif copy["record_type"] == "patient":
                            copy["record_id"] = pid
                    elif copy.get("amends_id") is not None:
                        copy["amends_id"] = row["amends_id"] + offsets[name]
                    batch[name].append(copy)
        with engine.begin() as conn:
            for table in [patients_table, *tables]:
                for chunk in _chunks(iter(batch[table.name])):
                    conn.execute(insert(table), chunk)
                    bar.update(len(chunk))
                    written += len(chunk)
    bar.close()
    with engine.begin() as conn:
        for ward in sorted({p[0] for p in people}):
            conn.execute(insert(WardState.__table__), [{"ward": ward, "version": 1, "changed_at": now}])
        _reset_sequences(conn, [patients_table, *tables])
        conn.execute(text("ANALYZE"))  # fresh planner statistics on both engines
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.make_large", description=__doc__)
    parser.add_argument("--url", required=True, help="SQLAlchemy URL of a migrated, empty database")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the patients (not of the histories)")
    parser.add_argument("--wards", type=int, default=12)
    parser.add_argument("--beds", type=int, default=24)
    parser.add_argument("--discharged", type=int, default=5000, help="0: the active wards alone")
    parser.add_argument("--days", type=int, default=DAYS, help="length of every patient's history in days")
    parser.add_argument("--migrate", action="store_true", help="migrate the database first")
    args = parser.parse_args(argv)
    engine = make_engine(args.url)
    if args.migrate:
        upgrade(engine)
    wards, beds, discharged = plan(args.scale, args.wards, args.beds, args.discharged)
    print(f"building {wards} wards x {beds} beds active + {discharged} discharged, {args.days}-day histories")
    started = time.perf_counter()
    written = build(engine, wards, beds, discharged, datetime.now(UTC), days=args.days)
    engine.dispose()
    print(f"wrote {written:,} rows in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
