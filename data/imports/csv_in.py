"""CSV back-entry of obs and labs (after downtime): one row per obs set or per lab result.

Columns: `hospital_number`, `time` (ISO 8601; without an offset it is the ward's local time), then either obs
columns (`temperature_c`, `heart_rate`, `respiratory_rate`, `systolic_bp`, `diastolic_bp`, `spo2`,
`oxygen_device`, `oxygen_flow_l_min`, `fio2`, `consciousness`) or lab columns (`analyte`, `value`, `unit`,
`reference_low`, `reference_high`). Empty cells are "not recorded". Every row is validated as a typed record.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from data.imports.core import Issue, PatientRef, Piece

OBS_COLUMNS = {
    "temperature_c": float,
    "heart_rate": int,
    "respiratory_rate": int,
    "systolic_bp": int,
    "diastolic_bp": int,
    "spo2": int,
    "oxygen_device": str,
    "oxygen_flow_l_min": float,
    "fio2": float,
    "consciousness": str,
}
LAB_COLUMNS = {"analyte": str, "value": float, "unit": str, "reference_low": float, "reference_high": float}
COLUMNS = ("hospital_number", "time", *OBS_COLUMNS, *LAB_COLUMNS)


class CsvError(ValueError):
    """The file cannot be read as back-entry at all (no header, unknown columns)."""


@dataclass
class Row:
    line: int
    piece: Piece | None
    issues: list[Issue]


def _number(kind: type, text: str) -> Any:
    value = float(text)
    if kind is int:
        if not value.is_integer():
            raise ValueError(f"'{text}' is not a whole number")
        return int(value)
    return value


def _time(text: str, zone: ZoneInfo) -> datetime:
    value = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    return value.replace(tzinfo=zone) if value.tzinfo is None else value


def read_rows(handle: TextIO, ward_timezone: str) -> Iterator[Row]:
    reader = csv.DictReader(handle)
    if reader.fieldnames is None:
        raise CsvError("the file is empty: the first line must name the columns")
    names = [name.strip() for name in reader.fieldnames]
    unknown = [name for name in names if name not in COLUMNS]
    missing = [name for name in ("hospital_number", "time") if name not in names]
    if unknown or missing:
        problems = [f"unknown column(s) {', '.join(unknown)}"] if unknown else []
        problems += [f"missing column(s) {', '.join(missing)}"] if missing else []
        raise CsvError(f"{'; '.join(problems)}: the columns are {', '.join(COLUMNS)}")
    zone = ZoneInfo(ward_timezone)
    for raw in reader:
        line = reader.line_num
        cells = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        yield _row(line, cells, zone)


def _row(line: int, cells: dict[str, str], zone: ZoneInfo) -> Row:
    where = f"line {line}"
    issues: list[Issue] = []
    number = cells.get("hospital_number", "")
    if not number:
        issues.append(Issue("error", "required", f"{where}, hospital_number", "hospital_number is empty"))
    when: datetime | None = None
    try:
        when = _time(cells.get("time", ""), zone)
    except ValueError:
        message = f"'{cells.get('time', '')}' is not an ISO 8601 date and time (2026-11-24T14:00)"
        issues.append(Issue("error", "value", f"{where}, time", message))
    lab = bool(cells.get("analyte"))
    columns = LAB_COLUMNS if lab else OBS_COLUMNS
    other = [name for name in (OBS_COLUMNS if lab else LAB_COLUMNS) if cells.get(name)]
    if other:
        message = f"a row is one obs set or one lab result: {', '.join(other)} given with {'a lab' if lab else 'obs'}"
        issues.append(Issue("error", "structure", f"{where}, {other[0]}", message))
    values: dict[str, Any] = {}
    for name, column_type in columns.items():
        text = cells.get(name, "")
        if not text:
            continue
        try:
            values[name] = text if column_type is str else _number(column_type, text)
        except ValueError:
            issues.append(Issue("error", "value", f"{where}, {name}", f"'{text}' is not a number"))
    if issues or when is None:
        return Row(line, None, issues)
    kind = "labs" if lab else "observations"
    time_field = "collected_at" if lab else "taken_at"
    values[time_field] = when.isoformat()
    digest = hashlib.sha256(repr(sorted({"hospital_number": number, **values}.items())).encode()).hexdigest()
    piece = Piece(
        ref=where,
        patient=PatientRef(f"hospital number {number}", hospital_number=number, location=f"{where}, hospital_number"),
        kind=kind,
        values=values,
        time_field=time_field,
        key=digest,
        group=where,
        locations={name: f"{where}, {'time' if name == time_field else name}" for name in values},
    )
    return Row(line, piece, [])


def open_csv(path: Path) -> TextIO:
    return path.open(newline="", encoding="utf-8-sig")
