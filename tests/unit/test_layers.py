"""The packages import in one direction only (DESIGN.md): toxicity <- data <- alerts <- dashboard, and the feed
processes (feeds) beside dashboard."""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT_PACKAGES = {"toxicity", "data", "alerts", "dashboard", "feeds"}


def imported_top_level_names(package: str) -> dict[str, set[str]]:
    """Map each module file of a package to the top-level names it imports."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


def test_toxicity_imports_only_the_standard_library() -> None:
    allowed = set(sys.stdlib_module_names) | {"toxicity", "__future__"}
    offenders = {
        module: sorted(names - allowed)
        for module, names in imported_top_level_names("toxicity").items()
        if names - allowed
    }
    assert offenders == {}


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("toxicity", {"data", "alerts", "dashboard", "feeds"}),
        ("data", {"alerts", "dashboard", "feeds"}),
        ("alerts", {"dashboard", "feeds"}),
        ("dashboard", {"feeds"}),
        ("feeds", {"dashboard"}),
    ],
    ids=[
        "toxicity-is-the-pure-core",
        "data-never-imports-alerts-dashboard-or-feeds",
        "alerts-never-imports-dashboard-or-feeds",
        "dashboard-never-imports-feeds",
        "feeds-never-imports-dashboard",
    ],
)
def test_packages_import_only_inward(package: str, forbidden: set[str]) -> None:
    offenders = {
        module: sorted(names & forbidden)
        for module, names in imported_top_level_names(package).items()
        if names & forbidden
    }
    assert offenders == {}


def test_only_the_scheduler_module_imports_apscheduler() -> None:
    users = sorted(
        module
        for package in PROJECT_PACKAGES
        for module, names in imported_top_level_names(package).items()
        if "apscheduler" in names
    )
    assert users in ([], ["alerts/scheduler.py"])
