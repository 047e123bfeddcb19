"""cartwatch alerting: overdue assessments and grade escalations, paged through an outbox up escalation chains.

Pure decisions (`snapshot` -> `plan`, using `overdue` and `rules`) are carried out by `store` in one
transaction; `outbox` claims and marks pages, `delivery` sends them through `channels`; `scheduler` (the only
APScheduler user) runs `jobs` while `leadership` says it leads, under `supervise`; `hooks` runs the escalation
rules on write and `wake` tells the scheduler; `watchdog` (in the web process) pages when the scheduler stops.
For the dashboard: `lifecycle` (acknowledge, snooze, resolve) and `queries` (open_alerts, alert_history,
heartbeat_age_seconds, is_heartbeat_stale).
"""
