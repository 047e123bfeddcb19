"""The README documents every environment variable the code reads, and the two set-up commands."""

from __future__ import annotations

import re
from pathlib import Path

from data.settings import ALERT_NUMBER_SETTINGS

ROOT = Path(__file__).resolve().parents[2]


def variables_read_by_the_code() -> set[str]:
    found = {f"CARTWATCH_{name.upper()}" for name in ALERT_NUMBER_SETTINGS}
    for package in ("data", "alerts", "dashboard", "feeds"):
        for path in (ROOT / package).rglob("*.py"):
            found |= set(re.findall(r"CARTWATCH_[A-Z][A-Z0-9_]*[A-Z0-9]", path.read_text(encoding="utf-8")))
    return found


def test_every_environment_variable_is_in_the_configuration_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Configuration") : readme.index("## Deploying")]
    missing = sorted(v for v in variables_read_by_the_code() if f"`{v}`" not in table)
    assert missing == []


def test_the_readme_gives_the_two_commands_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
