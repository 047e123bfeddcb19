from dashboard.views.records_table import (
    COLUMNS,
    amend_body,
    column_defs,
    error_body,
    pending_changes,
    pending_text,
    row_data,
)
from tests.unit.dashboard.factories import TZ, obs


def _row(record_id: int, temperature: float) -> object:
    row = obs(temperature_c=temperature)
    row.id, row.recorded_by, row.amendment_reason = record_id, "nurse", None
    return row


def test_rows_are_newest_first_with_string_ids_and_ward_time() -> None:
    rows = row_data("observations", [_row(1, 37.0), _row(2, 38.0)], TZ)
    assert [r["id"] for r in rows] == ["2", "1"]
    assert rows[0]["when"] == "Tue 24 Nov 12:00" and rows[0]["temperature_c"] == 38.0


def test_only_the_records_own_fields_are_editable() -> None:
    defs = {d["field"]: d for d in column_defs("crs-assessments")}
    assert defs["temperature_c"]["editable"] and not defs["grade"]["editable"] and not defs["when"]["editable"]
    for kind in COLUMNS:
        assert column_defs(kind)[0]["field"] == "when"


def test_cell_edits_collect_into_one_amendment_per_record() -> None:
    edit = {"colId": "temperature_c", "value": 37.4, "data": {"id": "5"}}
    pending = pending_changes("observations", [edit], {})
    pending = pending_changes("observations", [{**edit, "colId": "heart_rate", "value": 90}], pending)
    assert pending == {"record_id": 5, "changes": {"temperature_c": 37.4, "heart_rate": 90}}
    other = pending_changes("observations", [{**edit, "data": {"id": "6"}}], pending)
    assert other == {"record_id": 6, "changes": {"temperature_c": 37.4}}


def test_lab_edits_use_the_request_field_names() -> None:
    pending = pending_changes("labs", [{"colId": "original_value", "value": 12.0, "data": {"id": "1"}}], {})
    assert pending["changes"] == {"value": 12.0}


def test_read_only_columns_cannot_be_amended() -> None:
    assert pending_changes("crs-assessments", [{"colId": "grade", "value": 0, "data": {"id": "1"}}], {}) == {}


def test_amendment_bodies_carry_the_reason() -> None:
    pending = {"record_id": 5, "changes": {"temperature_c": 37.4}}
    assert amend_body(pending, "typo") == {"reason": "typo", "changes": {"temperature_c": 37.4}}
    assert error_body("wrong patient") == {"reason": "wrong patient", "entered_in_error": True}
    assert "Record 5: temperature_c → 37.4" in pending_text(pending)
