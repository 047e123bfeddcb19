"""A patient who deteriorates in a way the rules recognise pages someone, from whatever record shows it: obs, an
assessment, a neurological event; each test writes through the API, runs the sweep and sees the page arrive."""

from __future__ import annotations

from collections.abc import Callable

from tests.integration.loop.conftest import ICE_2, Loop, ago, ahead, crs, neuro


def test_obs_showing_crs_3_page_a_doctor_and_make_the_crs_assessment_due_now(
    loop: Loop, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    loop.post(f"/patients/{pid}/crs-assessments", crs(60))
    loop.post(
        f"/patients/{pid}/observations",
        {
            "taken_at": ago(minutes=5),
            "temperature_c": 39.6,
            "vasopressors": ["noradrenaline"],
            "oxygen_device": "non_rebreather",
            "systolic_bp": 84,
        },
    )
    loop.sweep()
    (nurse, registrar) = loop.paged("crs_provisional")
    assert (nurse["recipient"], registrar["recipient"]) == ("bedside_nurse", "cart_registrar")
    assert (nurse["grade"], nurse["severity"]) == (3, "critical")
    assert "CRS 3 from obs" in nurse["text"] and "formal CRS assessment needed now" in nurse["text"]
    status = loop.get(f"/patients/{pid}/status")
    assert (status["crs"]["grade"], status["crs"]["provisional_grade"]) == (0, 3)
    assert status["crs"]["source"]["type"] == "observations"
    (due,) = [item for item in status["due"] if item["item"] == "crs"]
    assert due["note"].startswith("due now")
    # ...and once its grace has passed without an assessment, the missing CRS assessment pages too
    loop.sweep(ahead(minutes=25))
    assert loop.paged("overdue_crs")


def test_the_formal_assessment_closes_the_provisional_alert(loop: Loop, make_patient: Callable[..., int]) -> None:
    pid = make_patient()
    loop.post(f"/patients/{pid}/crs-assessments", crs(60))
    loop.post(
        f"/patients/{pid}/observations",
        {"taken_at": ago(minutes=10), "temperature_c": 38.9, "oxygen_device": "facemask"},
    )
    loop.post(f"/patients/{pid}/crs-assessments", crs(2, temperature_c=38.9, oxygen="facemask"))
    loop.sweep()
    alerts = {a["kind"]: a for a in loop.get(f"/alerts?state=resolved&patient_id={pid}")["alerts"]}
    assert alerts["crs_provisional"]["reason"] == "formal assessment recorded"
    (onset,) = loop.escalations(pid)
    assert (onset["kind"], onset["grade"]) == ("crs_onset", 3)


def test_obs_with_a_patient_awakening_only_to_touch_page_for_icans(
    loop: Loop, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    loop.post(f"/patients/{pid}/neuro-assessments", neuro(90))
    loop.post(f"/patients/{pid}/observations", {"taken_at": ago(minutes=3), "consciousness": "awakens_to_tactile"})
    loop.sweep()
    pages = loop.paged("icans_provisional")
    assert {page["recipient"] for page in pages} == {"bedside_nurse", "cart_registrar"}
    assert pages[0]["grade"] == 3
    status = loop.get(f"/patients/{pid}/status")
    assert status["icans"]["provisional_grade"] == 3
    assert [item["note"][:7] for item in status["due"] if item["item"] == "neuro"] == ["due now"]


def test_a_new_seizure_pages_even_when_the_icans_grade_is_already_3(
    loop: Loop, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    loop.post(f"/patients/{pid}/neuro-assessments", neuro(120, ice=ICE_2))
    assert loop.get(f"/patients/{pid}/status")["icans"]["grade"] == 3
    loop.sweep()
    before = len(loop.pages())
    loop.post(
        f"/patients/{pid}/neuro-assessments",
        neuro(5, ice=ICE_2, seizure="clinical_seizure_resolved_rapidly"),
    )
    loop.sweep()
    seizure = loop.paged("seizure")
    assert seizure and len(loop.pages()) > before
    assert seizure[0]["severity"] == "critical"
    assert "Seizure: clinical seizure that resolves rapidly" in seizure[0]["text"]


def test_status_epilepticus_and_new_diffuse_oedema_at_icans_4_each_page(
    loop: Loop, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    loop.post(f"/patients/{pid}/neuro-assessments", neuro(120, deep_focal_motor_weakness=True))
    loop.post(
        f"/patients/{pid}/neuro-assessments",
        neuro(
            5,
            deep_focal_motor_weakness=True,
            seizure="prolonged_over_5_min",
            icp_findings=["diffuse_cerebral_edema"],
        ),
    )
    loop.sweep()
    assert loop.paged("status_epilepticus") and loop.paged("raised_icp")
    # the weakness was already there at the previous assessment: paged once, not again
    assert len({page["reference"] for page in loop.paged("motor_weakness")}) == 1
    assert "diffuse cerebral oedema" in loop.paged("raised_icp")[0]["text"]


def test_a_neurological_event_recorded_between_assessments_pages_and_asks_for_an_assessment(
    loop: Loop, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    loop.post(f"/patients/{pid}/neuro-assessments", neuro(60))
    event = loop.post(
        f"/patients/{pid}/neuro-events",
        {"occurred_at": ago(minutes=2), "event": "repetitive_without_return_to_baseline", "note": "two fits"},
    )
    loop.sweep()
    (_nurse, registrar) = loop.paged("status_epilepticus")
    assert registrar["recipient"] == "cart_registrar"
    status = loop.get(f"/patients/{pid}/status")
    assert status["icans"]["provisional_grade"] == 4
    assert status["icans"]["source"] == {
        "type": "neuro-events",
        "id": event["id"],
        "at": status["icans"]["source"]["at"],
        "formal": False,
    }
    assert any(g["topic"] == "convulsive_status_epilepticus" for g in status["guidance"])


def test_after_tocilizumab_given_for_fever_seen_only_in_obs_crs_is_graded_without_fever(
    loop: Loop, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    loop.post(f"/patients/{pid}/observations", {"taken_at": ago(minutes=180), "temperature_c": 39.4})
    loop.post(
        f"/patients/{pid}/medications",
        {"given_at": ago(minutes=120), "drug": "tocilizumab", "dose": 572.0, "unit": "mg", "route": "IV"},
    )
    row = loop.post(
        f"/patients/{pid}/crs-assessments",
        crs(60, temperature_c=37.1, hypotension=True, vasopressors=["noradrenaline"]),
    )
    assert row["grade"] == 3
    assert any("fever not required: tocilizumab" in reason and "fever 39.4 °C" in reason for reason in row["reasons"])
    assert not any("required before tocilizumab" in reason for reason in row["reasons"])
    loop.sweep()
    assert [page["grade"] for page in loop.paged("crs_onset")] == [3, 3]


def test_an_override_that_lowers_a_grade_pages_the_consultant(loop: Loop, make_patient: Callable[..., int]) -> None:
    pid = make_patient()
    row = loop.post(
        f"/patients/{pid}/crs-assessments",
        crs(5, temperature_c=38.8, hypotension=True, vasopressors=["noradrenaline"])
        | {"override": {"grade": 0, "reason": "on noradrenaline for septic shock, not CRS"}},
    )
    assert (row["computed_grade"], row["grade"]) == (3, 0)
    loop.sweep()
    (page,) = loop.paged("grade_override")
    assert page["recipient"] == "consultant"
    assert "computed grade 3 overridden to grade 0" in page["text"]
    assert "septic" not in page["text"]  # the reason stays in the record, off the insecure page


def test_a_higher_grade_closes_the_lower_grades_alert(loop: Loop, make_patient: Callable[..., int]) -> None:
    pid = make_patient()
    loop.post(f"/patients/{pid}/crs-assessments", crs(60, temperature_c=38.4))
    loop.post(f"/patients/{pid}/crs-assessments", crs(5, temperature_c=38.4, hypotension=True))
    loop.sweep()
    (open_alert,) = loop.escalations(pid)
    assert (open_alert["kind"], open_alert["grade"]) == ("crs_rise", 2)
    (closed,) = loop.escalations(pid, "resolved")
    assert (closed["kind"], closed["reason"]) == ("crs_onset", "superseded by a higher grade")


def test_a_record_entered_in_error_closes_its_alert_and_stops_its_pages(
    loop: Loop, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    row = loop.post(f"/patients/{pid}/crs-assessments", crs(5, temperature_c=38.4))
    loop.sweep()
    assert len(loop.paged("crs_onset")) == 2
    loop.post(f"/records/crs-assessments/{row['id']}/amend", {"reason": "wrong patient", "entered_in_error": True})
    (closed,) = loop.escalations(pid, "resolved")
    assert closed["reason"] == "record entered in error"
    loop.sweep(ahead(minutes=30))
    assert len(loop.paged("crs_onset")) == 2  # nothing escalated up the chain after the correction


def test_a_neutropenic_fever_pages_a_doctor_and_the_time_to_the_first_antibiotic_is_recorded(
    loop: Loop, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    loop.post(
        f"/patients/{pid}/labs",
        {"collected_at": ago(minutes=120), "analyte": "neutrophils", "value": 0.3, "unit": "10*9/L"},
    )
    loop.sweep()
    assert {page["recipient"] for page in loop.paged("neutropenia")} >= {"bedside_nurse"}
    loop.post(f"/patients/{pid}/observations", {"taken_at": ago(minutes=50), "temperature_c": 38.3})
    loop.sweep()
    pages = loop.paged("neutropenic_fever")
    assert {page["recipient"] for page in pages} == {"bedside_nurse", "cart_registrar"}
    assert "neutropenic sepsis pathway" in pages[0]["text"]
    loop.post(
        f"/patients/{pid}/medications",
        {"given_at": ago(minutes=20), "drug": "piperacillin-tazobactam", "dose": 4.5, "unit": "g", "route": "IV"},
    )
    status = loop.get(f"/patients/{pid}/status")
    fever = status["neutropenia"]["neutropenic_fever"]
    assert fever["first_antibiotic"]["drug"] == "piperacillin-tazobactam"
    assert fever["minutes_to_antibiotic"] in (29, 30, 31)
    assert {"neutropenia", "neutropenic_fever"} <= {g["topic"] for g in status["guidance"]}


def test_hlh_not_improving_48_hours_after_steroids_and_tocilizumab_pages_the_consultant_with_etoposide(
    loop: Loop, make_patient: Callable[..., int]
) -> None:
    pid = make_patient(height_cm=170, weight_kg=70.0)  # infused 3 days ago

    def lab(hours_ago: float, analyte: str, value: float, unit: str) -> None:
        body = {"collected_at": ago(hours=hours_ago), "analyte": analyte, "value": value, "unit": unit}
        loop.post(f"/patients/{pid}/labs", body)

    def dose(hours_ago: float, drug: str, mg: float) -> None:
        body = {"given_at": ago(hours=hours_ago), "drug": drug, "dose": mg, "unit": "mg", "route": "IV"}
        loop.post(f"/patients/{pid}/medications", body)

    lab(60, "ferritin", 25000, "ng/mL")
    lab(58, "bilirubin", 80, "umol/L")  # > 3.0 x ULN 21
    loop.post(
        f"/patients/{pid}/crs-assessments",
        crs(57 * 60, temperature_c=38.5, organ_toxicities={"pulmonary_edema": 3}),
    )
    dose(55, "tocilizumab", 560)
    dose(55, "dexamethasone", 10)
    lab(10, "ferritin", 30000, "ng/mL")
    status = loop.get(f"/patients/{pid}/status")
    assert status["hlh"]["result"] == "positive"
    (hlh,) = [g for g in status["guidance"] if g["topic"] == "hlh"]
    assert any(line.startswith("etoposide 136-182 mg") for line in hlh["dosing"])
    loop.sweep()
    (page,) = loop.paged("hlh_no_improvement")
    assert page["recipient"] == "consultant"
    assert "consider etoposide" in page["text"] and "136-182 mg" in page["text"]


def test_the_hlh_screen_grades_a_result_against_its_own_reference_range_when_it_has_one(
    loop: Loop, make_patient: Callable[..., int]
) -> None:
    pid = make_patient()
    loop.post(
        f"/patients/{pid}/labs",
        {"collected_at": ago(hours=30), "analyte": "ferritin", "value": 25000, "unit": "ng/mL"},
    )
    bilirubin = {"collected_at": ago(hours=20), "analyte": "bilirubin", "value": 50, "unit": "umol/L"}
    loop.post(f"/patients/{pid}/labs", {**bilirubin, "reference_low": 3, "reference_high": 15})
    loop.post(f"/patients/{pid}/crs-assessments", crs(60, temperature_c=38.3, organ_toxicities={"pulmonary_edema": 3}))
    status = loop.get(f"/patients/{pid}/status")
    # 50 > 3.0 x its own ULN 15 (the ward's default ULN 21 would need more than 63)
    assert status["hlh"]["result"] == "positive", status["hlh"]["reasons"]
    assert any("x ULN 15" in reason for reason in status["hlh"]["reasons"])
