"""Importing a FHIR Bundle: parse, store in one transaction, answer with a batch- or transaction-response Bundle
whose entries say what became of each resource (an OperationOutcome for anything not stored as sent).

A `transaction` is all or nothing, as FHIR says: one resource in error and nothing is stored (the answer is an
OperationOutcome naming every problem). A `batch` or `collection` stores what is valid. A resource cartwatch does
not keep (an unknown code, a preliminary result, another resource type) is reported as a warning and does not
fail a transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from data.imports.core import Importer, ImportOptions, Issue, Outcome, RecordsWriter
from data.imports.fhir_in import BundleError, Entry, FhirOptions, parse_bundle

ERROR_STATUS = {"not-found": "404 Not Found", "forbidden": "403 Forbidden", "conflict": "409 Conflict"}


@dataclass(frozen=True)
class BundleAnswer:
    """The HTTP status and body to answer with, and whether what was stored may be committed."""

    status: int
    body: dict[str, Any]
    commit: bool
    stored: int = 0


def operation_outcome(issues: list[Issue]) -> dict[str, Any]:
    if not issues:
        issues = [Issue("information", "informational", "Bundle", "all stored")]
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": i.severity, "code": i.code, "diagnostics": i.message, "expression": [i.location]}
            for i in issues
        ],
    }


def _entry_status(entry: Entry, outcomes: list[Outcome], patient_status: str | None) -> tuple[str, list[Issue]]:
    issues = list(entry.issues) + [i for o in outcomes for i in o.issues]
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        return ERROR_STATUS.get(errors[0].code, "422 Unprocessable Entity"), issues
    if patient_status is not None:
        return patient_status, issues
    if not outcomes:
        return "200 OK", issues  # not stored, with a warning saying why
    statuses = {o.status for o in outcomes}
    for outcome in outcomes:
        if outcome.status == "duplicate":
            issues.append(Issue("information", "duplicate", entry.path, "already stored: nothing stored again"))
        elif outcome.status in ("amended", "entered-in-error"):
            message = f"{outcome.record_kind} record corrected: now record {outcome.record_id}"
            issues.append(Issue("information", "informational", entry.path, message))
    return ("201 Created" if "stored" in statuses else "200 OK"), issues


def import_bundle(
    session: Session, doc: Any, writer: RecordsWriter, options: ImportOptions, fhir: FhirOptions
) -> BundleAnswer:
    try:
        parsed = parse_bundle(doc, fhir)
    except BundleError as exc:
        return BundleAnswer(422, operation_outcome(exc.issues), commit=False)
    importer = Importer(session, writer, options)
    patient_status: dict[int, str] = {}
    for entry in parsed.entries:
        if entry.patient is None:
            continue
        patient_id, problem = importer.patient_id(entry.patient)
        if problem is not None:
            entry.issues.append(problem)
        elif patient_id is not None:
            patient_status[entry.index] = "201 Created" if patient_id in importer.registered else "200 OK"
    atomic = parsed.type == "transaction"
    if atomic and any(e.rejected for e in parsed.entries):
        issues = [i for e in parsed.entries for i in e.issues if i.severity == "error"]
        return BundleAnswer(422, operation_outcome(issues), commit=False)
    result = importer.store(parsed.pieces())
    by_entry: dict[str, list[Outcome]] = {}
    for outcome in result.outcomes:
        by_entry.setdefault(outcome.piece.ref, []).append(outcome)
    if atomic and result.failed:
        issues = [i for o in result.failed for i in o.issues]
        return BundleAnswer(422, operation_outcome(issues), commit=False)
    entries = []
    for entry in parsed.entries:
        outcomes = by_entry.get(entry.path, [])
        status, issues = _entry_status(entry, outcomes, patient_status.get(entry.index))
        response: dict[str, Any] = {"status": status}
        located = next((o for o in outcomes if o.record_id is not None), None)
        if located is not None:
            response["location"] = f"{located.record_kind}/{located.record_id}"
        if entry.index in patient_status and entry.patient is not None:
            patient_id, _ = importer.patient_id(entry.patient)
            response["location"] = f"Patient/{patient_id}"
        if issues:
            response["outcome"] = operation_outcome(issues)
        entries.append({"response": response})
    answer = {"resourceType": "Bundle", "type": f"{'transaction' if atomic else 'batch'}-response", "entry": entries}
    stored = result.count("stored") + result.count("amended") + result.count("entered-in-error")
    return BundleAnswer(200, answer, commit=True, stored=stored)
