"""`python -m feeds import-csv FILE --entered-by NAME [--dry-run]`: back-entry of obs and labs after downtime.

Valid rows are stored through the write path with the escalation rules, each marked as late entry when its time
is over an hour before it is entered (`data.records.is_late_entry`, as for a form); rejected rows are listed
(line, field, reason) and stored nothing. A row already imported is not stored again, so a file can be
run again after its rejected rows are corrected. Exit status: 0 all stored, 1 some rows rejected, 2 the file
could not be read.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from alerts.hooks import escalating_writer
from data.audit import Actor
from data.db import make_engine, make_session_factory
from data.imports.core import Importer, ImportOptions, Issue, Outcome
from data.imports.csv_in import CsvError, Row, open_csv, read_rows
from data.settings import Settings

CHUNK = 50  # rows stored per call: the escalation rules run once per patient per chunk


def _report(issues: list[Issue]) -> list[str]:
    return [f"{issue.location}: {issue.message}" for issue in issues]


def import_csv(path: Path, entered_by: str, dry_run: bool, settings: Settings) -> int:
    try:
        with open_csv(path) as handle:
            rows: list[Row] = list(read_rows(handle, settings.ward_timezone))
    except (OSError, CsvError, UnicodeDecodeError) as exc:
        print(f"error: {path}: {exc}", file=sys.stderr)
        return 2
    actor = Actor(entered_by, role=None, source="import")
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    rejected = [line for row in rows for line in _report(row.issues)]
    outcomes: list[Outcome] = []
    pieces = [row.piece for row in rows if row.piece is not None]
    session = sessions()
    try:
        importer = Importer(
            session, escalating_writer(settings, mark_late_entry=True), ImportOptions("csv", actor, datetime.now(UTC))
        )
        with tqdm(total=len(pieces), unit="row", desc=path.name, file=sys.stderr, disable=None) as progress:
            for start in range(0, len(pieces), CHUNK):
                chunk = pieces[start : start + CHUNK]
                outcomes += importer.store(chunk).outcomes
                progress.update(len(chunk))
        if dry_run:
            session.rollback()
        else:
            session.commit()
    finally:
        session.close()
        engine.dispose()
    for outcome in outcomes:
        if outcome.failed:
            rejected += _report(outcome.issues)
        else:
            rejected += [f"warning: {line}" for line in _report(outcome.issues) if outcome.issues]
    stored = sum(1 for o in outcomes if o.status == "stored")
    late = sum(1 for o in outcomes if o.status == "stored" and o.late_entry)
    again = sum(1 for o in outcomes if o.status == "duplicate")
    refused = len(rows) - stored - again
    for line in sorted(rejected, key=_line_number):
        print(line)
    verb = "would be stored (dry run: nothing was saved)" if dry_run else f"stored, {late} marked as late entry"
    print(f"{stored} row(s) {verb}; {again} already imported; {refused} rejected")
    return 1 if refused else 0


def _line_number(text: str) -> tuple[int, str]:
    digits = "".join(c for c in text.split(",", 1)[0] if c.isdigit())
    return (int(digits) if digits else 0, text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m feeds", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    back_entry = commands.add_parser("import-csv", help="back-entry of obs and labs from a CSV file")
    back_entry.add_argument("file", type=Path)
    back_entry.add_argument("--entered-by", required=True, help="who is entering the records (kept in the audit)")
    back_entry.add_argument("--dry-run", action="store_true", help="check every row and store nothing")
    args = parser.parse_args(argv)
    return import_csv(args.file, args.entered_by, args.dry_run, Settings.from_env())


if __name__ == "__main__":
    sys.exit(main())
