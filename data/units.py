"""Unit conversion through UCUM (ucumvert's pint registry), not a hand-made table of factors.

Laboratory systems and monitors send UCUM codes (`mg/dL`, `10*3/uL`, `[degF]`) or the spellings people type
(`x10^9/L`, `µmol/L`, `IU/L`); the spellings are rewritten to UCUM first, then UCUM converts. A mass
concentration converts to a substance concentration (mg/dL to µmol/L) through the analyte's molar mass.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

from pint.errors import DimensionalityError, PintError
from ucumvert import InvalidUcumError, PintUcumRegistry


class UnitError(ValueError):
    """A unit that is not UCUM (nor a known spelling of one), or that cannot be converted to the one wanted."""


# Spellings seen in laboratory feeds and typed by people, and the UCUM code each means. Only spellings: every
# factor comes from UCUM.
_SPELLINGS: dict[str, str] = {
    "iu/l": "U/L",  # enzyme activity: laboratories write IU/L for U/L
    "u/l": "U/L",
    "sec": "s",
    "secs": "s",
    "seconds": "s",
    "°c": "Cel",
    "degc": "Cel",
    "c": "Cel",
    "°f": "[degF]",
    "degf": "[degF]",
    "f": "[degF]",
    "mmhg": "mm[Hg]",
    "bpm": "/min",
    "beats/min": "/min",
    "breaths/min": "/min",
    "l/min": "L/min",
    "lpm": "L/min",
}
_POWER_OF_TEN = re.compile(r"^(?:x\s*)?10\^(\d+)\s*/\s*(l|ul|ml|mm3)$", re.IGNORECASE)
_VOLUME = {"l": "L", "ul": "uL", "ml": "mL", "mm3": "mm3"}


def to_ucum(unit: str) -> str:
    """The UCUM code for a unit as sent: `x10^9/L` -> `10*9/L`, `µmol/L` -> `umol/L`, `IU/L` -> `U/L`."""
    text = unit.strip().replace("µ", "u").replace("μ", "u")
    spelled = _SPELLINGS.get(text.lower())
    if spelled is not None:
        return spelled
    power = _POWER_OF_TEN.match(text)
    if power is not None:
        return f"10*{power.group(1)}/{_VOLUME[power.group(2).lower()]}"
    if text.lower().startswith("x10*"):
        return text[1:]
    return text


@cache
def registry() -> Any:
    """One UCUM registry per process (building it takes about a second)."""
    return PintUcumRegistry()


def _units(code: str) -> Any:
    try:
        return registry().from_ucum(code).units
    except (InvalidUcumError, PintError, ValueError) as exc:
        raise UnitError(f"'{code}' is not a UCUM unit") from exc


@lru_cache(maxsize=512)
def _linear(source: str, target: str, molar_mass: float | None) -> tuple[float, float]:
    """(scale, offset) such that a value in `source` is `value * scale + offset` in `target`."""
    ureg = registry()
    src, dst = _units(source), _units(target)

    def convert(value: float) -> float:
        quantity = ureg.Quantity(value, src)
        try:
            return float(quantity.to(dst).magnitude)
        except DimensionalityError:
            if molar_mass is None:
                raise
        mass = ureg.Quantity(molar_mass, _units("g/mol"))
        for candidate in (quantity / mass, quantity * mass):
            try:
                return float(candidate.to(dst).magnitude)
            except DimensionalityError:
                continue
        raise DimensionalityError(src, dst)

    try:
        offset = convert(0.0)
        scale = convert(1.0) - offset
    except DimensionalityError:
        raise UnitError(f"'{source}' cannot be converted to '{target}'") from None
    return scale, offset


def convert_unit(value: float, unit: str, target: str, molar_mass: float | None = None) -> float:
    """`value` in `unit` (UCUM or a known spelling) expressed in the UCUM unit `target`."""
    scale, offset = _linear(to_ucum(unit), target, molar_mass)
    return float(f"{value * scale + offset:.12g}")  # drop binary noise such as 12499.999999999998


def convertible(unit: str, target: str, molar_mass: float | None = None) -> bool:
    try:
        _linear(to_ucum(unit), target, molar_mass)
    except UnitError:
        return False
    return True
