"""Neurological events that page whatever the ICANS grade: a seizure, status epilepticus, new deep focal motor
weakness, a new raised-ICP finding.

Guideline Table 4 lists them as ICANS domains (seizure grade 3-4, motor grade 4, raised ICP grade 3-4), and
Tables 6 (status epilepticus) and 7 (raised ICP) give their own management: each needs a doctor at once even when
the ICANS grade number does not change (a seizure at ICANS 3 is still a seizure). An event is recorded in a neuro
assessment or on its own, between assessments; the vocabulary is the assessment's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from toxicity.errors import InvalidAssessment
from toxicity.icans import ICP_GRADES, MOTOR_WEAKNESS_GRADE, SEIZURE_GRADES, SEIZURE_WORDS
from toxicity.validation import require_choice


@dataclass(frozen=True)
class NeuroEventRule:
    """What an event is: its alert kind, the ICANS grade its domain alone gives, and its words for the page."""

    event: str
    kind: str
    grade: int
    words: str


MOTOR_EVENT = "deep_focal_motor_weakness"

ICP_WORDS: Mapping[str, str] = MappingProxyType(
    {
        "focal_local_edema": "focal/local oedema on neuroimaging",
        "diffuse_cerebral_edema": "diffuse cerebral oedema on neuroimaging",
        "decerebrate_or_decorticate_posturing": "decerebrate or decorticate posturing",
        "cranial_nerve_vi_palsy": "cranial nerve VI palsy",
        "papilledema": "papilloedema",
        "cushings_triad": "Cushing's triad",
    }
)

STATUS_EPILEPTICUS = frozenset({"prolonged_over_5_min", "repetitive_without_return_to_baseline"})


def _rules() -> dict[str, NeuroEventRule]:
    rules: dict[str, NeuroEventRule] = {}
    for seizure, grade in SEIZURE_GRADES.items():
        if seizure == "none":
            continue
        kind = "status_epilepticus" if seizure in STATUS_EPILEPTICUS else "seizure"
        rules[seizure] = NeuroEventRule(seizure, kind, grade, SEIZURE_WORDS[seizure])
    rules[MOTOR_EVENT] = NeuroEventRule(
        MOTOR_EVENT, "motor_weakness", MOTOR_WEAKNESS_GRADE, "deep focal motor weakness (hemiparesis or paraparesis)"
    )
    for finding, grade in ICP_GRADES.items():
        rules[finding] = NeuroEventRule(finding, "raised_icp", grade, ICP_WORDS[finding])
    return rules


NEURO_EVENTS: Mapping[str, NeuroEventRule] = MappingProxyType(_rules())
"""Every event that can be recorded, by name: the seizure types but "none", deep_focal_motor_weakness and the
raised-ICP findings."""
NEURO_EVENT_NAMES: tuple[str, ...] = tuple(NEURO_EVENTS)
NEURO_EVENT_KINDS: tuple[str, ...] = ("seizure", "status_epilepticus", "motor_weakness", "raised_icp")


def neuro_event(event: object) -> NeuroEventRule:
    """The rule for a recorded event name (raises naming the field and the allowed names)."""
    return NEURO_EVENTS[require_choice("event", event, NEURO_EVENT_NAMES)]


def assessment_events(
    seizure: str,
    motor_weakness: bool,
    icp: frozenset[str],
    previous_motor_weakness: bool | None,
    previous_icp: frozenset[str] | None,
) -> tuple[NeuroEventRule, ...]:
    """The events a neuro assessment shows: any seizure it records (a seizure is an event, so each recorded one
    pages), deep focal motor weakness not in the previous assessment, and each raised-ICP finding not in the
    previous assessment. With no previous assessment everything present is new."""
    found: list[NeuroEventRule] = []
    if seizure != "none":
        found.append(neuro_event(seizure))
    if motor_weakness and not previous_motor_weakness:
        found.append(NEURO_EVENTS[MOTOR_EVENT])
    for finding in sorted(icp - (previous_icp or frozenset())):
        found.append(neuro_event(finding))
    return tuple(found)


def event_message(rule: NeuroEventRule, source: str) -> str:
    """The page text: names the event (never the patient)."""
    if not isinstance(rule, NeuroEventRule):
        raise InvalidAssessment(f"rule: expected NeuroEventRule, got {type(rule).__name__}")
    label = {
        "seizure": "Seizure",
        "status_epilepticus": "Status epilepticus",
        "motor_weakness": "New deep focal motor weakness",
        "raised_icp": "New raised-ICP finding",
    }[rule.kind]
    return f"{label}: {rule.words} ({source}; ICANS domain grade {rule.grade}): medical review now"
