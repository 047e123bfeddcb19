"""The feed processes: the HL7 v2 MLLP listener and CSV back-entry.

They store through `data.imports` with the escalation rules of `alerts.hooks` in the same transaction, so they
sit beside `dashboard` (which may import `alerts`), not in `data` (which may not). Never imports `dashboard`.
"""
