"""Storing what a feed sends: each item (a FHIR resource, an HL7 OBX, a CSV row) mapped to part of a record.

Every record goes through the same write path as a typed one (`RecordsWriter.record`, then `RecordsWriter.written`
in the same transaction, where the escalation rules run). An item that cannot be stored is reported with where it
is and why, never dropped; the sender's identifier of each item is kept (`ImportKey`), so the same item sent again
is stored once, and a correction or an "entered in error" finds the record it changes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from data import records
from data.audit import Actor
from data.models import CLINICAL_MODELS, ClinicalRecord, ImportKey, Patient
from data.schemas import VITAL_SIGNS
from data.settings import Settings
from data.validation import InvalidInput

Status = Literal["stored", "amended", "duplicate", "entered-in-error", "rejected", "not-stored"]
Severity = Literal["error", "warning", "information"]


@dataclass(frozen=True)
class Issue:
    """Why an item was not stored as sent: FHIR OperationOutcome's severity and issue type, where, what."""

    severity: Severity
    code: str  # FHIR IssueType: invalid, required, value, not-found, not-supported, conflict, forbidden, ...
    location: str  # "Bundle.entry[3].resource.valueQuantity.unit", "OBX[2].OBX-6", "line 7, temperature_c"
    message: str


@dataclass(frozen=True)
class PatientRef:
    """Whom an item is about, as the sender says it: cartwatch's own id, or a hospital number, and for a patient
    the sender registers, the registration (a `PatientIn` body)."""

    label: str
    patient_id: int | None = None
    hospital_number: str | None = None
    registration: dict[str, Any] | None = field(default=None, hash=False, compare=False)
    location: str = field(default="subject", hash=False, compare=False)


@dataclass
class Piece:
    """One sent item mapped to request fields of a record of `kind`."""

    ref: str
    patient: PatientRef
    kind: str  # observations, labs, medications
    values: dict[str, Any]
    time_field: str  # taken_at, collected_at, given_at
    key: str | None = None
    correction: bool = False  # the sender corrects what it sent before under the same key
    entered_in_error: bool = False
    group: str | None = None  # obs items of one patient and time share a group: one obs set
    exported: tuple[str, int] | None = None  # (kind, id) when the item is one cartwatch exported itself
    locations: dict[str, str] = field(default_factory=dict)  # request field -> where it is in the source

    sent_hash: str = ""  # of the values as sent (before anything is left out), to know a repeat

    def __post_init__(self) -> None:
        text = json.dumps([self.kind, self.values, self.entered_in_error], sort_keys=True, default=str)
        self.sent_hash = hashlib.sha256(text.encode()).hexdigest()

    def content_hash(self) -> str:
        return self.sent_hash

    def where(self, request_field: str) -> str:
        return self.locations.get(request_field, self.ref)


@dataclass
class Outcome:
    piece: Piece
    status: Status
    issues: list[Issue] = field(default_factory=list)
    record_kind: str | None = None
    record_id: int | None = None
    late_entry: bool = False  # the record stored was marked late entry

    @property
    def failed(self) -> bool:
        return self.status == "rejected"


@dataclass
class ImportResult:
    outcomes: list[Outcome]
    rows: list[ClinicalRecord]
    issues: list[Issue] = field(default_factory=list)  # about the whole bundle or message, not one item

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.failed]

    def count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


WrittenHook = Callable[[Session, Sequence[ClinicalRecord], datetime], None]
"""What runs on the records an import wrote, in its transaction: the escalation rules, which live outside `data`
(`alerts.hooks.escalating_writer`)."""


@dataclass(frozen=True)
class RecordsWriter:
    """The write path of every feed: `data.records` with the ward's settings (how long before admission a time
    may lie), then `on_written` on what was written in the same transaction, where the escalation rules run as
    for a record typed into a form. `mark_late_entry`: the records are entered by a person (a back-entry file),
    so each is marked late entry when `data.records.is_late_entry` says so."""

    settings: Settings | None = None
    mark_late_entry: bool = False
    on_written: WrittenHook | None = None

    @property
    def _pre_admission(self) -> timedelta | None:
        return self.settings.pre_admission if self.settings is not None else None

    def record(
        self, session: Session, kind: str, patient_id: int, body: dict[str, Any], actor: Actor, now: datetime
    ) -> ClinicalRecord:
        return records.record(
            session,
            kind,
            patient_id,
            body,
            actor,
            now,
            mark_late_entry=self.mark_late_entry,
            pre_admission=self._pre_admission,
        )

    def amend(
        self, session: Session, kind: str, record_id: int, body: dict[str, Any], actor: Actor, now: datetime
    ) -> ClinicalRecord:
        return records.amend(session, kind, record_id, body, actor, now, pre_admission=self._pre_admission)

    def written(self, session: Session, rows: Sequence[ClinicalRecord], now: datetime) -> None:
        if self.on_written is not None:
            self.on_written(session, rows, now)


@dataclass(frozen=True)
class ImportOptions:
    source: str  # fhir, hl7, csv
    actor: Actor
    now: datetime
    may_register: bool = False  # whether the actor may register a patient the sender describes


def _jsonable(body: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in body.items()}


def _field_issues(exc: InvalidInput, piece: Piece | None, pieces: Sequence[Piece]) -> dict[int, list[Issue]]:
    """The validation errors of a record, given to the item that sent the field (every item when none did)."""
    found: dict[int, list[Issue]] = {}
    for error in exc.errors:
        owners = [p for p in pieces if error.field.split(".")[0] in p.values] if piece is None else [piece]
        allowed = f" (allowed: {error.allowed})" if error.allowed else ""
        for owner in owners or pieces:
            where = owner.where(error.field)
            named = error.message if where.endswith(error.field) else f"{error.field}: {error.message}"
            issue = Issue("error", "value", where, f"{named}{allowed}")
            found.setdefault(id(owner), []).append(issue)
    return found


class Importer:
    """Stores the pieces of one bundle, message or file in the caller's transaction."""

    def __init__(self, session: Session, writer: RecordsWriter, options: ImportOptions) -> None:
        self.session = session
        self.writer = writer
        self.options = options
        self.rows: list[ClinicalRecord] = []
        self._patients: dict[PatientRef, tuple[int | None, Issue | None]] = {}
        self.registered: set[int] = set()

    # --- patients -------------------------------------------------------------------------------------------

    def patient_id(self, ref: PatientRef) -> tuple[int | None, Issue | None]:
        if ref not in self._patients:
            self._patients[ref] = self._resolve(ref)
        return self._patients[ref]

    def _resolve(self, ref: PatientRef) -> tuple[int | None, Issue | None]:
        if ref.patient_id is not None:
            if self.session.get(Patient, ref.patient_id) is None:
                return None, Issue("error", "not-found", ref.location, f"no patient with id {ref.patient_id}")
            return ref.patient_id, None
        if ref.hospital_number is None:
            return None, Issue("error", "required", ref.location, "the subject names no patient")
        found = self.session.scalar(select(Patient.id).where(Patient.hospital_number == ref.hospital_number))
        if found is not None:
            return found, None
        if ref.registration is None:
            return None, Issue(
                "error",
                "not-found",
                ref.location,
                f"no patient with hospital number {ref.hospital_number}: cartwatch registers a patient only from "
                "a Patient resource that gives the ward and bed",
            )
        if not self.options.may_register:
            return None, Issue("error", "forbidden", ref.location, "registering a patient needs manage_beds")
        try:
            with self.session.begin_nested():
                patient = records.create_patient(self.session, ref.registration, self.options.actor, self.options.now)
        except InvalidInput as exc:
            return None, Issue("error", "invalid", ref.location, f"the patient cannot be registered: {exc}")
        except records.Forbidden as exc:
            return None, Issue("error", "forbidden", ref.location, str(exc))
        self.registered.add(patient.id)
        return patient.id, None

    # --- storing --------------------------------------------------------------------------------------------

    def store(self, pieces: Sequence[Piece]) -> ImportResult:
        outcomes: dict[int, Outcome] = {}
        new: list[tuple[int, Piece]] = []
        first_row = len(self.rows)
        known = self._known_keys(pieces)
        seen: dict[str, Piece] = {}
        for piece in pieces:
            patient_id, problem = self.patient_id(piece.patient)
            if problem is not None or patient_id is None:
                outcomes[id(piece)] = Outcome(piece, "rejected", [problem] if problem else [])
                continue
            if piece.key is not None and piece.key in seen:
                same = seen[piece.key].sent_hash == piece.sent_hash
                other = "" if same else ", with other values"
                message = f"the same identifier as {seen[piece.key].ref} in what was sent{other}"
                issue = Issue(
                    "information" if same else "error", "duplicate" if same else "conflict", piece.ref, message
                )
                outcomes[id(piece)] = Outcome(piece, "duplicate" if same else "rejected", [issue])
                continue
            if piece.key is not None:
                seen[piece.key] = piece
            existing = known.get(piece.key) if piece.key is not None else None
            if existing is None and self._exported_here(piece, patient_id):
                message = "exported by this cartwatch: the record is already here, nothing stored again"
                outcomes[id(piece)] = Outcome(
                    piece, "duplicate", [Issue("information", "duplicate", piece.ref, message)]
                )
                continue
            if existing is None:
                if piece.entered_in_error:
                    outcomes[id(piece)] = Outcome(
                        piece,
                        "rejected",
                        [Issue("error", "not-found", piece.ref, "nothing was imported under this identifier")],
                    )
                else:
                    new.append((patient_id, piece))
                continue
            outcomes[id(piece)] = self._again(piece, existing, patient_id)
        for outcome in self._store_new(new):
            outcomes[id(outcome.piece)] = outcome
        written = self.rows[first_row:]
        self.writer.written(self.session, written, self.options.now)
        return ImportResult([outcomes[id(p)] for p in pieces], written)

    def _exported_here(self, piece: Piece, patient_id: int) -> bool:
        if piece.exported is None or piece.exported[0] not in CLINICAL_MODELS:
            return False
        row = self.session.get(CLINICAL_MODELS[piece.exported[0]], piece.exported[1])
        return row is not None and row.patient_id == patient_id

    def _known_keys(self, pieces: Sequence[Piece]) -> dict[str, ImportKey]:
        """The keys already imported among these pieces', a few hundred per statement."""
        keys = sorted({p.key for p in pieces if p.key is not None})
        found: dict[str, ImportKey] = {}
        for start in range(0, len(keys), 500):
            query = select(ImportKey).where(
                ImportKey.source == self.options.source, ImportKey.key.in_(keys[start : start + 500])
            )
            found |= {row.key: row for row in self.session.scalars(query)}
        return found

    def _remember(self, piece: Piece, patient_id: int, row: ClinicalRecord) -> None:
        if piece.key is None:
            return
        now = self.options.now
        self.session.add(
            ImportKey(
                source=self.options.source,
                key=piece.key,
                patient_id=patient_id,
                record_kind=piece.kind,
                record_id=row.id,
                fields=sorted(piece.values),
                content_hash=piece.content_hash(),
                imported_at=now,
                updated_at=now,
            )
        )

    def _store_new(self, new: Sequence[tuple[int, Piece]]) -> list[Outcome]:
        """Obs items of one group become one obs set; every other item is a record of its own."""
        groups: dict[tuple[int, str, str], list[Piece]] = {}
        for patient_id, piece in new:
            group = piece.group if piece.kind == "observations" and piece.group else f"item:{id(piece)}"
            groups.setdefault((patient_id, piece.kind, group), []).append(piece)
        outcomes: list[Outcome] = []
        for (patient_id, kind, _), members in groups.items():
            outcomes.extend(self._store_group(patient_id, kind, members))
        return outcomes

    def _store_group(self, patient_id: int, kind: str, members: list[Piece]) -> list[Outcome]:
        body: dict[str, Any] = {}
        taken: list[Piece] = []
        outcomes: list[Outcome] = []
        for piece in members:
            clash = [
                f
                for f, v in piece.values.items()
                if f in body and body[f] != v and f != piece.time_field and not isinstance(v, list)
            ]
            if clash:
                message = f"{', '.join(clash)} sent twice for the same time with different values"
                outcomes.append(Outcome(piece, "rejected", [Issue("error", "conflict", piece.ref, message)]))
                continue
            for name, value in piece.values.items():  # lists (vasopressors running) add up
                body[name] = sorted({*body.get(name, []), *value}) if isinstance(value, list) else value
            taken.append(piece)
        warned: dict[int, list[Issue]] = {}
        if kind == "observations" and body.get("oxygen_flow_l_min") is not None and body.get("oxygen_device") is None:
            # A flow says nothing of the device, and grading needs the device: the flow alone is refused.
            message = (
                "an oxygen flow needs the oxygen device recorded at the same time (cartwatch code oxygen-device): "
                "the flow is not stored"
            )
            for piece in [p for p in taken if "oxygen_flow_l_min" in p.values]:
                if set(piece.values) - {piece.time_field, "oxygen_flow_l_min"}:  # the rest of it is stored
                    piece.values = {k: v for k, v in piece.values.items() if k != "oxygen_flow_l_min"}
                    warned[id(piece)] = [Issue("warning", "required", piece.where("oxygen_flow_l_min"), message)]
                    continue
                outcomes.append(Outcome(piece, "rejected", [Issue("error", "required", piece.ref, message)]))
                taken.remove(piece)
            body.pop("oxygen_flow_l_min")
        while taken:
            if kind == "observations" and not any(body.get(name) is not None for name in VITAL_SIGNS):
                for piece in taken:
                    message = (
                        "an obs set needs at least one vital sign at the same time: "
                        f"{', '.join(sorted(piece.values.keys() - {piece.time_field}))} alone cannot be stored"
                    )
                    outcomes.append(Outcome(piece, "rejected", [Issue("error", "required", piece.ref, message)]))
                return outcomes
            try:
                with self.session.begin_nested():
                    row = self.writer.record(
                        self.session, kind, patient_id, _jsonable(body), self.options.actor, self.options.now
                    )
                    for piece in taken:
                        self._remember(piece, patient_id, row)
                    self.session.flush()
            except InvalidInput as exc:
                issues = _field_issues(exc, None, taken)
                blamed = [p for p in taken if any(i.severity == "error" for i in issues.get(id(p), []))]
                if not blamed or len(blamed) == len(taken):
                    return outcomes + [Outcome(p, "rejected", issues.get(id(p), [])) for p in taken]
                # Only some items are wrong (an implausible SpO2): the obs set is stored without them.
                outcomes += [Outcome(p, "rejected", issues[id(p)]) for p in blamed]
                taken = [p for p in taken if p not in blamed]
                body = {}
                for piece in taken:
                    for name, value in piece.values.items():
                        body[name] = sorted({*body.get(name, []), *value}) if isinstance(value, list) else value
                continue
            except records.Forbidden as exc:
                return outcomes + [
                    Outcome(p, "rejected", [Issue("error", "forbidden", p.ref, str(exc))]) for p in taken
                ]
            self.rows.append(row)
            return outcomes + [Outcome(p, "stored", warned.get(id(p), []), kind, row.id, row.late_entry) for p in taken]
        return outcomes

    def _current(self, kind: str, record_id: int) -> ClinicalRecord:
        """The version in force of a record (a user may have amended it since it was imported)."""
        model = CLINICAL_MODELS[kind]
        current: ClinicalRecord = self.session.get_one(model, record_id)
        while True:
            newer = self.session.scalar(select(model).where(model.amends_id == current.id))
            if newer is None:
                return current
            current = newer

    def _again(self, piece: Piece, existing: ImportKey, patient_id: int) -> Outcome:
        """An item whose identifier was imported before: a repeat, a correction, or an entered-in-error."""
        if existing.patient_id != patient_id or existing.record_kind != piece.kind:
            message = "this identifier was imported before for another patient or kind of record"
            return Outcome(piece, "rejected", [Issue("error", "conflict", piece.ref, message)])
        current = self._current(existing.record_kind, existing.record_id)
        if current.entered_in_error:
            if piece.entered_in_error:
                return Outcome(piece, "duplicate", [], piece.kind, current.id)
            message = "the record imported under this identifier was entered in error: send a new identifier"
            return Outcome(piece, "rejected", [Issue("error", "conflict", piece.ref, message)])
        if piece.entered_in_error:
            return self._withdraw(piece, existing, current)
        if existing.content_hash == piece.content_hash():
            return Outcome(piece, "duplicate", [], piece.kind, current.id)
        if not piece.correction:
            message = (
                "this identifier was imported before with other values: send the change as a correction "
                "(FHIR status amended or corrected, HL7 OBX-11 C)"
            )
            return Outcome(piece, "rejected", [Issue("error", "conflict", piece.ref, message)])
        changes = _jsonable(piece.values)
        return self._amend(
            piece, existing, current, {"reason": f"corrected by the sender ({piece.ref})", "changes": changes}
        )

    def _withdraw(self, piece: Piece, existing: ImportKey, current: ClinicalRecord) -> Outcome:
        """The sender withdraws an item: its values leave the record (the whole record when nothing is left)."""
        reason = f"entered in error by the sender ({piece.ref})"
        body: dict[str, Any] = {"reason": reason, "entered_in_error": True}
        if existing.record_kind == "observations":
            fields = set(existing.fields) - {piece.time_field}
            left = [name for name in VITAL_SIGNS if name not in fields and getattr(current, name) is not None]
            if left:
                body = {"reason": reason, "changes": {name: None for name in sorted(fields)}}
        outcome = self._amend(piece, existing, current, body)
        if outcome.status == "amended":
            outcome.status = "entered-in-error"
        return outcome

    def _amend(self, piece: Piece, existing: ImportKey, current: ClinicalRecord, body: dict[str, Any]) -> Outcome:
        kind = existing.record_kind
        try:
            with self.session.begin_nested():
                row = self.writer.amend(self.session, kind, current.id, body, self.options.actor, self.options.now)
                self.session.flush()
        except InvalidInput as exc:
            return Outcome(piece, "rejected", _field_issues(exc, piece, [piece]).get(id(piece), []))
        except records.Forbidden as exc:
            return Outcome(piece, "rejected", [Issue("error", "forbidden", piece.ref, str(exc))])
        for key in self.session.scalars(
            select(ImportKey).where(ImportKey.record_kind == kind, ImportKey.record_id == current.id)
        ):
            key.record_id = row.id
            key.updated_at = self.options.now
        existing.content_hash = "entered-in-error" if piece.entered_in_error else piece.content_hash()
        if not piece.entered_in_error:
            existing.fields = sorted(set(existing.fields) | set(piece.values))
        self.rows.append(row)
        return Outcome(piece, "amended", [], kind, row.id)
