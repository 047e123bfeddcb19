import dataclasses
from datetime import date, timedelta

from alerts.status import TocilizumabStatus
from dashboard.views.grades import GradeView
from dashboard.views.patient import (
    PatientView,
    form_notes,
    header,
    page_outputs,
    tocilizumab_lines,
)
from data.models import Patient
from tests.unit.dashboard.factories import NOW, TZ, obs
from tests.unit.dashboard.frames import ORIGIN, empty, frames
from toxicity import InvalidAssessment, tocilizumab_summary
from toxicity.tocilizumab import indicated_dose, tocilizumab_indication


def _view(
    crs: int | None = 2, icans: int | None = 0, with_frames: bool = True, weight: float = 84.0, tool: str = "ICE"
) -> PatientView:
    patient = Patient(
        id=3,
        bed="3",
        name="Demo Charlie",
        product="axicabtagene ciloleucel",
        weight_kg=weight,
        date_of_birth=date(1971, 11, 20),
        infused_at=ORIGIN,
        admitted_at=ORIGIN - timedelta(days=1),
        ward="Ward 33",
    )
    doses = [NOW - timedelta(hours=30)]
    indication = tocilizumab_indication(crs, icans)
    toci = TocilizumabStatus(indication, indicated_dose(indication, weight), tocilizumab_summary(weight, doses, NOW))
    return PatientView(
        patient=patient,
        frames=frames() if with_frames else empty(),
        crs=GradeView("CRS", crs, False, "assessment", ()),
        icans=GradeView("ICANS", icans, False, "assessment", ()),
        tool=tool,
        origin=ORIGIN,
        origin_label="infusion",
        fever_masked=True,
        latest_obs=None,
        tocilizumab=toci,
        version=1,
        records={"observations": []},
    )


def test_tocilizumab_lines_give_the_indication_the_dose_and_the_doses_against_the_limits() -> None:
    lines = tocilizumab_lines(_view().tocilizumab, TZ)
    assert lines[0] == "Tocilizumab indicated: CRS grade 2 (Table 3: Grade 2 CRS or persistent fever)"
    assert "672" in lines[1] and "8 mg/kg: guideline Table 3" in lines[1]
    assert lines[2] == (
        "1 of 4 doses given; 0 in the last 24 h (max 3); at least 6 h apart "
        "(guideline: repeat if no response within 6 to 12 h)"
    )
    assert lines[3] == "last dose Mon 23 Nov 06:00"


def test_without_an_indication_no_dose_is_shown() -> None:
    lines = tocilizumab_lines(_view(crs=0, icans=2).tocilizumab, TZ)
    assert lines[0].startswith("Tocilizumab not indicated: ICANS grade 2 without concurrent CRS")
    assert lines[1] == "no dose shown: no indication now"
    assert not any("672" in line for line in lines)


def test_an_implausible_weight_says_why_from_the_rules_and_asks_for_the_weight_to_be_checked() -> None:
    try:
        tocilizumab_summary(400.0, [], NOW)
    except InvalidAssessment as exc:
        problem = str(exc)
    else:
        raise AssertionError("a 400 kg weight must not give a dose")
    found = TocilizumabStatus(tocilizumab_indication(2, 0), (), None, problem)
    line = tocilizumab_lines(found, TZ)[1]
    assert line == f"no tocilizumab dose shown: {problem}; check the weight"
    assert "weight_kg" in problem and "300" in problem


def test_header_names_bed_day_and_tool_with_the_badges() -> None:
    text = str([part.to_plotly_json() for part in header(_view(), NOW, TZ)])
    assert "Bed 3 · Demo Charlie" in text and "D+3" in text and "neuro assessment by ICE" in text
    assert "CRS 2" in text and "fever not required" in text


def test_the_forms_say_where_the_crs_prefill_came_from_and_that_a_child_gets_capd() -> None:
    notes = form_notes(_view(), NOW, TZ)
    assert notes["crs-assessments"] == "Answer every finding: hypotension and oxygen are never assumed."
    with_obs = dataclasses.replace(_view(), latest_obs=obs(NOW - timedelta(hours=1), temperature_c=38.4))
    said = form_notes(with_obs, NOW, TZ)["crs-assessments"]
    assert said.startswith('Values marked "from obs at …" were recorded in the newest obs')
    assert said.endswith("Hypotension is never pre-filled: answer it.")
    child = form_notes(_view(tool="CAPD"), NOW, TZ)["neuro-assessments"]
    assert child.startswith("Assessed with CAPD (under 12 or developmental delay): enter the CAPD total")
    assert "pages the team at once" in notes["neuro-events"]


def test_a_refresh_sends_version_header_chart_guidance_and_the_chosen_records() -> None:
    version, head, figure, guidance, columns, rows = page_outputs(_view(), "observations", NOW, TZ)
    assert version == 1 and figure["layout"]["template"] == "none"
    assert "CRS 2" in str([part.to_plotly_json() for part in head])
    assert "Tocilizumab" in str([card.to_plotly_json() for card in guidance])
    assert columns[0]["field"] == "when" and rows == []
