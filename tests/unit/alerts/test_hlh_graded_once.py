"""The HLH/MAS screen over a history grades each organ result once and reads those grades at every point: the
screen it gives at each point must be the one a plain per-point run gives (every result in the window graded
again at that point), on generated histories around the guideline's thresholds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.config import load_config
from alerts.hlh_status import HLHPoint, _hlh_events, _hlh_point, hlh_criteria, hlh_now, hlh_timeline
from alerts.snapshot import FindingRecord, GradedRecord, LabValue, PatientSnapshot
from data.settings import Settings

START = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
RULES = load_config(Settings(database_url="sqlite://")).rules
ANALYTES = ("bilirubin", "ast", "alt", "creatinine")


def _at(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


TIMES = st.integers(min_value=0, max_value=10 * 24 * 60).map(_at)
# Around each threshold: ferritin 10,000 ng/mL; bilirubin 3 x 21, AST/ALT 5 x 40, creatinine 3 x 84/104 or
# 3 x a baseline.
FERRITIN = st.sampled_from([800.0, 9_999.0, 10_000.0, 10_001.0, 25_000.0])
ORGAN_VALUES = st.sampled_from([15.0, 63.0, 64.0, 90.0, 199.0, 200.0, 201.0, 252.0, 253.0, 312.0, 313.0, 400.0])
OWN_LIMIT = st.one_of(st.none(), st.sampled_from([0.0, 20.0, 35.0, 90.0]))


@st.composite
def histories(draw: st.DrawFn) -> PatientSnapshot:
    ids = iter(range(1, 10_000))
    ferritin = sorted(
        (LabValue(next(ids), at, value) for at, value in draw(st.lists(st.tuples(TIMES, FERRITIN), max_size=6))),
        key=lambda lab: lab.at,
    )
    organ_labs = {
        analyte: tuple(
            sorted(
                (
                    LabValue(next(ids), at, value, limit)
                    for at, value, limit in draw(st.lists(st.tuples(TIMES, ORGAN_VALUES, OWN_LIMIT), max_size=8))
                ),
                key=lambda lab: lab.at,
            )
        )
        for analyte in ANALYTES
    }
    crs = sorted(
        (
            GradedRecord(next(ids), at, grade, organ_toxicities=toxicities, computed_grade=grade)
            for at, grade, toxicities in draw(
                st.lists(
                    st.tuples(
                        TIMES,
                        st.integers(0, 4),
                        st.fixed_dictionaries(
                            {},
                            optional={
                                "pulmonary_edema": st.integers(0, 4),
                                "oliguria": st.integers(0, 4),
                                "hemophagocytosis": st.booleans(),
                            },
                        ),
                    ),
                    max_size=5,
                )
            )
        ),
        key=lambda row: row.at,
    )
    findings = sorted(
        (
            FindingRecord(next(ids), at, name, grade)
            for at, name, grade in draw(
                st.lists(
                    st.tuples(
                        TIMES,
                        st.sampled_from(["oliguria", "pulmonary_oedema", "haemophagocytosis"]),
                        st.one_of(st.none(), st.integers(1, 5)),
                    ),
                    max_size=4,
                )
            )
        ),
        key=lambda row: row.at,
    )
    return PatientSnapshot(
        id=1,
        ward="Ward 33",
        bed="1",
        monitoring_start=START,
        infused_at=draw(st.one_of(st.none(), TIMES)),
        discharged_at=None,
        ferritin=tuple(ferritin),
        organ_labs=organ_labs,
        crs=tuple(crs),
        findings=tuple(findings),
        sex=draw(st.sampled_from([None, "female", "male", "other"])),
    )


def screen_at_every_point_graded_there(patient: PatientSnapshot) -> list[HLHPoint]:
    """The plain per-point run: at each event, every organ result in the window graded again."""
    timeline, labs = _hlh_events(patient, RULES)
    points = (_hlh_point(patient, RULES, labs, event) for event in timeline)
    return [point for point in points if point is not None]


@settings(max_examples=300, deadline=None)
@given(histories())
def test_the_screen_at_every_point_is_the_one_a_per_point_run_gives(patient: PatientSnapshot) -> None:
    expected = screen_at_every_point_graded_there(patient)
    assert list(hlh_timeline(patient, RULES)) == expected
    now = hlh_now(patient, RULES)
    if expected:
        last = expected[-1]
        assert (now.result, now.peak_ferritin) == (last.result, last.peak)
    else:
        assert now.result is None


@settings(max_examples=150, deadline=None)
@given(histories(), TIMES)
def test_a_look_back_gives_the_same_points_as_the_whole_timeline_from_it(
    patient: PatientSnapshot, since: datetime
) -> None:
    whole = screen_at_every_point_graded_there(patient)
    window = list(hlh_timeline(patient, RULES, since))
    # The points from ``since`` on, and the one before it (the screen as it stood when the window opened).
    assert window == whole[len(whole) - len(window) :]
    assert len(window) - len([point for point in whole if point.at >= since]) in (0, 1)


def test_a_criterion_not_met_names_the_newest_result_in_time_whichever_analyte_it_is() -> None:
    """Bilirubin is read before ALT, but here it is the newer result: "latest" must be the bilirubin."""
    patient = PatientSnapshot(
        id=1,
        ward="Ward 33",
        bed="1",
        monitoring_start=START,
        infused_at=START,
        discharged_at=None,
        ferritin=(LabValue(1, _at(60), 12_000.0),),
        organ_labs={
            "bilirubin": (LabValue(2, _at(300), 30.0, 21.0),),
            "ast": (),
            "alt": (LabValue(3, _at(120), 80.0, 40.0),),
            "creatinine": (),
        },
        crs=(),
        findings=(),
        sex="female",
    )
    liver = next(c for c in hlh_criteria(patient, RULES, _at(60), _at(400)) if c.label.startswith("liver"))
    assert liver.met is False
    latest = liver.reason.split("latest:", 1)[1].lower()
    assert "bilirubin" in latest and "alt" not in latest, liver.reason
