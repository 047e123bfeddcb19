"""A patient's status now — the one place the current CRS and ICANS grades, the HLH screen (`alerts.hlh_status`),
what is due and which guidance applies are decided. The sweep (and so the pager), the write-path hook, the board,
the patient page and `GET /api/v1/patients/<id>/status` all call these functions on the same `PatientSnapshot`,
so they cannot disagree.

Pure: no database, no clock.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from alerts.config import StatusRules
from alerts.hlh_status import (
    HLHStatus,
    hlh_now,
    stamp,
)
from alerts.snapshot import GradedRecord, PatientSnapshot
from toxicity import (
    CurrentGrade,
    DueItem,
    FeverMasking,
    Graded,
    Guidance,
    InvalidAssessment,
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
from toxicity.drugs import drug_class
from toxicity.interventions import ChecklistItem, checklist
from toxicity.neutropenia import FeverEpisode, neutropenic, neutropenic_fever_episodes
from toxicity.second_line import etoposide_text
from toxicity.steroids import SteroidCourse, steroid_course
from toxicity.tocilizumab import (
    Indication,
    TocilizumabSummary,
    indicated_dose,
    tocilizumab_indication,
    tocilizumab_summary,
)


def override_line(grade: int, reason: str | None) -> str:
    """The reason line of a clinician's override, the same on the badge, in the preview, on the chart and in the
    status API."""
    return f"override to grade {grade}: {reason}"


def with_override(reasons: Sequence[str], override_grade: int | None, override_reason: str | None) -> tuple[str, ...]:
    """A stored grade's reasons as every screen, the chart and the status API show them: the clinician's override
    line first when there is one."""
    if override_grade is None:
        return tuple(reasons)
    return (override_line(override_grade, override_reason), *reasons)


def formal_reasons(row: GradedRecord) -> tuple[str, ...]:
    return with_override(row.stored_reasons(), row.grade if row.overridden else None, row.override_reason)


def _formal(rows: tuple[GradedRecord, ...], source_type: str, provisional: list[Graded]) -> list[Graded]:
    """The formal assessments that can bear on a decision: the last one at or before the first provisional
    record (or the last of all), and every one after it. An earlier one is superseded before anything in the
    window is walked (`toxicity.walk` starts again at each formal assessment), so its reasons are never read."""
    first = min((row.at for row in provisional), default=None)
    start = max(len(rows) - 1, 0)
    if first is not None:
        before = [index for index, row in enumerate(rows) if row.at <= first]
        start = before[-1] if before else 0
    return [
        Graded(row.at, row.grade, True, source_type, row.record_id, formal_reasons(row), row.rule_set)
        for row in rows[start:]
    ]


def crs_history(patient: PatientSnapshot, rules: StatusRules) -> list[Graded]:
    """The CRS grade of each set of obs in the window, graded with the fever masking in force when the obs were
    taken, and the formal CRS assessments they are weighed against (`_formal`)."""
    provisional = []
    masking = patient.masking
    for obs in patient.obs:
        masked = explain_fever_masking(obs.at, masking.crs_grades, masking.treatments, masking.fevers)
        found = provisional_crs(obs.findings, masked.applies, masked.reason, rules.systolic_threshold)
        reasons = (f"provisional, from obs at {stamp(obs.at)}", *found.reasons)
        provisional.append(Graded(obs.at, found.grade, False, "observations", obs.record_id, reasons, found.rule_set))
    return [*_formal(patient.crs, "crs-assessments", provisional), *provisional]


def icans_history(patient: PatientSnapshot) -> list[Graded]:
    """The ICANS grade the level of consciousness in obs gives, each neurological event's domain grade, and the
    formal neuro assessments they are weighed against (`_formal`)."""
    provisional = []
    for obs in patient.obs:
        found = provisional_icans(obs.findings.consciousness)
        if found.grade is None:
            continue  # obs that do not record consciousness say nothing about ICANS
        reasons = (f"provisional, from obs at {stamp(obs.at)}", *found.reasons)
        provisional.append(Graded(obs.at, found.grade, False, "observations", obs.record_id, reasons, found.rule_set))
    for event in patient.events:
        found = provisional_from_event(neuro_event(event.event))
        reasons = (f"provisional, from a neurological event at {stamp(event.at)}", *found.reasons)
        provisional.append(
            Graded(event.at, found.grade, False, "neuro-events", event.record_id, reasons, found.rule_set)
        )
    return [*_formal(patient.neuro, "neuro-assessments", provisional), *provisional]


@dataclass(frozen=True)
class Histories:
    """A patient's CRS and ICANS histories, built once per patient and read: the escalation rules walk them
    (`alerts.rules`), the grades now end them (and so what is due, `alerts.overdue`)."""

    crs: list[Graded]
    icans: list[Graded]

    def crs_now(self) -> CurrentGrade:
        return decide_current_grade("CRS", self.crs)

    def icans_now(self) -> CurrentGrade:
        return decide_current_grade("ICANS", self.icans)


def histories(patient: PatientSnapshot, rules: StatusRules) -> Histories:
    return Histories(crs_history(patient, rules), icans_history(patient))


def crs_now(patient: PatientSnapshot, rules: StatusRules) -> CurrentGrade:
    return decide_current_grade("CRS", crs_history(patient, rules))


def icans_now(patient: PatientSnapshot) -> CurrentGrade:
    return decide_current_grade("ICANS", icans_history(patient))


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
        last_review=patient.last_review,
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
    indication = tocilizumab_indication(crs.effective, icans.effective)
    found = []
    if crs.effective is not None:
        found.append(guidance_for("crs", crs.effective, weight_kg))
    if icans.effective is not None:
        found.append(guidance_for("icans", icans.effective, weight_kg, concurrent_crs=crs.effective))
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
        item = extra_guidance("hlh", weight_kg, indication)
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


# --- tocilizumab, the steroid course and the routine interventions ------------------------------------------


@dataclass(frozen=True)
class TocilizumabStatus:
    """Whether tocilizumab is indicated now, the dose line (only with an indication), and the doses given against
    the limits (``summary`` None with ``problem`` saying why, e.g. an implausible weight)."""

    indication: Indication
    dose_line: tuple[str, ...]
    summary: TocilizumabSummary | None
    problem: str = ""


def tocilizumab_now(
    patient: PatientSnapshot, crs: CurrentGrade, icans: CurrentGrade, now: datetime, rules: StatusRules
) -> TocilizumabStatus:
    indication = tocilizumab_indication(crs.effective, icans.effective)
    doses = [dose.at for dose in patient.tocilizumab if dose.at <= now]
    if patient.weight_kg is None:
        return TocilizumabStatus(indication, (), None, "weight_kg: not recorded")
    try:
        summary = tocilizumab_summary(patient.weight_kg, doses, now, rules.tocilizumab_min_interval)
        line = indicated_dose(indication, patient.weight_kg)
    except InvalidAssessment as exc:
        return TocilizumabStatus(indication, (), None, str(exc))
    return TocilizumabStatus(indication, line, summary)


def interventions_now(patient: PatientSnapshot) -> tuple[ChecklistItem, ...]:
    """The routine interventions checklist (`toxicity.interventions.checklist`)."""
    return checklist(patient.checklist.entries, patient.checklist.doses)


# --- all of it -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PatientStatus:
    patient_id: int
    crs: CurrentGrade
    icans: CurrentGrade
    hlh: HLHStatus
    due: tuple[DueItem, ...]
    neutropenia: NeutropeniaStatus
    interventions: tuple[ChecklistItem, ...] = ()
    steroids: SteroidCourse | None = None
    tocilizumab: TocilizumabStatus | None = None


def patient_status(patient: PatientSnapshot, now: datetime, rules: StatusRules) -> PatientStatus:
    """Everything decided about one patient at ``now``."""
    found = histories(patient, rules)
    crs = found.crs_now()
    icans = found.icans_now()
    due = due_items(monitoring_state(patient, crs, icans), now, rules.policy)
    return PatientStatus(
        patient.id,
        crs,
        icans,
        hlh_now(patient, rules),
        due,
        neutropenia_now(patient, rules, now),
        interventions_now(patient),
        steroid_course(patient.steroids, now),
        tocilizumab_now(patient, crs, icans, now, rules),
    )


@dataclass(frozen=True)
class StatusNow:
    """What a patient's page and the status API show: everything decided (`patient_status`), the guideline
    sections that apply (`guidance`) and the fever masking in force now."""

    status: PatientStatus
    guidance: tuple[Guidance, ...]
    masking: FeverMasking


def status_now(patient: PatientSnapshot, now: datetime, rules: StatusRules) -> StatusNow:
    status = patient_status(patient, now, rules)
    found = guidance(status.crs, status.icans, status.hlh, patient, patient.weight_kg, status.neutropenia, now)
    history = patient.masking
    masking = explain_fever_masking(now, history.crs_grades, history.treatments, history.fevers)
    return StatusNow(status, tuple(found), masking)
