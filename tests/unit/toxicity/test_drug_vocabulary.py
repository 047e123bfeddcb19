"""Vasopressor and drug names: synonyms, case, counting, and unknown names rejected."""

from __future__ import annotations

import pytest

from toxicity import (
    DRUG_CLASSES,
    DRUGS,
    VASOPRESSOR_AGENTS,
    InvalidAssessment,
    count_vasopressors,
    drug_class,
    enums,
    normalise_vasopressor,
)


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ([], (0, False)),
        (["noradrenaline"], (1, False)),
        (["vasopressin"], (0, True)),
        (["noradrenaline", "vasopressin"], (1, True)),
        (["noradrenaline", "phenylephrine"], (2, False)),
        (["Norepinephrine", "noradrenaline"], (1, False)),
        (["EPINEPHRINE", " dopamine ", "metaraminol", "vasopressin"], (3, True)),
    ],
    ids=["none", "noradrenaline", "vasopressin-alone", "noradrenaline-and-vasopressin",
         "noradrenaline-and-phenylephrine", "synonym-counts-once", "three-agents-and-vasopressin"],
)  # fmt: skip
def test_vasopressors_are_counted_excluding_vasopressin(names: list[str], expected: tuple[int, bool]) -> None:
    assert count_vasopressors(names) == expected


def test_synonyms_normalise_case_insensitively() -> None:
    assert normalise_vasopressor("Norepinephrine") == "noradrenaline"
    assert normalise_vasopressor("epinephrine") == "adrenaline"
    assert set(VASOPRESSOR_AGENTS) >= {"noradrenaline", "adrenaline", "phenylephrine", "dopamine", "metaraminol"}


@pytest.mark.parametrize("names", [["dobutamine"], [""], [None], "noradrenaline"], ids=repr)
def test_unknown_vasopressors_are_rejected(names: object) -> None:
    with pytest.raises(InvalidAssessment, match="vasopressor"):
        count_vasopressors(names)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "drug_class_name"),
    [("tocilizumab", "anti_il6"), ("Siltuximab", "anti_il6"), ("dexamethasone", "corticosteroid"),
     ("methylprednisolone", "corticosteroid"), ("hydrocortisone", "corticosteroid"),
     ("prednisolone", "corticosteroid"), ("anakinra", "anti_il1"), ("levetiracetam", "antiepileptic"),
     ("lorazepam", "antiepileptic"), ("phenobarbital", "antiepileptic"), ("acetazolamide", "other"),
     ("mannitol", "other"), ("etoposide", "other"), ("cytarabine", "other"), ("haloperidol", "other")],
    ids=lambda value: str(value),
)  # fmt: skip
def test_each_guideline_drug_has_its_class(name: str, drug_class_name: str) -> None:
    assert drug_class(name) == drug_class_name


def test_every_drug_class_is_one_of_the_known_classes() -> None:
    assert set(DRUGS.values()) <= set(DRUG_CLASSES)


def test_an_unknown_drug_is_rejected() -> None:
    with pytest.raises(InvalidAssessment, match="drug: 'paracetamol' is not a known drug"):
        drug_class("paracetamol")


def test_the_vocabularies_are_also_available_from_the_enums_module() -> None:
    assert enums.count_vasopressors is count_vasopressors
    assert enums.RULE_SET == "ASTCT 2019"
    assert "room_air" in enums.OXYGEN_DEVICES
    assert enums.OxygenDevice("room_air") is enums.OxygenDevice.ROOM_AIR
