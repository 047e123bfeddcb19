"""HL7 v2 ORU^R01 results (v2.3 to v2.5.1), parsed with python-hl7, mapped to what cartwatch stores, answered
with an ACK: AA (stored), AE (some results not stored: an ERR segment names each segment and field) or AR (the
message itself refused: nothing stored).

OBX segments are mapped by LOINC (OBX-3 with coding system LN) or the laboratory's local code table; OBX-6 is
the unit (UCUM or a usual spelling), OBX-7 the reference range, OBX-11 the result status: F final, C corrected
(replaces the result sent before), D or W withdraws it; X (no result), P and I (preliminary, pending) are not
stored. The patient is matched by PID-3 (hospital number). A time without an offset is the ward's local time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import hl7
from sqlalchemy.orm import Session

from data.catalogue import ANALYTES, UnknownUnit, convert
from data.imports.codes import Target, loinc_target
from data.imports.core import Importer, ImportOptions, Issue, PatientRef, Piece, RecordsWriter
from data.units import UnitError, convert_unit, to_ucum

VERSIONS = ("2.3", "2.3.1", "2.4", "2.5", "2.5.1")
NUMERIC_TYPES = ("NM", "SN")
STORED_STATUS = {"F": False, "C": True}  # status -> is a correction
WITHDRAWN_STATUS = ("D", "W")
NOT_STORED_STATUS = {
    "X": "no result could be obtained",
    "P": "preliminary",
    "I": "pending",
    "R": "not verified",
    "S": "partial",
}
# HL7 table 0357 (message error condition codes), by the FHIR issue type of the problem.
ERROR_CODES = {
    "structure": ("100", "Segment sequence error"),
    "required": ("101", "Required field missing"),
    "value": ("102", "Data type error"),
    "not-supported": ("103", "Table value not found"),
    "unsupported-message": ("200", "Unsupported message type"),
    "unsupported-version": ("203", "Unsupported version id"),
    "not-found": ("204", "Unknown key identifier"),
    "conflict": ("205", "Duplicate key identifier"),
    "forbidden": ("207", "Application internal error"),
    "business-rule": ("207", "Application internal error"),
    "exception": ("207", "Application internal error"),
}
_OBX_FIELDS = {
    "unit": "{where}.OBX-6",
    "reference_low": "{where}.OBX-7",
    "reference_high": "{where}.OBX-7",
    "collected_at": "{where}.OBX-14",
    "taken_at": "{where}.OBX-14",
}
_LOCATION = re.compile(r"^([A-Z0-9]{3})\[(\d+)\](?:\.[A-Z0-9]{3}-(\d+))?")
_TS = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:\.\d+)?([+-]\d{4})?$")
_RANGE = re.compile(r"^\s*(-?[\d.]+)?\s*(?:-|–|to)\s*(-?[\d.]+)?\s*$|^\s*([<>]=?)\s*(-?[\d.]+)\s*$")


class MessageRejected(ValueError):
    """The message cannot be taken at all (AR): not HL7, not ORU^R01, a version not supported."""

    def __init__(self, issue: Issue) -> None:
        self.issue = issue
        super().__init__(f"{issue.location}: {issue.message}")


@dataclass(frozen=True)
class Hl7Options:
    ward_timezone: str = "Europe/London"
    local_codes: dict[str, Target] = field(default_factory=dict)


@dataclass
class ParsedMessage:
    message: Any  # hl7.Message
    control_id: str
    version: str
    pieces: list[Piece]
    issues: list[Issue]


def decode(raw: bytes | str) -> str:
    """Text with `\\r` segment endings, whatever the sender used (`\\r\\n`, `\\n`), without a byte-order mark."""
    text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw.removeprefix("\ufeff")
    return text.replace("\r\n", "\r").replace("\n", "\r").strip("\r \t\x0b\x1c")


def _field(segment: Any, number: int, component: int = 1) -> str:
    """Field `number` (component `component`) of a segment as text, '' when absent (python-hl7 counts MSH-1,
    the field separator, as a field, so MSH-9 is `segment[9]` as in every other segment)."""
    index = number
    if len(segment) <= index:
        return ""
    value = segment[index]
    if isinstance(value, str):
        return _unescape(value) if component == 1 else ""
    repetition = value[0] if len(value) else ""
    if isinstance(repetition, str):
        return _unescape(repetition) if component == 1 else ""
    if len(repetition) < component:
        return ""
    return _unescape(str(repetition[component - 1]))


_ESCAPES = {"\\F\\": "|", "\\S\\": "^", "\\T\\": "&", "\\R\\": "~", "\\E\\": "\\"}


def _unescape(text: str) -> str:
    """HL7's escapes of its own delimiters (a unit `x10\\S\\9/L` is `x10^9/L`)."""
    if "\\" not in text:
        return text
    return re.sub(r"\\[FSTRE]\\", lambda m: _ESCAPES[m.group(0)], text)


def parse_time(text: str, zone: ZoneInfo) -> datetime | None:
    """An HL7 TS/DTM to the minute at least; no offset means the ward's local time. None if not a full time."""
    matched = _TS.match(text.strip())
    if matched is None:
        return None
    year, month, day, hour, minute, second, offset = matched.groups()
    tz: Any = zone
    if offset is not None:
        sign = 1 if offset[0] == "+" else -1
        minutes = sign * (int(offset[1:3]) * 60 + int(offset[3:5]))
        tz = timezone(timedelta(minutes=minutes))
    local = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), tzinfo=tz)
    return local.astimezone(UTC)


def _reference_range(text: str) -> tuple[float | None, float | None] | None:
    matched = _RANGE.match(text) if text.strip() else None
    if matched is None:
        return None
    low, high, comparator, bound = matched.groups()
    if comparator is not None:
        return (None, float(bound)) if comparator.startswith("<") else (float(bound), None)
    if low is None and high is None:
        return None
    return (float(low) if low else None, float(high) if high else None)


def parse_message(raw: bytes | str, options: Hl7Options) -> ParsedMessage:
    text = decode(raw)
    if not text.startswith("MSH"):
        raise MessageRejected(Issue("error", "structure", "MSH[1]", "the message does not start with an MSH segment"))
    try:
        message = hl7.parse(text)
        msh = message.segment("MSH")
    except (ValueError, KeyError, IndexError) as exc:
        raise MessageRejected(Issue("error", "structure", "MSH[1]", f"not an HL7 v2 message: {exc}")) from None
    control_id = _field(msh, 10)
    kind = f"{_field(msh, 9, 1)}^{_field(msh, 9, 2)}"
    if kind != "ORU^R01":
        message_type = "unsupported-message"
        raise MessageRejected(Issue("error", message_type, "MSH[1].MSH-9", f"{kind} is not taken: send ORU^R01"))
    version = _field(msh, 12)
    if version not in VERSIONS:
        found = f"version '{version}' is not supported: {', '.join(VERSIONS)}"
        raise MessageRejected(Issue("error", "unsupported-version", "MSH[1].MSH-12", found))
    parsed = ParsedMessage(message, control_id, version, [], [])
    _map_results(message, msh, parsed, options)
    return parsed


def _patient(segment: Any, issues: list[Issue]) -> PatientRef | None:
    identifiers = segment[3] if len(segment) > 3 else ""
    numbers: list[tuple[str, str]] = []
    for repetition in identifiers if not isinstance(identifiers, str) else [identifiers]:
        if isinstance(repetition, str):
            numbers.append((repetition, ""))
        elif len(repetition) and str(repetition[0]):
            kind = str(repetition[4]) if len(repetition) > 4 else ""
            numbers.append((str(repetition[0]), kind))
    numbers = [(number, kind) for number, kind in numbers if number]
    if not numbers:
        issues.append(Issue("error", "required", "PID[1].PID-3", "PID-3 gives no hospital number"))
        return None
    number = next((n for n, kind in numbers if kind == "MR"), numbers[0][0])
    return PatientRef(f"hospital number {number}", hospital_number=number, location="PID[1].PID-3")


def _map_results(message: Any, msh: Any, parsed: ParsedMessage, options: Hl7Options) -> None:
    zone = ZoneInfo(options.ward_timezone)
    facility = _field(msh, 4)
    patient: PatientRef | None = None
    order: str = parsed.control_id
    order_time: datetime | None = None
    counts: dict[str, int] = {}
    for segment in message:
        name = str(segment[0][0])
        counts[name] = counts.get(name, 0) + 1
        where = f"{name}[{counts[name]}]"
        if name == "PID":
            patient = _patient(segment, parsed.issues)
        elif name == "OBR":
            order = _field(segment, 3) or _field(segment, 2) or f"{parsed.control_id}-{counts[name]}"
            order_time = parse_time(_field(segment, 7), zone)
        elif name == "OBX":
            if counts.get("PID", 0) == 0:
                parsed.issues.append(Issue("error", "structure", where, "an OBX before any PID segment"))
                continue
            if patient is None:
                continue  # PID-3 is already reported
            piece = _result(segment, where, patient, f"{facility}|{order}", order_time, options, parsed.issues)
            if piece is not None:
                parsed.pieces.append(piece)
    if counts.get("PID", 0) == 0:
        parsed.issues.append(Issue("error", "required", "PID[1]", "the message has no PID segment"))


def _target(segment: Any, options: Hl7Options) -> tuple[Target | None, str]:
    code, system = _field(segment, 3, 1), _field(segment, 3, 3)
    alternate, alternate_system = _field(segment, 3, 4), _field(segment, 3, 6)
    for candidate, candidate_system in ((code, system), (alternate, alternate_system)):
        if candidate_system == "LN" and loinc_target(candidate) is not None:
            return loinc_target(candidate), candidate
        if candidate and candidate in options.local_codes:
            return options.local_codes[candidate], candidate
    return None, f"{code}^{_field(segment, 3, 2)}^{system}"


def _result(
    segment: Any,
    where: str,
    patient: PatientRef,
    order: str,
    order_time: datetime | None,
    options: Hl7Options,
    issues: list[Issue],
) -> Piece | None:
    target, code = _target(segment, options)
    if target is None:
        issues.append(Issue("warning", "not-supported", f"{where}.OBX-3", f"{code} is not a result cartwatch stores"))
        return None
    status = _field(segment, 11)
    if status in NOT_STORED_STATUS:
        message = f"OBX-11 '{status}' ({NOT_STORED_STATUS[status]}): not stored; only final and corrected results are"
        issues.append(Issue("warning", "business-rule", f"{where}.OBX-11", message))
        return None
    if status not in STORED_STATUS and status not in WITHDRAWN_STATUS:
        message = f"OBX-11 '{status}' is not a result status: F, C, D, W, X, P, I, R or S"
        issues.append(Issue("error", "value", f"{where}.OBX-11", message))
        return None
    when = parse_time(_field(segment, 14), ZoneInfo(options.ward_timezone)) or order_time
    if when is None:
        message = "the result needs a date and time to the minute (OBX-14 or OBR-7)"
        issues.append(Issue("error", "required", f"{where}.OBX-14", message))
        return None
    withdrawn = status in WITHDRAWN_STATUS
    values: dict[str, Any] = {}
    if not withdrawn:
        found = _value(segment, where, target, issues)
        if found is None:
            return None
        values = found
    else:  # the values do not matter for a withdrawal; the key finds what it withdraws
        values = {"withdrawn": code}
    kind = "labs" if target.analyte is not None else "observations"
    time_field = "collected_at" if kind == "labs" else "taken_at"
    values[time_field] = when.isoformat()
    return Piece(
        ref=where,
        patient=patient,
        kind=kind,
        values=values,
        time_field=time_field,
        key=f"{order}|{code}|{_field(segment, 4)}",
        correction=STORED_STATUS.get(status, False),
        entered_in_error=withdrawn,
        group=when.isoformat() if kind == "observations" else None,
        locations={name: _OBX_FIELDS.get(name, f"{where}.OBX-5").format(where=where) for name in values},
    )


def _number(segment: Any, where: str, issues: list[Issue]) -> float | None:
    value_type = _field(segment, 2)
    if value_type not in NUMERIC_TYPES:
        message = f"OBX-2 '{value_type}': only numeric results (NM, SN) are stored"
        issues.append(Issue("error", "value", f"{where}.OBX-2", message))
        return None
    if value_type == "SN":
        comparator, text = _field(segment, 5, 1), _field(segment, 5, 2)
        if comparator not in ("", "="):
            message = f"a result '{comparator}{text}' is not a number cartwatch can store"
            issues.append(Issue("error", "value", f"{where}.OBX-5", message))
            return None
    else:
        text = _field(segment, 5, 1)
    try:
        return float(text)
    except ValueError:
        issues.append(Issue("error", "value", f"{where}.OBX-5", f"'{text}' is not a number"))
        return None


def _value(segment: Any, where: str, target: Target, issues: list[Issue]) -> dict[str, Any] | None:
    number = _number(segment, where, issues)
    if number is None:
        return None
    unit = _field(segment, 6, 1)
    if target.vital is not None:
        vital = target.vital
        try:
            converted = convert_unit(number, unit or vital.unit, vital.unit)
        except UnitError as exc:
            issues.append(Issue("error", "value", f"{where}.OBX-6", f"{vital.field}: {exc}"))
            return None
        return {vital.field: round(converted) if vital.whole else round(converted, 2)}
    assert target.analyte is not None
    analyte = ANALYTES[target.analyte]
    if not unit:
        issues.append(Issue("error", "required", f"{where}.OBX-6", f"{analyte.name} needs its unit in OBX-6"))
        return None
    values: dict[str, Any] = {"analyte": analyte.name, "value": number, "unit": to_ucum(unit)}
    molar_mass = analyte.molar_mass_for(target.code)
    if molar_mass != analyte.molar_mass:
        try:
            values |= {"value": convert(analyte, number, unit, code=target.code), "unit": analyte.unit}
        except UnknownUnit as exc:
            issues.append(Issue("error", "value", f"{where}.OBX-6", str(exc)))
            return None
    reference = _field(segment, 7)
    if reference:
        bounds = _reference_range(reference)
        if bounds is None:
            message = f"OBX-7 '{reference}' is not a range such as 3.5-5.1, <10 or >2: the result is stored without it"
            issues.append(Issue("warning", "value", f"{where}.OBX-7", message))
        else:
            for end, bound in zip(("low", "high"), bounds, strict=True):
                if bound is None:
                    continue
                try:
                    values[f"reference_{end}"] = convert_unit(bound, unit, values["unit"], molar_mass)
                except UnitError as exc:
                    issues.append(Issue("error", "value", f"{where}.OBX-7", f"reference range: {exc}"))
                    return None
    return values


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\E\\")
        .replace("|", "\\F\\")
        .replace("^", "\\S\\")
        .replace("&", "\\T\\")
        .replace("~", "\\R\\")
    )


def acknowledgement(
    parsed: ParsedMessage | None, raw: bytes | str, issues: list[Issue], now: datetime, control_id: str
) -> str:
    """The ACK: AA when nothing was refused, AE when some results were, AR when the whole message was."""
    text = decode(raw)
    msh_fields = text.split("\r", 1)[0].split("|") if text.startswith("MSH") else []

    def msh(number: int) -> str:
        return msh_fields[number - 1] if len(msh_fields) >= number else ""

    errors = [i for i in issues if i.severity == "error"]
    if parsed is None:
        code = "AR"
    elif errors:
        code = "AE"
    else:
        code = "AA"
    version = parsed.version if parsed is not None else (msh(12) if msh(12) in VERSIONS else "2.5.1")
    trigger = msh(9).split("^")[1] if len(msh(9).split("^")) > 1 else "R01"
    header = [
        "MSH",
        "^~\\&",
        "CARTWATCH",
        msh(6) or "CARTWATCH",
        msh(3),
        msh(4),
        now.strftime("%Y%m%d%H%M%S") + "+0000",
        "",
        f"ACK^{trigger}^ACK",
        control_id,
        msh(11) or "P",
        version,
    ]
    summary = "; ".join(f"{i.location}: {i.message}" for i in errors) or ("stored" if code == "AA" else "")
    segments = ["|".join(header), "|".join(["MSA", code, parsed.control_id if parsed else msh(10), _escape(summary)])]
    for issue in issues:
        if issue.severity == "information":
            continue
        number, label = ERROR_CODES.get(issue.code, ERROR_CODES["exception"])
        matched = _LOCATION.match(issue.location)
        segment, sequence, position = matched.groups() if matched else ("MSH", "1", None)
        location = "^".join([segment, sequence, position or ""]).rstrip("^")
        severity = "E" if issue.severity == "error" else "W"
        old_style = f"{location}^{number}&{label}"  # ERR-1, for v2.3 and v2.4 receivers
        segments.append(
            "|".join(
                ["ERR", old_style, location, f"{number}^{label}^HL70357", severity, "", "", "", _escape(issue.message)]
            )
        )
    return "\r".join(segments) + "\r"


def receive(
    session: Session, raw: bytes | str, writer: RecordsWriter, options: ImportOptions, hl7_options: Hl7Options
) -> tuple[ParsedMessage | None, list[Issue]]:
    """Parse and store one message in the caller's transaction; the issues go into its ACK."""
    try:
        parsed = parse_message(raw, hl7_options)
    except MessageRejected as exc:
        return None, [exc.issue]
    if any(i.severity == "error" and i.location.startswith("PID") for i in parsed.issues):
        return parsed, parsed.issues  # no patient: nothing to store
    result = Importer(session, writer, options).store(parsed.pieces)
    issues = list(parsed.issues)
    for outcome in result.outcomes:
        issues += [i for i in outcome.issues if i not in issues]  # an unknown patient once, not once per OBX
    return parsed, issues
