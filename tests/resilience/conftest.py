"""The resilience suite: faults injected into real processes (scheduler, web, PostgreSQL) and what the ward sees.

Fixtures shared with the alerting tests (a ward written through the write path, no stray CARTWATCH_ settings)
come from `tests/integration/alerts/conftest.py`; the processes a test starts and a webhook receiver from
`faults.py`.
"""

from __future__ import annotations

from tests.integration.alerts.conftest import _no_alerting_environment, ward
from tests.resilience.faults import pagers, processes

__all__ = ["_no_alerting_environment", "pagers", "processes", "ward"]
