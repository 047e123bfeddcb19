"""cartwatch alerting: overdue assessments and grade escalations, paged through an outbox up escalation chains.

Pure decisions (`snapshot` -> `plan`, using `overdue` and `rules`) are carried out by `store` in one
transaction; `delivery` sends the outbox through `channels`; `scheduler` (the only APScheduler user) runs
`jobs`; `hooks` runs the escalation rules on write. For the dashboard: `lifecycle` (acknowledge, snooze,
resolve) and `queries` (open_alerts, alert_history, heartbeat_age_seconds, is_heartbeat_stale).
"""
