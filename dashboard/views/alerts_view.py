"""The alerts page: open alerts for the grid, an alert's delivery history, and the actions on an alert.

Acknowledge, snooze and resolve go through `alerts.lifecycle` (audit, ward bump, re-paging rules live there).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html
from sqlalchemy.orm import Session

from alerts import lifecycle
from alerts.chains import ChainConfig
from alerts.config import ConfigError, load_config
from alerts.queries import alert_history, current_minutes_late, list_alerts, open_alerts
from dashboard.context import Scope
from dashboard.views.alert_people import by_at, next_step, people, recipient_words
from dashboard.views.errors import error_lines
from dashboard.views.grid import grid_columns
from dashboard.views.tampering import BadCallback
from dashboard.views.timefmt import stamp
from data import queries
from data.audit import Actor
from data.models import Alert, AlertDelivery, DeliveryAttempt, Patient
from data.records import NotFound, Refused, check_ward
from data.settings import Settings
from data.validation import InvalidInput

COLUMNS: tuple[tuple[str, str], ...] = (
    ("bed", "Bed"),
    ("kind", "Kind"),
    ("severity", "Severity"),
    ("status", "Status"),
    ("raised", "Raised"),
    ("paged", "Paged"),
    ("next", "Next escalation"),
    ("acknowledged", "Acknowledged"),
    ("late", "Minutes late"),
    ("snoozed", "Snoozed until"),
    ("message", "Message"),
)
RESOLVED_COLUMNS: tuple[tuple[str, str], ...] = (
    ("bed", "Bed"),
    ("kind", "Kind"),
    ("severity", "Severity"),
    ("raised", "Raised"),
    ("paged", "Paged"),
    ("acknowledged", "Acknowledged"),
    ("resolved", "Resolved"),
    ("reason", "Why"),
    ("message", "Message"),
)
HISTORY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("step", "Step"),
    ("recipient", "Recipient"),
    ("channel", "Channel"),
    ("status", "Delivery"),
    ("created", "Queued"),
    ("attempted", "Attempt"),
    ("outcome", "Outcome"),
    ("error", "Error"),
)


# Long text wraps in its cell and the row grows with it: nothing is cut off at 1,500 px.
WRAP = {"wrapText": True, "autoHeight": True, "cellStyle": {"lineHeight": "1.35", "wordBreak": "normal"}}
WIDE = {
    "message": {"flex": 2, "minWidth": 220, **WRAP},
    "error": {"flex": 2, "minWidth": 200, **WRAP},
    "paged": {"flex": 1, "minWidth": 200, **WRAP},
    "next": {"flex": 1, "minWidth": 200, **WRAP},
    "acknowledged": {"minWidth": 160, "flex": 1, **WRAP},
    "resolved": {"minWidth": 160, "flex": 1, **WRAP},
    "reason": {"minWidth": 160, "flex": 1, **WRAP},
    "recipient": {"minWidth": 200, "flex": 1, **WRAP},
    "bed": {"minWidth": 110, **WRAP},
    "kind": {"minWidth": 130, **WRAP},
    "late": {"width": 90, **WRAP},
    "snoozed": {"minWidth": 140, **WRAP},
    "raised": {"minWidth": 140, **WRAP},
    "created": {"minWidth": 140, **WRAP},
    "attempted": {"minWidth": 140, **WRAP},
}


def column_defs(columns: tuple[tuple[str, str], ...]) -> list[dict[str, Any]]:
    return grid_columns(columns, WIDE)


def paged_text(deliveries: list[AlertDelivery], step: int, chains: ChainConfig | None = None) -> str:
    """Who the current step of the chain has paged (by title and bleep), and how each page went."""
    current = [d for d in deliveries if d.step == step] or deliveries
    shown = (f"{recipient_words(d.recipient, chains)}: {DELIVERY_WORDS.get(d.status, d.status)}" for d in current)
    return ", ".join(shown) if current else "nobody yet"


DELIVERY_WORDS = {"sent": "paged", "pending": "waiting to send", "dead": "could not be paged", "failed": "failed"}


def bed_text(alert: Alert, patients: dict[int, Patient]) -> str:
    patient = patients.get(alert.patient_id) if alert.patient_id is not None else None
    if patient is None:
        return str(alert.details.get("bed") or "system")
    return f"{patient.ward} · {patient.bed}"


def alert_rows(
    alerts: list[Alert],
    patients: dict[int, Patient],
    deliveries: dict[int, list[AlertDelivery]],
    now: datetime,
    tz: str,
    chains: ChainConfig | None = None,
    names: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    names = names or {}
    rows = []
    for alert in alerts:
        late = current_minutes_late(alert, now)
        snoozed = alert.snoozed_until if alert.snoozed_until and alert.snoozed_until > now else None
        rows.append(
            {
                "id": str(alert.id),
                "patient_id": alert.patient_id,
                "kind_code": alert.kind,
                "bed": bed_text(alert, patients),
                "kind": alert.kind.replace("_", " "),
                "severity": alert.severity,
                "status": alert.status,
                "raised": stamp(alert.raised_at, tz),
                "paged": paged_text(deliveries.get(alert.id, []), alert.chain_step, chains),
                "step": alert.chain_step,
                "next": next_step(alert, chains, now, tz),
                "acknowledged": by_at(alert.acknowledged_by, alert.acknowledged_at, names, tz),
                "resolved": by_at(alert.resolved_by, alert.resolved_at, names, tz),
                "reason": alert.resolution_reason or "",
                "late": late if late is not None else "",
                "snoozed": f"{stamp(snoozed, tz)} ({alert.snooze_reason})" if snoozed else "",
                "message": alert.message,
            }
        )
    return rows


STATUSES = (("open", "Open"), ("acknowledged", "Acknowledged, not resolved"), ("resolved", "Resolved"))


def chains_or_none(settings: Settings) -> ChainConfig | None:
    """The escalation chains the scheduler follows (None when they cannot be read: the page says so)."""
    try:
        return load_config(settings).chains
    except ConfigError:
        return None


def load_alert_rows(session: Session, now: datetime, settings: Settings, status: str = "open") -> list[dict[str, Any]]:
    """Alerts with `status` ("open": nobody has acknowledged them yet; "resolved": the newest resolved ones),
    most severe first; five statements whatever their number."""
    if status == "resolved":
        alerts = list_alerts(session, "resolved", ward=settings.board_ward)
    else:
        alerts = [a for a in open_alerts(session, now, settings.board_ward) if a.status == status]
    patients = queries.patients_by_id(session, [a.patient_id for a in alerts if a.patient_id is not None])
    deliveries = queries.deliveries_for_alerts(session, [a.id for a in alerts])
    names = people(session, [name for a in alerts for name in (a.acknowledged_by, a.resolved_by)])
    chains = chains_or_none(settings)
    return alert_rows(alerts, patients, deliveries, now, settings.ward_timezone, chains, names)


def shown(status: str, version: int) -> dict[str, Any]:
    """What the alerts grid on screen holds: the list it was read for (`status`) and the ward's version then."""
    return {"status": status, "version": version}


def columns_for(status: str) -> list[dict[str, Any]]:
    return column_defs(RESOLVED_COLUMNS if status == "resolved" else COLUMNS)


def history_rows(
    history: list[tuple[AlertDelivery, list[DeliveryAttempt]]], tz: str, chains: ChainConfig | None = None
) -> list[dict[str, Any]]:
    """One row per delivery attempt (a delivery not yet tried is one row without an attempt)."""
    rows = []
    for delivery, attempts in history:
        base = {
            "step": delivery.step,
            "recipient": recipient_words(delivery.recipient, chains),
            "channel": delivery.channel,
            "status": delivery.status,
            "created": stamp(delivery.created_at, tz),
        }
        if not attempts:
            rows.append({**base, "attempted": "not yet", "outcome": "", "error": ""})
        for attempt in attempts:
            rows.append(
                {
                    **base,
                    "attempted": stamp(attempt.attempted_at, tz),
                    "outcome": attempt.outcome,
                    "error": attempt.error or "",
                }
            )
    return rows


def load_history(
    session: Session, alert_id: int, tz: str, actor: Actor, chains: ChainConfig | None = None
) -> list[dict[str, Any]]:
    """An alert's delivery history, for an alert on a ward the actor may see (else Forbidden, a 403)."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        return []
    patient = session.get(Patient, alert.patient_id) if alert.patient_id is not None else None
    if patient is not None:
        check_ward(actor, patient)
    return history_rows(alert_history(session, alert_id), tz, chains)


HISTORY_TITLE = "Delivery history"


def selected_alert(rows: list[dict[str, Any]] | None) -> int | None:
    """The alert selected in the grid (its row id), or None."""
    if not rows:
        return None
    row = rows[0] if isinstance(rows, list) else None
    found = row.get("id") if isinstance(row, dict) else None
    text = str(found) if isinstance(found, (str, int)) and not isinstance(found, bool) else ""
    if not text.isdigit() or len(text) > 12:
        raise BadCallback("the selected alert is not one this page listed")
    return int(text)


def history_title(rows: list[dict[str, Any]] | None) -> str:
    if not rows:
        return HISTORY_TITLE
    return f"{HISTORY_TITLE} of alert {rows[0]['id']} ({rows[0]['kind']})"


@dataclass(frozen=True)
class ActionResult:
    """What an action did: `refused` when the alert's state does not allow it (an overdue alert cannot be
    resolved by hand), as opposed to a mistake in what was typed."""

    done: bool
    message: str
    refused: bool = False


def act(
    scope: Scope,
    action: str,
    alert_id: int | None,
    actor: Actor,
    now: datetime,
    settings: Settings,
    reason: str | None = None,
    minutes: int | None = None,
) -> ActionResult:
    """Acknowledge, snooze or resolve one alert, and the message for the person."""
    if alert_id is None:
        return ActionResult(False, "Select an alert first.")
    try:
        with scope() as session:
            if action == "acknowledge":
                lifecycle.acknowledge(session, alert_id, actor, now, settings=settings)
            elif action == "snooze":
                if minutes is None:
                    return ActionResult(False, "Snooze: give the minutes.")
                lifecycle.snooze(session, alert_id, int(minutes), reason or "", actor, now, settings=settings)
            else:
                lifecycle.resolve(session, alert_id, reason or "", actor, now)
    except InvalidInput as exc:
        return ActionResult(False, "; ".join(error_lines(exc, settings.ward_timezone)))
    except NotFound as exc:
        return ActionResult(False, str(exc))
    except Refused as exc:
        return ActionResult(False, f"Not resolved: {exc}.", refused=True)
    done = {"acknowledge": "acknowledged", "snooze": f"snoozed for {minutes} min", "resolve": "resolved"}[action]
    return ActionResult(True, f"Alert {done}.")


def _selected_row(rows: list[dict[str, Any]] | None) -> dict[str, Any]:
    return rows[0] if rows else {}


def patient_link(rows: list[dict[str, Any]] | None, text: str) -> list[Any]:
    """A link to the selected alert's patient page, where the assessment or an exception is recorded."""
    patient_id = _selected_row(rows).get("patient_id")
    if patient_id is None:
        return []
    return [" ", dcc.Link(text, href=f"/patient/{patient_id}", className="alert-link")]


def action_status(result: ActionResult, rows: list[dict[str, Any]] | None) -> dbc.Alert:
    """The message under the buttons; a refused resolve says how the alert closes and links to the patient."""
    if result.done:
        return dbc.Alert(result.message, color="success", class_name="py-1")
    if result.refused:
        link = patient_link(rows, "Open the patient's page to record it.")
        return dbc.Alert([result.message, *link], color="warning", class_name="py-1")
    return dbc.Alert(result.message, color="danger", class_name="py-1")


RESOLVE_HINT = "Overdue alerts are not resolved by hand: they close themselves once the assessment, or a monitoring "
RESOLVE_HINT += "exception (patient off the ward, refused, paused by a doctor), is recorded on the patient's page."


def resolve_hint(rows: list[dict[str, Any]] | None) -> list[Any]:
    """Beside the Resolve button: how the selected alert closes, when it is an overdue alert."""
    kind = _selected_row(rows).get("kind_code")
    what = lifecycle.OVERDUE_WORDS.get(kind) if isinstance(kind, str) else None
    if what is None:
        return [RESOLVE_HINT]
    text = f"This alert closes itself when the {what} is recorded, or a monitoring exception covering it."
    return [html.Strong(text), *patient_link(rows, f"Record the {what} or an exception.")]
