from datetime import UTC, datetime, timedelta

import pytest

from dashboard.views.audit_view import (
    ANY_OUTCOME,
    DETAILS_LIMIT,
    ROW_LIMIT,
    FilterInput,
    action_options,
    audit_rows,
    column_defs,
    outcome_options,
    parse_filters,
    refused,
    status,
    when_text,
)
from data.audit import AuditFilter
from data.models import AuditEvent
from data.validation import InvalidInput
from tests.unit.dashboard.factories import NOW, TZ


def _event(**fields: object) -> AuditEvent:
    values = {
        "id": 9,
        "occurred_at": NOW,
        "actor": "nurse.jones",
        "role": "nurse",
        "action": "create",
        "record_type": "observation",
        "record_id": 41,
        "patient_id": 3,
        "outcome": "success",
        "source": "form",
        "source_address": "10.0.0.7",
        "details": {},
    }
    return AuditEvent(**{**values, **fields})


def _errors(form: FilterInput) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as caught:
        parse_filters(form, TZ)
    return [(e.field, e.allowed) for e in caught.value.errors]


def test_a_row_shows_who_did_what_to_which_record_in_ward_time() -> None:
    row = audit_rows([_event()], TZ)[0]
    assert row == {
        "id": "9",
        "when": "2026-11-24 12:00:00 GMT",
        "actor": "nurse.jones",
        "role": "nurse",
        "action": "create",
        "record_type": "observation",
        "record_id": 41,
        "patient_id": 3,
        "patient": "",
        "outcome": "success",
        "details": "",
        "source": "form",
        "address": "10.0.0.7",
    }


def test_an_event_without_a_record_role_or_address_shows_blanks_not_none() -> None:
    event = _event(role=None, record_type=None, record_id=None, patient_id=None, source=None, source_address=None)
    row = audit_rows([event], TZ)[0]
    assert [row[k] for k in ("role", "record_type", "record_id", "patient_id", "source", "address")] == [""] * 6


def test_summer_times_carry_the_summer_zone() -> None:
    assert when_text(datetime(2026, 7, 1, 11, 0, 5, tzinfo=UTC), TZ) == "2026-07-01 12:00:05 BST"


def test_every_column_of_the_grid_is_a_field_of_the_rows() -> None:
    fields = {c["field"] for c in column_defs()}
    assert fields <= set(audit_rows([_event()], TZ)[0])


def test_an_empty_form_filters_nothing_and_keeps_the_row_limit() -> None:
    assert parse_filters(FilterInput(actor="  ", outcome="", patient_id=None), TZ) == AuditFilter(limit=ROW_LIMIT)


def test_any_outcome_is_no_outcome_filter() -> None:
    assert parse_filters(FilterInput(outcome=ANY_OUTCOME), TZ).outcome is None
    assert ANY_OUTCOME in [o["value"] for o in outcome_options()]


def test_text_filters_are_trimmed_and_the_patient_id_is_a_number() -> None:
    where = parse_filters(
        FilterInput(actor=" nurse.jones ", action="create", outcome="forbidden", record_type="user", patient_id="12"),
        TZ,
    )
    assert (where.actor, where.action, where.outcome, where.record_type, where.patient_id) == (
        "nurse.jones",
        "create",
        "forbidden",
        "user",
        12,
    )


def test_dates_are_whole_days_in_ward_time_until_inclusive() -> None:
    where = parse_filters(FilterInput(since="2026-07-01", until="2026-07-02"), TZ)
    assert where.since == datetime(2026, 6, 30, 23, 0, tzinfo=UTC)  # midnight BST
    assert where.until == datetime(2026, 7, 2, 23, 0, tzinfo=UTC) - timedelta(microseconds=1)


def test_one_day_is_since_and_until_the_same_date() -> None:
    where = parse_filters(FilterInput(since="2026-11-24", until="2026-11-24"), TZ)
    assert where.since is not None and where.until is not None
    assert where.until - where.since == timedelta(days=1) - timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("form", "field", "allowed"),
    [
        (FilterInput(since="yesterday"), "since", "a date as YYYY-MM-DD (ward time)"),
        (FilterInput(until="24/11/2026"), "until", "a date as YYYY-MM-DD (ward time)"),
        (FilterInput(since="2026-02-30"), "since", "a date as YYYY-MM-DD (ward time)"),
        (FilterInput(patient_id="bed 3"), "patient id", "a whole number (the patient's id)"),
        (FilterInput(patient_id="-3"), "patient id", "a whole number (the patient's id)"),
        (FilterInput(outcome="maybe"), "outcome", "one of success, failure, forbidden, locked"),
    ],
    ids=[
        "since-not-a-date",
        "until-day-first",
        "since-no-such-day",
        "patient-id-text",
        "patient-id-negative",
        "outcome",
    ],
)
def test_a_bad_filter_names_the_field_and_what_it_allows(form: FilterInput, field: str, allowed: str) -> None:
    assert _errors(form) == [(field, allowed)]


def test_every_bad_filter_is_reported_at_once() -> None:
    fields = [field for field, _ in _errors(FilterInput(patient_id="x", since="then", until="now"))]
    assert fields == ["patient id", "since", "until"]


def test_until_before_since_is_refused() -> None:
    assert _errors(FilterInput(since="2026-11-24", until="2026-11-23")) == [("until", "on or after since (2026-11-24)")]


def test_the_refusal_message_says_the_field_and_the_format() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_filters(FilterInput(since="yesterday"), TZ)
    result = refused(caught.value)
    assert result.rows == [] and result.color == "danger"
    assert result.message == "since: 'yesterday' is not a date — use a date as YYYY-MM-DD (ward time)"


def test_the_status_says_how_many_and_warns_when_the_limit_cut_some_off() -> None:
    assert status(1, more=False) == ("1 event, newest first.", "secondary")
    assert status(0, more=False)[0] == "No audit events match these filters."
    message, color = status(ROW_LIMIT, more=True)
    assert color == "warning" and f"newest {ROW_LIMIT} events only" in message


def test_the_reason_comes_first_in_the_details_and_a_long_text_is_cut() -> None:
    event = _event(details={"amends": 41, "reason": "typo in the temperature", "changed": {"bed": "3"}})
    assert audit_rows([event], TZ)[0]["details"] == "reason: typo in the temperature; amends: 41; changed: bed 3"
    long = audit_rows([_event(details={"why": "x" * 1000})], TZ)[0]["details"]
    assert long.startswith("why: xxx") and long.endswith("…") and len(long) == DETAILS_LIMIT + 1


def test_a_patient_is_named_only_when_a_label_is_given_for_them() -> None:
    rows = audit_rows([_event(), _event(id=10, patient_id=4)], TZ, {3: "Bed 3 · Ann Smith (Ward 33)"})
    assert [r["patient"] for r in rows] == ["Bed 3 · Ann Smith (Ward 33)", ""]


def test_the_action_menu_offers_any_then_each_action_and_any_filters_nothing() -> None:
    assert [o["value"] for o in action_options(["access", "read"])] == ["any", "access", "read"]
    assert parse_filters(FilterInput(action="any"), TZ).action is None
    assert parse_filters(FilterInput(action="read"), TZ).action == "read"
