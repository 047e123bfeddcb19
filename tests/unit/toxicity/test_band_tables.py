"""The band tables are contiguous, have no empty band, and are the numbers the grading uses."""

from __future__ import annotations

import ast
import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

import toxicity
from toxicity import bands
from toxicity.bands import Band, ScoreBand
from toxicity.tocilizumab import TOCILIZUMAB_WEIGHT_BANDS

CONTINUOUS: dict[str, Sequence[Band[Any]]] = {
    "FEVER_BANDS": bands.FEVER_BANDS,
    "NASAL_CANNULA_FLOW_BANDS": bands.NASAL_CANNULA_FLOW_BANDS,
    "FERRITIN_BANDS": bands.FERRITIN_BANDS,
    "TOCILIZUMAB_WEIGHT_BANDS": TOCILIZUMAB_WEIGHT_BANDS,
}
SCORES: dict[str, tuple[Sequence[ScoreBand], int, int]] = {
    "ICE_BANDS": (bands.ICE_BANDS, 0, 10),
    "CAPD_BANDS": (bands.CAPD_BANDS, 0, 32),
}


@pytest.mark.parametrize("name", CONTINUOUS)
def test_continuous_bands_meet_exactly_once_at_each_edge(name: str) -> None:
    table = sorted(CONTINUOUS[name], key=lambda band: band.low)
    for band in table:
        assert band.low < band.high, f"{name}: empty band {band}"
    for lower, upper in itertools.pairwise(table):
        assert lower.high == upper.low, f"{name}: gap or overlap between {lower} and {upper}"
        assert lower.high_inclusive != upper.low_inclusive, f"{name}: edge {lower.high} in both or neither band"


@pytest.mark.parametrize("name", SCORES)
def test_score_bands_cover_every_score_exactly_once(name: str) -> None:
    table, low, high = SCORES[name]
    covered = sorted(score for band in table for score in range(band.low, band.high + 1))
    assert covered == list(range(low, high + 1))
    assert all(band.low <= band.high for band in table)


def test_ice_bands_are_10_then_7_9_then_3_6_then_0_2() -> None:
    assert [tuple(band) for band in bands.ICE_BANDS] == [(10, 10, 0), (7, 9, 1), (3, 6, 2), (0, 2, 3)]
    low, high, grade = bands.ICE_BANDS[1]
    assert (low, high, grade) == (7, 9, 1)


def test_the_thresholds_are_the_band_edges() -> None:
    assert bands.FEVER_THRESHOLD_C == 38.0 == bands.FEVER_BANDS[1].low
    assert bands.FEVER_BANDS[1].low_inclusive
    assert bands.LOW_FLOW_MAX_L_MIN == 6.0 == bands.NASAL_CANNULA_FLOW_BANDS[0].high
    assert bands.NASAL_CANNULA_FLOW_BANDS[0].high_inclusive
    assert bands.HLH_FERRITIN_THRESHOLD_NG_ML == 10_000.0 == bands.FERRITIN_BANDS[0].high
    assert not bands.FERRITIN_BANDS[1].low_inclusive


@pytest.mark.parametrize("levels", [bands.HYPOTENSION_LEVELS, bands.OXYGEN_LEVELS], ids=["hypotension", "oxygen"])
def test_ordinal_levels_rise_in_grade(levels: Sequence[bands.Level]) -> None:
    grades = [level.grade for level in levels]
    assert grades == sorted(grades)
    assert grades[0] == 0
    assert grades[-1] == 4


def test_every_oxygen_device_has_a_level() -> None:
    assert set(bands.OXYGEN_DEVICE_LEVELS) == set(toxicity.OXYGEN_DEVICES)
    keys = {level.key for level in bands.OXYGEN_LEVELS}
    assert {key for key in bands.OXYGEN_DEVICE_LEVELS.values() if key is not None} <= keys


GRADING_MODULES = ["crs.py", "icans.py", "hlh.py", "escalation.py", "fever_masking.py", "guidance.py"]
THRESHOLDS = {38.0, 6.0, 10_000.0, 37.9, 6.1, 800.0}


@pytest.mark.parametrize("module", GRADING_MODULES)
def test_grading_modules_take_their_thresholds_from_the_tables_not_literals(module: str) -> None:
    source = (Path(toxicity.__file__).parent / module).read_text(encoding="utf-8")
    literals = {
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
    }
    assert not literals & THRESHOLDS
