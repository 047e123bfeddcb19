"""The HLH/MAS screen as `alerts.status` decides it: the guideline's criteria re-run over a patient's records in
time order, the laboratory criteria graded by CTCAE v4.03 from the stored values and the clinician findings in force
until amended. Pure: no database, no clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from alerts.config import StatusRules
from alerts.snapshot import LabValue, PatientSnapshot
from toxicity import HLH_FERRITIN_THRESHOLD_NG_ML, HLHResult
from toxicity.ctcae import LabGrade, grade_3_or_more
from toxicity.enums import HLH_RULE_SET
from toxicity.hlh import ORGAN_GRADE_THRESHOLD, HLHCriterion, hlh_screen_criteria


def stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _crs_grade_at(patient: PatientSnapshot, when: datetime) -> int:
    grade = 0
    for row in patient.crs:
        if row.at <= when:
            grade = row.grade
    return grade


def in_crs_phase(patient: PatientSnapshot, when: datetime, phase: timedelta) -> bool:
    """Guideline: "during the cytokine-release syndrome phase ... (typically the first 5 days after cell
    infusion)": within ``phase`` of infusion, or while a CRS grade of 1 or more is in force."""
    infused = patient.infused_at
    if infused is not None and infused <= when <= infused + phase:
        return True
    return _crs_grade_at(patient, when) >= 1


@dataclass(frozen=True)
class HLHPoint:
    at: datetime
    source_type: str
    source_id: int
    result: HLHResult
    peak: float


def upper_limit(patient: PatientSnapshot, analyte: str, lab: LabValue, rules: StatusRules) -> float | None:
    """The result's own upper limit of normal, else the ward's configured one (creatinine's by sex)."""
    if lab.upper_limit is not None:
        return lab.upper_limit
    if analyte == "creatinine":
        key = {"female": "creatinine_female", "male": "creatinine_male"}.get(patient.sex or "")
        return None if key is None else rules.upper_limits.get(key)
    return rules.upper_limits.get(analyte)


def baseline_creatinine(patient: PatientSnapshot) -> float | None:
    """The last creatinine before infusion (CTCAE's "baseline"); None without an infusion or such a result."""
    if patient.infused_at is None:
        return None
    infused = patient.infused_at
    before = [lab for lab in patient.organ_labs.get("creatinine", ()) if lab.at < infused]
    return before[-1].value if before else None


def _verdict(label: str, timed: list[tuple[datetime, LabGrade]], findings: list[str], nothing: str) -> HLHCriterion:
    grades = [grade for _, grade in timed]
    met = [grade for grade in grades if grade.grade_3_or_more]
    if met or findings:
        shown = "; ".join([*(grade.reason for grade in met[:1]), *findings[:1]])
        return HLHCriterion(label, True, f"{label}: met ({shown})")
    unknown = [grade for grade in grades if grade.grade_3_or_more is None]
    if unknown:
        return HLHCriterion(label, None, f"{label}: not assessable ({unknown[0].reason})")
    if not grades:
        return HLHCriterion(label, None, f"{label}: not assessable ({nothing})")
    _, latest = max(timed, key=lambda pair: pair[0])  # the newest result in time, whichever analyte it is
    return HLHCriterion(label, False, f"{label}: not met (latest: {latest.reason})")


LIVER_ANALYTES = ("bilirubin", "ast", "alt")


@dataclass(frozen=True)
class OrganGrades:
    """Organ results graded by CTCAE v4.03, each with its time, in the order the criteria read them (bilirubin,
    AST, ALT; creatinine). A result's grade depends on the result alone (its value, its upper limit, the baseline
    creatinine before infusion), never on the point the screen is run at: graded once, read at every point."""

    liver: list[tuple[datetime, LabGrade]]
    kidney: list[tuple[datetime, LabGrade]]


def grade_organ_labs(
    patient: PatientSnapshot, rules: StatusRules, keep: Callable[[datetime], bool] = lambda _: True
) -> OrganGrades:
    """Every organ result for which ``keep(time)`` holds, graded once."""
    liver = [
        (lab.at, grade_3_or_more(analyte, lab.value, upper_limit(patient, analyte, lab, rules)))
        for analyte in LIVER_ANALYTES
        for lab in patient.organ_labs.get(analyte, ())
        if keep(lab.at)
    ]
    baseline = baseline_creatinine(patient)
    kidney = [
        (lab.at, grade_3_or_more("creatinine", lab.value, upper_limit(patient, "creatinine", lab, rules), baseline))
        for lab in patient.organ_labs.get("creatinine", ())
        if keep(lab.at)
    ]
    return OrganGrades(liver, kidney)


def hlh_criteria(
    patient: PatientSnapshot,
    rules: StatusRules,
    after: datetime | None,
    until: datetime,
    graded: OrganGrades | None = None,
) -> list[HLHCriterion]:
    """The four criteria from what was recorded after the peak ferritin (``after``) up to ``until``: bilirubin,
    AST, ALT and creatinine graded from their values by CTCAE v4.03; oliguria, pulmonary oedema and
    haemophagocytosis as clinician findings recorded with their time (in force until amended, not reset by the
    next form). ``graded``: the patient's organ results already graded (`grade_organ_labs`), for a caller that
    runs the screen at many points; without it the results in the window are graded here."""

    def inside(at: datetime) -> bool:
        return (after is None or at > after) and at <= until

    since = "since the peak ferritin" if after is not None else "recorded"
    if graded is None:
        graded = grade_organ_labs(patient, rules, inside)
    liver = [(at, grade) for at, grade in graded.liver if inside(at)]
    kidney = [(at, grade) for at, grade in graded.kidney if inside(at)]
    oliguria = findings_of(patient, "oliguria", after, until)
    oedema = findings_of(patient, "pulmonary_oedema", after, until)
    histology = findings_of(patient, "haemophagocytosis", after, until)
    return [
        _verdict("liver (bilirubin, AST or ALT grade >= 3)", liver, [], f"no bilirubin, AST or ALT {since}"),
        _verdict("kidney (creatinine grade >= 3 or oliguria)", kidney, oliguria.met, f"no creatinine {since}"),
        _finding_criterion("lung (pulmonary oedema grade >= 3)", "lung", oedema),
        _finding_criterion("haemophagocytosis on histopathology", "histopathology", histology),
    ]


FINDING_WORDS = {
    "pulmonary_oedema": "pulmonary oedema",
    "oliguria": "oliguria",
    "haemophagocytosis": "haemophagocytosis",
}
CRS_FORM_FINDINGS = {
    "pulmonary_oedema": "pulmonary_edema",
    "oliguria": "oliguria",
    "haemophagocytosis": "hemophagocytosis",
}
"""The same findings as the CRS form's organ toxicities name them (recorded there they count the same way)."""


@dataclass(frozen=True)
class FindingsSeen:
    """A clinician finding's records that count (after the peak ferritin, up to ``until``) and those before it."""

    met: list[str]
    earlier: list[str]


def _recorded_findings(patient: PatientSnapshot, name: str) -> list[tuple[datetime, str]]:
    """Every record of the finding at CTCAE grade >= 3 (haemophagocytosis: found), from the findings recorded on
    their own and the CRS form's organ toxicities. Each stays in force until amended: a later record without it
    does not reset it."""
    words = FINDING_WORDS[name]
    found: list[tuple[datetime, str]] = []
    for row in patient.findings:
        if row.finding != name:
            continue
        if row.ctcae_grade is None:
            found.append((row.at, f"{words} recorded at {stamp(row.at)}"))
        elif row.ctcae_grade >= ORGAN_GRADE_THRESHOLD:
            found.append((row.at, f"{words} CTCAE grade {row.ctcae_grade} found at {stamp(row.at)}"))
    form_name = CRS_FORM_FINDINGS[name]
    for crs in patient.crs:
        value = crs.organ_toxicities.get(form_name)
        if name == "haemophagocytosis":
            if value:
                found.append((crs.at, f"{words} recorded with the CRS assessment at {stamp(crs.at)}"))
        elif int(value or 0) >= ORGAN_GRADE_THRESHOLD:
            found.append(
                (crs.at, f"{words} grade {int(value or 0)} recorded with the CRS assessment at {stamp(crs.at)}")
            )
    return sorted(found)


def findings_of(patient: PatientSnapshot, name: str, after: datetime | None, until: datetime) -> FindingsSeen:
    """Guideline: "... and subsequently developed": a finding counts only when it occurred after ``after`` (the
    first ferritin above 10,000 ng/mL in the CRS phase)."""
    met: list[str] = []
    earlier: list[str] = []
    for at, text in _recorded_findings(patient, name):
        if at > until:
            continue
        if after is None or at > after:
            met.append(text)
        else:
            earlier.append(f"{text}, before the ferritin above 10,000 at {stamp(after)}: not counted")
    return FindingsSeen(met, earlier)


def _finding_criterion(label: str, short: str, seen: FindingsSeen) -> HLHCriterion:
    if seen.met:
        return HLHCriterion(short, True, f"{label}: met ({seen.met[0]})")
    if seen.earlier:
        return HLHCriterion(short, False, f"{label}: not met ({seen.earlier[-1]})")
    return HLHCriterion(short, False, f"{label}: not recorded")


HLHEvent = tuple[datetime, int, str, int]
PhasedFerritin = list[tuple[LabValue, bool]]


def _hlh_events(patient: PatientSnapshot, rules: StatusRules) -> tuple[list[HLHEvent], PhasedFerritin]:
    """Every CRS assessment, ferritin, organ result and organ finding in time order, and each ferritin with whether
    it fell in the CRS phase (which depends only on its own time: decided once per result)."""
    timeline: list[HLHEvent] = [(row.at, 0, "crs-assessments", row.record_id) for row in patient.crs]
    timeline += [(lab.at, 1, "labs", lab.record_id) for lab in patient.ferritin]
    timeline += [(lab.at, 2, "labs", lab.record_id) for rows in patient.organ_labs.values() for lab in rows]
    timeline += [(row.at, 3, "organ-findings", row.record_id) for row in patient.findings]
    timeline.sort()
    return timeline, [(lab, in_crs_phase(patient, lab.at, rules.hlh_crs_phase)) for lab in patient.ferritin]


def _hlh_point(
    patient: PatientSnapshot,
    rules: StatusRules,
    labs: PhasedFerritin,
    event: HLHEvent,
    graded: OrganGrades | None = None,
) -> HLHPoint | None:
    """The screen as it stood at one event (None before the first ferritin); ``graded`` as for `hlh_criteria`."""
    when, _, source_type, source_id = event
    ferritins = [(lab, phased) for lab, phased in labs if lab.at <= when]
    if not ferritins:
        return None
    in_phase = [lab for lab, phased in ferritins if phased]
    peak = max(lab.value for lab in in_phase) if in_phase else max(lab.value for lab, _ in ferritins)
    crossed = next((lab.at for lab in in_phase if lab.value > HLH_FERRITIN_THRESHOLD_NG_ML), None)
    criteria = hlh_criteria(patient, rules, crossed, when, graded)
    return HLHPoint(when, source_type, source_id, hlh_screen_criteria(peak, bool(in_phase), criteria), peak)


def hlh_timeline(patient: PatientSnapshot, rules: StatusRules, since: datetime | None = None) -> Iterator[HLHPoint]:
    """The screen re-run at every CRS assessment, ferritin, organ result and organ finding, in time order. An
    organ criterion counts only when it occurred after the first ferritin above 10,000 ng/mL in the CRS phase ("and
    subsequently developed").

    With ``since``, the screen as it stood at the last event before it, then at every event from it on: what an
    escalation look-back needs, without re-running the screen at every event of a 30-day history (each point
    is computed from the records alone, never from the points before it). Each organ result is graded once for
    the whole timeline and read at every point (`grade_organ_labs`): grading it again at each of a look-back's
    points cost a sweep over a ward most of its time."""
    timeline, labs = _hlh_events(patient, rules)
    if since is not None:
        start = next((index for index, event in enumerate(timeline) if event[0] >= since), len(timeline))
        timeline = timeline[max(start - 1, 0) :]
    graded = grade_organ_labs(patient, rules, lambda at: at <= timeline[-1][0]) if timeline else None
    for event in timeline:
        point = _hlh_point(patient, rules, labs, event, graded)
        if point is not None:
            yield point


@dataclass(frozen=True)
class HLHStatus:
    """The HLH/MAS screen now; ``result`` None when it is not assessable (no ferritin), ``reasons`` say why."""

    result: HLHResult | None
    reasons: tuple[str, ...]
    peak_ferritin: float | None = None
    rule_set: str = HLH_RULE_SET

    @property
    def positive(self) -> bool:
        return self.result is not None and self.result.positive

    @property
    def flagged(self) -> bool:
        """Shown on the board: a peak ferritin above the threshold, positive screen or not."""
        return self.peak_ferritin is not None and self.peak_ferritin > HLH_FERRITIN_THRESHOLD_NG_ML


def hlh_now(patient: PatientSnapshot, rules: StatusRules) -> HLHStatus:
    """The last point of `hlh_timeline`, computed alone: the screen at the newest event (re-running it at every
    earlier one cost each board read seconds on a 30-day history)."""
    timeline, labs = _hlh_events(patient, rules)
    last = _hlh_point(patient, rules, labs, timeline[-1]) if timeline else None
    if last is None:
        return HLHStatus(None, ("not assessable: no ferritin result recorded",))
    return HLHStatus(last.result, last.result.reasons, last.peak)
