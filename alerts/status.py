"""A patient's status now — the one place the current CRS and ICANS grades, the HLH screen, what is due and which
guidance applies are decided. The sweep (and so the pager), the write-path hook, the board, the patient page and
`GET /api/v1/patients/<id>/status` all call these functions on the same `PatientSnapshot`, so they cannot
disagree.

Pure: no database, no clock.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from alerts.config import StatusRules
from alerts.snapshot import GradedRecord, LabValue, PatientSnapshot
from toxicity import (
    HLH_FERRITIN_THRESHOLD_NG_ML,
    CurrentGrade,
    DueItem,
    Graded,
    Guidance,
    HLHResult,
    MonitoringState,
    ScheduleException,
    due_items,
    explain_fever_masking,
    extra_guidance,
    guidance_for,
    neuro_event,
    provisional_crs,
    provisional_from_event,
    provisional_icans,
)
from toxicity import current_grade as decide_current_grade
from toxicity.ctcae import LabGrade, grade_3_or_more
from toxicity.drugs import drug_class
from toxicity.enums import HLH_RULE_SET
from toxicity.hlh import ORGAN_GRADE_THRESHOLD, HLHCriterion, hlh_screen_criteria
from toxicity.neutropenia import FeverEpisode, neutropenic, neutropenic_fever_episodes
from toxicity.second_line import etoposide_text


def stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def override_line(grade: int, reason: str | None) -> str:
    """The reason line of a clinician's override, the same on the badge, in the preview, on the chart and in the
    status API."""
    return f"override to grade {grade}: {reason}"


def formal_reasons(row: GradedRecord) -> tuple[str, ...]:
    if row.overridden:
        return (override_line(row.grade, row.override_reason), *row.reasons)
    return row.reasons


def _formal(rows: tuple[GradedRecord, ...], source_type: str) -> list[Graded]:
    return [
        Graded(row.at, row.grade, True, source_type, row.record_id, formal_reasons(row), row.rule_set) for row in rows
    ]


def crs_history(patient: PatientSnapshot, rules: StatusRules) -> list[Graded]:
    """Formal CRS assessments and the CRS grade of each set of obs in the window, graded with the fever masking in
    force when the obs were taken."""
    history = _formal(patient.crs, "crs-assessments")
    masking = patient.masking
    for obs in patient.obs:
        masked = explain_fever_masking(obs.at, masking.crs_grades, masking.treatments, masking.fevers)
        found = provisional_crs(obs.findings, masked.applies, masked.reason, rules.systolic_threshold)
        reasons = (f"provisional, from obs at {stamp(obs.at)}", *found.reasons)
        history.append(Graded(obs.at, found.grade, False, "observations", obs.record_id, reasons, found.rule_set))
    return history


def icans_history(patient: PatientSnapshot) -> list[Graded]:
    """Formal neuro assessments, the ICANS grade the level of consciousness in obs gives, and each neurological
    event's domain grade."""
    history = _formal(patient.neuro, "neuro-assessments")
    for obs in patient.obs:
        found = provisional_icans(obs.findings.consciousness)
        if found.grade is None:
            continue  # obs that do not record consciousness say nothing about ICANS
        reasons = (f"provisional, from obs at {stamp(obs.at)}", *found.reasons)
        history.append(Graded(obs.at, found.grade, False, "observations", obs.record_id, reasons, found.rule_set))
    for event in patient.events:
        found = provisional_from_event(neuro_event(event.event))
        reasons = (f"provisional, from a neurological event at {stamp(event.at)}", *found.reasons)
        history.append(Graded(event.at, found.grade, False, "neuro-events", event.record_id, reasons, found.rule_set))
    return history


def crs_now(patient: PatientSnapshot, rules: StatusRules) -> CurrentGrade:
    return decide_current_grade("CRS", crs_history(patient, rules))


def icans_now(patient: PatientSnapshot) -> CurrentGrade:
    return decide_current_grade("ICANS", icans_history(patient))


# --- HLH/MAS -------------------------------------------------------------------------------------------------


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


def _verdict(label: str, grades: list[LabGrade], findings: list[str], nothing: str) -> HLHCriterion:
    met = [grade for grade in grades if grade.grade_3_or_more]
    if met or findings:
        shown = "; ".join([*(grade.reason for grade in met[:1]), *findings[:1]])
        return HLHCriterion(label, True, f"{label}: met ({shown})")
    unknown = [grade for grade in grades if grade.grade_3_or_more is None]
    if unknown:
        return HLHCriterion(label, None, f"{label}: not assessable ({unknown[0].reason})")
    if not grades:
        return HLHCriterion(label, None, f"{label}: not assessable ({nothing})")
    worst = grades[-1]
    return HLHCriterion(label, False, f"{label}: not met (latest: {worst.reason})")


def hlh_criteria(
    patient: PatientSnapshot, rules: StatusRules, after: datetime | None, until: datetime
) -> list[HLHCriterion]:
    """The four criteria from what was recorded after the peak ferritin (``after``) up to ``until``: bilirubin,
    AST, ALT and creatinine graded from their values by CTCAE v4.03; oliguria, pulmonary oedema and
    haemophagocytosis as clinician findings recorded with a CRS assessment (in force once recorded, not reset by
    the next form)."""

    def inside(at: datetime) -> bool:
        return (after is None or at > after) and at <= until

    since = "since the peak ferritin" if after is not None else "recorded"
    liver = [
        grade_3_or_more(analyte, lab.value, upper_limit(patient, analyte, lab, rules))
        for analyte in ("bilirubin", "ast", "alt")
        for lab in patient.organ_labs.get(analyte, ())
        if inside(lab.at)
    ]
    baseline = baseline_creatinine(patient)
    kidney = [
        grade_3_or_more("creatinine", lab.value, upper_limit(patient, "creatinine", lab, rules), baseline)
        for lab in patient.organ_labs.get("creatinine", ())
        if inside(lab.at)
    ]
    assessed = [row for row in patient.crs if inside(row.at)]

    def finding(name: str, words: str) -> list[str]:
        return [
            f"{words} grade {int(row.organ_toxicities.get(name, 0))} recorded at {stamp(row.at)}"
            for row in assessed
            if int(row.organ_toxicities.get(name, 0)) >= ORGAN_GRADE_THRESHOLD
        ]

    oliguria = finding("oliguria", "oliguria")
    oedema = finding("pulmonary_edema", "pulmonary oedema")
    histology = [
        f"haemophagocytosis recorded at {stamp(row.at)}"
        for row in assessed
        if row.organ_toxicities.get("hemophagocytosis")
    ]
    return [
        _verdict("liver (bilirubin, AST or ALT grade >= 3)", liver, [], f"no bilirubin, AST or ALT {since}"),
        _verdict("kidney (creatinine grade >= 3 or oliguria)", kidney, oliguria, f"no creatinine {since}"),
        HLHCriterion(
            "lung",
            bool(oedema),
            f"lung (pulmonary oedema grade >= 3): {'met (' + oedema[0] + ')' if oedema else 'not recorded'}",
        ),
        HLHCriterion(
            "histopathology",
            bool(histology),
            f"haemophagocytosis on histopathology: {'met (' + histology[0] + ')' if histology else 'not recorded'}",
        ),
    ]


HLHEvent = tuple[datetime, int, str, int]
PhasedFerritin = list[tuple[LabValue, bool]]


def _hlh_events(patient: PatientSnapshot, rules: StatusRules) -> tuple[list[HLHEvent], PhasedFerritin]:
    """Every CRS assessment, ferritin and organ result in time order, and each ferritin with whether it fell in
    the CRS phase (which depends only on its own time: decided once per result)."""
    timeline: list[HLHEvent] = [(row.at, 0, "crs-assessments", row.record_id) for row in patient.crs]
    timeline += [(lab.at, 1, "labs", lab.record_id) for lab in patient.ferritin]
    timeline += [(lab.at, 2, "labs", lab.record_id) for rows in patient.organ_labs.values() for lab in rows]
    timeline.sort()
    return timeline, [(lab, in_crs_phase(patient, lab.at, rules.hlh_crs_phase)) for lab in patient.ferritin]


def _hlh_point(patient: PatientSnapshot, rules: StatusRules, labs: PhasedFerritin, event: HLHEvent) -> HLHPoint | None:
    """The screen as it stood at one event (None before the first ferritin)."""
    when, _, source_type, source_id = event
    ferritins = [(lab, phased) for lab, phased in labs if lab.at <= when]
    if not ferritins:
        return None
    in_phase = [lab for lab, phased in ferritins if phased]
    peak = max(lab.value for lab in in_phase) if in_phase else max(lab.value for lab, _ in ferritins)
    crossed = next((lab.at for lab in in_phase if lab.value > HLH_FERRITIN_THRESHOLD_NG_ML), None)
    criteria = hlh_criteria(patient, rules, crossed, when)
    return HLHPoint(when, source_type, source_id, hlh_screen_criteria(peak, bool(in_phase), criteria), peak)


def hlh_timeline(patient: PatientSnapshot, rules: StatusRules) -> Iterator[HLHPoint]:
    """The screen re-run at every CRS assessment, ferritin and organ result, in time order. An organ criterion
    counts only when it occurred after the first ferritin above 10,000 ng/mL in the CRS phase ("and subsequently
    developed")."""
    timeline, labs = _hlh_events(patient, rules)
    for event in timeline:
        point = _hlh_point(patient, rules, labs, event)
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


# --- neutropenia --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NeutropeniaStatus:
    """The latest neutrophil count (None: none recorded, so not assessable) and the latest neutropenic fever
    episode of the window with the time to its first antibiotic."""

    count: float | None
    count_at: datetime | None
    neutropenic: bool | None
    episode: FeverEpisode | None
    reasons: tuple[str, ...]


def fever_episodes(patient: PatientSnapshot) -> list[FeverEpisode]:
    counts = [(lab.at, lab.value) for lab in patient.neutrophils]
    return neutropenic_fever_episodes(patient.masking.fevers, counts, patient.antimicrobials)


def neutropenia_now(patient: PatientSnapshot, rules: StatusRules, now: datetime) -> NeutropeniaStatus:
    latest = patient.neutrophils[-1] if patient.neutrophils else None
    episodes = [episode for episode in fever_episodes(patient) if episode.at >= now - rules.window]
    episode = episodes[-1] if episodes else None
    reasons: list[str] = []
    if latest is None:
        reasons.append("not assessable: no neutrophil count recorded")
        low: bool | None = None
    else:
        low = neutropenic(latest.value)
        words = "< 0.5: neutropenic" if low else ">= 0.5"
        reasons.append(f"neutrophils {latest.value:g} x10^9/L at {stamp(latest.at)} ({words})")
    if episode is not None:
        reasons.append(episode.reason)
        if episode.first_antibiotic is None:
            reasons.append("no treatment antibiotic recorded since the fever")
        else:
            when, drug = episode.first_antibiotic
            reasons.append(
                f"first antibiotic {drug} at {stamp(when)}, {episode.minutes_to_antibiotic} min after the fever"
            )
    return NeutropeniaStatus(
        None if latest is None else latest.value, None if latest is None else latest.at, low, episode, tuple(reasons)
    )


# --- what is due ---------------------------------------------------------------------------------------------


def monitoring_state(patient: PatientSnapshot, crs: CurrentGrade, icans: CurrentGrade) -> MonitoringState:
    """What has been done, the grades in force (a provisional grade tightens the cadence like a formal one), the
    assessments a provisional grade made due now, and the documented exceptions."""
    requested = {
        item: current.requested_at
        for item, current in (("crs", crs), ("neuro", icans))
        if current.requested_at is not None
    }
    return MonitoringState(
        monitoring_start=patient.monitoring_start,
        discharged_at=patient.discharged_at,
        last_obs=patient.last_obs,
        last_crs=patient.last_crs,
        last_neuro=patient.last_neuro,
        last_bloods=patient.last_bloods,
        crs_grade=crs.effective,
        icans_grade=icans.effective,
        requested=requested,
        exceptions=tuple(
            ScheduleException(row.items, row.starts_at, row.ends_at, row.reason) for row in patient.exceptions
        ),
    )


# --- guidance ------------------------------------------------------------------------------------------------


def guidance(
    crs: CurrentGrade,
    icans: CurrentGrade,
    hlh: HLHStatus,
    patient: PatientSnapshot,
    weight_kg: float | None,
    neutropenia: NeutropeniaStatus | None = None,
    now: datetime | None = None,
) -> list[Guidance]:
    """The guideline sections that apply now: Table 2 for the CRS grade, Table 5 for the ICANS grade, Table 6
    after a status epilepticus event in the window, Table 7 after a raised-ICP finding, and the HLH section when
    the peak ferritin is above 10,000 ng/mL."""
    found = [
        guidance_for(current.syndrome.lower(), current.effective, weight_kg)
        for current in (crs, icans)
        if current.effective is not None
    ]
    events = {neuro_event(event.event) for event in patient.events}
    latest = patient.neuro[-1] if patient.neuro else None
    seizures = {rule.event for rule in events if rule.kind in ("seizure", "status_epilepticus")}
    icp = {rule.event for rule in events if rule.kind == "raised_icp"}
    if latest is not None:
        seizures |= {latest.seizure} - {"none"}
        icp |= set(latest.icp_findings)
    if seizures & {"prolonged_over_5_min", "repetitive_without_return_to_baseline"}:
        found.append(extra_guidance("convulsive_status_epilepticus", weight_kg))
    if "nonconvulsive_eeg_seizure_resolved_with_intervention" in seizures:
        found.append(extra_guidance("nonconvulsive_status_epilepticus", weight_kg))
    # Table 7 tells its two rows apart by papilloedema stage and CSF pressure, which are not recorded: papilloedema
    # shows both rows with their conditions; any other raised-ICP finding (oedema on imaging, posturing, CN VI
    # palsy, Cushing's triad) the severe row.
    if "papilledema" in icp:
        found.append(extra_guidance("papilloedema_low_pressure", weight_kg))
    if icp:
        found.append(extra_guidance("raised_icp_severe", weight_kg))
    if hlh.flagged:
        item = extra_guidance("hlh", weight_kg)
        if hlh.positive:  # the HLH section's etoposide, computed from height and weight (Mosteller BSA)
            item = dataclasses.replace(
                item, dosing=(*item.dosing, etoposide_text(patient.height_cm, patient.weight_kg))
            )
        found.append(item)
    if now is not None and steroids_in_use(patient, now):
        found.append(extra_guidance("icans_general", weight_kg))  # Table 5 "General": the steroid taper
    if now is not None and refractory_crs(crs, patient, now):
        found.append(extra_guidance("anakinra", weight_kg))
    if neutropenia is not None and neutropenia.neutropenic:
        found.append(extra_guidance("neutropenia", weight_kg))
    if neutropenia is not None and neutropenia.episode is not None:
        found.append(extra_guidance("neutropenic_fever", weight_kg))
    return found


STEROIDS_IN_USE = timedelta(hours=48)


def _doses(patient: PatientSnapshot, kind: str, now: datetime) -> list[datetime]:
    return sorted(at for at, drug in patient.masking.treatments if drug_class(drug) == kind and at <= now)


def steroids_in_use(patient: PatientSnapshot, now: datetime) -> bool:
    """A corticosteroid given in the last 48 h: Table 5's "General" rows (the taper) apply."""
    return any(now - at <= STEROIDS_IN_USE for at in _doses(patient, "corticosteroid", now))


def refractory_crs(crs: CurrentGrade, patient: PatientSnapshot, now: datetime) -> bool:
    """Table 3's anakinra indication: CRS grade 3 or 4 now after both tocilizumab and a corticosteroid."""
    grade = crs.effective
    return (
        grade is not None
        and grade >= 3
        and bool(_doses(patient, "anti_il6", now))
        and bool(_doses(patient, "corticosteroid", now))
    )


# --- all of it -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PatientStatus:
    patient_id: int
    crs: CurrentGrade
    icans: CurrentGrade
    hlh: HLHStatus
    due: tuple[DueItem, ...]
    neutropenia: NeutropeniaStatus


def patient_status(patient: PatientSnapshot, now: datetime, rules: StatusRules) -> PatientStatus:
    """Everything decided about one patient at ``now``."""
    crs = crs_now(patient, rules)
    icans = icans_now(patient)
    due = due_items(monitoring_state(patient, crs, icans), now, rules.policy)
    return PatientStatus(patient.id, crs, icans, hlh_now(patient, rules), due, neutropenia_now(patient, rules, now))
