"""The routine interventions checklist and the steroid course, as the status and the page show them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from toxicity.interventions import INTERVENTION_ITEMS, Done, checklist, infusion_warning, open_items
from toxicity.steroids import SteroidDose, steroid_course

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def test_every_routine_intervention_is_open_until_recorded_in_the_guidelines_order() -> None:
    items = checklist([])
    assert [item.item for item in items] == list(INTERVENTION_ITEMS)
    assert all(item.open for item in items)
    assert infusion_warning(items).startswith("5 routine intervention(s) open: Double lumen central venous access")


def test_an_item_is_done_by_its_first_record_with_who_and_when() -> None:
    entries = [
        Done("tls_prevention", T0 + timedelta(hours=2), "nurse.b", "recorded"),
        Done("tls_prevention", T0, "nurse.a", "recorded"),
    ]
    (tls,) = [item for item in checklist(entries) if item.item == "tls_prevention"]
    assert tls.done is not None and tls.done.by == "nurse.a"
    assert tls.text.endswith("done 2026-11-20 09:00 UTC by nurse.a (recorded)")


def test_the_prophylaxis_items_are_done_by_a_dose_of_their_drug_and_no_other() -> None:
    doses = [(T0, "Aciclovir", "dr.c"), (T0, "meropenem", "dr.c"), (T0, "valaciclovir", "dr.c")]
    done = {item.item: item for item in checklist([], doses)}
    assert done["aciclovir_prophylaxis"].done is not None
    assert done["aciclovir_prophylaxis"].done.how == "aciclovir dose recorded"
    assert done["cotrimoxazole_prophylaxis"].open
    assert len(open_items(done.values())) == 4


def test_nothing_open_means_no_warning() -> None:
    entries = [Done(item, T0, "dr.c", "recorded") for item in INTERVENTION_ITEMS]
    assert infusion_warning(checklist(entries)) == ""


def test_dexamethasone_is_next_due_6_hours_after_the_last_dose() -> None:
    course = steroid_course([SteroidDose(T0, "dexamethasone", 10, "mg")], T0 + timedelta(hours=1))
    assert course.next_due == T0 + timedelta(hours=6)
    assert course.cumulative == ("dexamethasone 10 mg",)
    assert "no methylprednisolone recorded" in course.taper_step


def test_the_taper_step_follows_table_5_and_a_dose_off_the_table_says_so() -> None:
    doses = [
        SteroidDose(T0, "methylprednisolone", 1, "g"),
        SteroidDose(T0 + timedelta(days=1), "methylprednisolone", 1000, "mg"),
        SteroidDose(T0 + timedelta(days=2), "methylprednisolone", 125, "mg"),
    ]
    course = steroid_course(doses, T0 + timedelta(days=2, hours=1))
    assert course.cumulative == ("methylprednisolone 2125 mg",)
    assert course.taper_step.startswith("125 mg every 12 hours for 2 days (last dose 125 mg; day 1")
    assert course.next_due == T0 + timedelta(days=2, hours=12)
    odd = steroid_course([SteroidDose(T0, "methylprednisolone", 80, "mg")], T0)
    assert "is not a step of Table 5's example taper" in odd.taper_step


def test_a_dose_after_now_is_not_part_of_the_course_and_none_says_so() -> None:
    course = steroid_course([SteroidDose(T0 + timedelta(hours=1), "dexamethasone", 10, "mg")], T0)
    assert not course.given and course.lines == ("no corticosteroid recorded",)


def test_a_drug_without_a_guideline_interval_is_as_prescribed() -> None:
    course = steroid_course([SteroidDose(T0, "hydrocortisone", 100, "mg")], T0)
    assert course.next_due is None and "as prescribed" in course.next_due_reason
