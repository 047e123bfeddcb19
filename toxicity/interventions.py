"""The guideline's routine interventions as a per-patient checklist, and what recording the infusion needs.

Guideline, Clinical Approach: "All patients should receive the following routine interventions; Double lumen
central venous access before administration of CAR-T cells; Infection prophylaxis including Aciclovir and
Septrin; TLS prevention as per Trust policy [ACLIN.O.012] ... Any infection must be controlled before CAR-T cells
can be infused. This may require delay in product infusion."

An item is done when a clinician records it (who and when), or, for the two prophylaxis drugs, when a dose of
the drug is recorded. Recording the infusion time while an item is open needs a doctor's confirmation with a
reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType

from toxicity.drugs import normalise_drug

SOURCE = "Guideline ACLIN.P.088 Clinical Approach: routine interventions"
INTERVENTIONS: Mapping[str, str] = MappingProxyType(
    {
        "central_venous_access": "Double lumen central venous access before administration of CAR-T cells",
        "aciclovir_prophylaxis": "Infection prophylaxis: aciclovir prescribed",
        "cotrimoxazole_prophylaxis": "Infection prophylaxis: co-trimoxazole (Septrin) prescribed",
        "tls_prevention": "TLS prevention as per Trust policy [ACLIN.O.012]",
        "infection_controlled": "Any infection controlled before CAR-T cells are infused",
    }
)
"""Item -> the guideline's words, in the guideline's order."""
INTERVENTION_ITEMS: tuple[str, ...] = tuple(INTERVENTIONS)
PROPHYLAXIS_DRUGS: Mapping[str, str] = MappingProxyType(
    {"aciclovir": "aciclovir_prophylaxis", "co-trimoxazole": "cotrimoxazole_prophylaxis"}
)
"""A recorded dose of the drug marks its prophylaxis item done ("recordable as drugs")."""


@dataclass(frozen=True)
class Done:
    """One recorded completion: the item, when, by whom, and from what (a checklist entry or a drug dose)."""

    item: str
    at: datetime
    by: str
    how: str


@dataclass(frozen=True)
class ChecklistItem:
    item: str
    words: str
    done: Done | None

    @property
    def open(self) -> bool:
        return self.done is None

    @property
    def text(self) -> str:
        if self.done is None:
            return f"{self.words}: open"
        when = self.done.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        return f"{self.words}: done {when} by {self.done.by} ({self.done.how})"


def checklist(entries: Iterable[Done], doses: Iterable[tuple[datetime, str, str]] = ()) -> tuple[ChecklistItem, ...]:
    """Each routine intervention with its first completion: a checklist entry, or (prophylaxis) the first dose of
    the drug, ``doses`` as (given at, drug, recorded by)."""
    found: dict[str, Done] = {}
    candidates = list(entries)
    for at, drug, by in doses:
        item = PROPHYLAXIS_DRUGS.get(normalise_drug(drug))
        if item is not None:
            candidates.append(Done(item, at, by, f"{normalise_drug(drug)} dose recorded"))
    for done in sorted(candidates, key=lambda d: d.at):
        if done.item in INTERVENTIONS and done.item not in found:
            found[done.item] = done
    return tuple(ChecklistItem(item, words, found.get(item)) for item, words in INTERVENTIONS.items())


def open_items(items: Iterable[ChecklistItem]) -> tuple[ChecklistItem, ...]:
    return tuple(item for item in items if item.open)


def infusion_warning(items: Iterable[ChecklistItem]) -> str:
    """What recording the infusion time with open items says ("" when none is open)."""
    still = open_items(items)
    if not still:
        return ""
    names = "; ".join(item.words for item in still)
    return (
        f"{len(still)} routine intervention(s) open: {names}. Recording the infusion time needs a doctor's "
        "confirmation with a reason."
    )
