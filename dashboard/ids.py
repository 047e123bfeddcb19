"""Every component id of the dashboard, prefixed by its page; factories build the pattern-matching ids.

A pattern-matching id is a dict whose "type" names the page and the kind of component; the other keys select
one component (a bed, a form field). Callbacks pass ALL or MATCH in place of a value.
"""

from __future__ import annotations

from typing import Any

# --- shared frame ------------------------------------------------------------------------------------------
APP_NAV = "app-nav"
APP_BANNER = "app-heartbeat-banner"
APP_USER = "app-user"
APP_LOGOUT = "app-logout"

# --- bay overview (/) --------------------------------------------------------------------------------------
BAY_ROOT = "bay-root"
BAY_CARDS = "bay-cards"
BAY_UPDATED = "bay-updated"
BAY_INTERVAL = "bay-interval"
BAY_VERSION = "bay-version"
BAY_PULSE = "bay-pulse"  # the change counter the last tick saw move: the board is read for it
BAY_BEDS = "bay-beds"
BAY_TIMERS = "bay-timers"
BAY_BANNER = "bay-banner"
BAY_LEAF = "bay-leaf"
BAY_SUMMARY = "bay-summary"
BAY_SUMMARY_OVERDUE = "bay-summary-overdue"
BAY_CONFIRMED = "bay-confirmed"  # when the server last confirmed the page holds the ward's current state (its clock)
BAY_RECEIVED = "bay-received"  # when the page last received an update (the browser's clock)
BAY_TZ = "bay-tz"
BAY_STALE = "bay-stale"
BAY_STALE_TEXT = "bay-stale-text"


def bay_leaf(patient_id: Any, field: str) -> dict[str, Any]:
    """One updatable leaf of a bed card: `field` is e.g. "crs" or "due-obs"; `patient_id` may be ALL."""
    return {"type": BAY_LEAF, "patient": patient_id, "field": field}


# --- wall screen (/wall) -------------------------------------------------------------------------------------
WALL_ROOT = "wall-root"
WALL_GRID = "wall-grid"
WALL_CLOCK = "wall-clock"
WALL_CLOCK_TICK = "wall-clock-tick"
WALL_TZ = "wall-tz"
WALL_SUMMARY = "wall-summary"
WALL_UPDATED = "wall-updated"
WALL_INTERVAL = "wall-interval"
WALL_VERSION = "wall-version"
WALL_RENDERED = "wall-rendered"
WALL_RECEIVED = "wall-received"  # when the page last received a drawing (the browser's clock)
WALL_BANNER = "wall-banner"
WALL_STALE = "wall-stale"
WALL_STALE_TEXT = "wall-stale-text"
WALL_TILE = "wall-tile"
WALL_PAGE = "wall-page"  # a page of up to 24 beds (pattern-matched: {"type": WALL_PAGE, "index": n})
WALL_SHOWN = "wall-page-shown"  # the index of the page on screen
WALL_PAGE_LABEL = "wall-page-label"
WALL_PAGE_TICK = "wall-page-tick"


def wall_tile(patient_id: Any) -> dict[str, Any]:
    return {"type": WALL_TILE, "patient": patient_id}


def wall_page(index: Any) -> dict[str, Any]:
    return {"type": WALL_PAGE, "index": index}


# --- beds (/beds): admission, move, discharge, discharged patients, wall display tokens ------------------------
BEDS_ROOT = "beds-root"
BEDS_FIELD = "beds-field"
BEDS_ADMIT = "beds-admit"
BEDS_ADMIT_STATUS = "beds-admit-status"
BEDS_MOVE_PATIENT = "beds-move-patient"
BEDS_MOVE_BED = "beds-move-bed"
BEDS_MOVE = "beds-move"
BEDS_MOVE_STATUS = "beds-move-status"
BEDS_DISCHARGE_PATIENT = "beds-discharge-patient"
BEDS_DISCHARGE_AT = "beds-discharge-at"
BEDS_DISCHARGE_CONFIRM = "beds-discharge-confirm"
BEDS_DISCHARGE = "beds-discharge"
BEDS_DISCHARGE_STATUS = "beds-discharge-status"
BEDS_DISCHARGED = "beds-discharged"
BEDS_CHANGED = "beds-changed"
BEDS_TOKEN_WARD = "beds-token-ward"
BEDS_TOKEN_DAYS = "beds-token-days"
BEDS_TOKEN_CREATE = "beds-token-create"
BEDS_TOKEN_LIST = "beds-token-list"
BEDS_TOKEN_REVOKE = "beds-token-revoke"
BEDS_TOKEN_STATUS = "beds-token-status"


def beds_field(name: Any) -> dict[str, Any]:
    """An admission form field; `name` is the patient body's key (or ALL)."""
    return {"type": BEDS_FIELD, "name": name}


# --- handover sheet (/handover) -------------------------------------------------------------------------------
HANDOVER_ROOT = "handover-root"
HANDOVER_PLAN = "handover-plan"
HANDOVER_SAVE = "handover-save"
HANDOVER_STATUS = "handover-status"
HANDOVER_PLAN_SHOWN = "handover-plan-shown"
HANDOVER_PRINT = "handover-print"


def handover_plan(patient_id: Any) -> dict[str, Any]:
    return {"type": HANDOVER_PLAN, "patient": patient_id}


def handover_save(patient_id: Any) -> dict[str, Any]:
    return {"type": HANDOVER_SAVE, "patient": patient_id}


def handover_status(patient_id: Any) -> dict[str, Any]:
    return {"type": HANDOVER_STATUS, "patient": patient_id}


def handover_plan_shown(patient_id: Any) -> dict[str, Any]:
    return {"type": HANDOVER_PLAN_SHOWN, "patient": patient_id}


# --- patient trajectory (/patient/<id>) ----------------------------------------------------------------------
PATIENT_ROOT = "patient-root"
PATIENT_ID = "patient-id"
PATIENT_INTERVAL = "patient-interval"
PATIENT_VERSION = "patient-version"
PATIENT_HEADER = "patient-header"
PATIENT_NOT_SHOWN = "patient-not-shown"
PATIENT_CRS_BADGE = "patient-crs-badge"
PATIENT_ICANS_BADGE = "patient-icans-badge"
PATIENT_GRAPH = "patient-graph"
PATIENT_CHART_VIEW = "patient-chart-view"
PATIENT_CHART_DRAWN = "patient-chart-drawn"  # what the chart on screen was drawn from (`trajectory.drawn_from`)
PATIENT_GUIDANCE = "patient-guidance"
PATIENT_TOCILIZUMAB = "patient-tocilizumab"
PATIENT_INTERVENTIONS = "patient-interventions"
PATIENT_NEUTROPENIA = "patient-neutropenia"
PATIENT_STEROIDS = "patient-steroids"
PATIENT_INFUSION_TIME = "patient-infusion-time"
PATIENT_INFUSION_REASON = "patient-infusion-reason"
PATIENT_INFUSION_SAVE = "patient-infusion-save"
PATIENT_INFUSION_STATUS = "patient-infusion-status"
PATIENT_BANNER = "patient-banner"
PATIENT_FIELD = "patient-field"
PATIENT_FEEDBACK = "patient-feedback"
PATIENT_WRAP = "patient-field-wrap"
PATIENT_SAVE = "patient-save"
PATIENT_STATUS = "patient-save-status"
PATIENT_SAVED = "patient-saved"
PATIENT_PREVIEW = "patient-preview"
PATIENT_PREFILL = "patient-prefill"
PATIENT_PREFILLED = "patient-prefilled"
PATIENT_SUBMISSION = "patient-submission-key"
PATIENT_ICE_TOTAL = "patient-ice-total"
PATIENT_AMEND_CONFIRM = "patient-amend-confirm"
PATIENT_AMEND_CONFIRM_TEXT = "patient-amend-confirm-text"
PATIENT_AMEND_CONFIRM_YES = "patient-amend-confirm-yes"
PATIENT_AMEND_CONFIRM_NO = "patient-amend-confirm-no"
PATIENT_AMEND_TARGET = "patient-amend-target"
PATIENT_ERROR_STATUS = "patient-error-status"
PATIENT_ERROR_REASON = "patient-error-reason"
PATIENT_UNIT_OPTIONS = "patient-unit-options"
PATIENT_RECORD_KIND = "patient-record-kind"
PATIENT_RECORDS = "patient-records"
PATIENT_PENDING = "patient-amend-pending"
PATIENT_PENDING_TEXT = "patient-amend-pending-text"
PATIENT_AMEND_REASON = "patient-amend-reason"
PATIENT_AMEND = "patient-amend"
PATIENT_ERROR = "patient-entered-in-error"
PATIENT_AMEND_STATUS = "patient-amend-status"
PATIENT_AMENDED = "patient-amended"


def patient_field(form: str, name: Any) -> dict[str, Any]:
    """A field of a recording form: `form` is a record kind ("observations", ...), `name` its body path."""
    return {"type": PATIENT_FIELD, "form": form, "name": name}


def patient_feedback(form: str, name: Any) -> dict[str, Any]:
    return {"type": PATIENT_FEEDBACK, "form": form, "name": name}


def patient_wrap(form: str, name: Any) -> dict[str, Any]:
    return {"type": PATIENT_WRAP, "form": form, "name": name}


def patient_prefill(form: str, name: Any) -> dict[str, Any]:
    """The marker under a field saying where its pre-filled value came from ("from obs at 14:05")."""
    return {"type": PATIENT_PREFILL, "form": form, "name": name}


def patient_form(kind: str, form: Any) -> dict[str, Any]:
    """The per-form components: `kind` is PATIENT_SAVE, PATIENT_STATUS, PATIENT_SAVED, PATIENT_PREVIEW,
    PATIENT_PREFILLED (the pre-filled values and their sources) or PATIENT_SUBMISSION (the one-use key)."""
    return {"type": kind, "form": form}


# --- alerts (/alerts) --------------------------------------------------------------------------------------
ALERTS_ROOT = "alerts-root"
ALERTS_GRID = "alerts-grid"
ALERTS_FILTER = "alerts-filter"
ALERTS_INTERVAL = "alerts-interval"
ALERTS_VERSION = "alerts-version"
ALERTS_BANNER = "alerts-banner"
ALERTS_REASON = "alerts-reason"
ALERTS_MINUTES = "alerts-snooze-minutes"
ALERTS_ACK = "alerts-acknowledge"
ALERTS_SNOOZE = "alerts-snooze"
ALERTS_RESOLVE = "alerts-resolve"
ALERTS_STATUS = "alerts-status"
ALERTS_HINT = "alerts-resolve-hint"
ALERTS_CHANGED = "alerts-changed"
ALERTS_HISTORY = "alerts-history"
ALERTS_HISTORY_TITLE = "alerts-history-title"

# --- audit trail (/audit, admin only) ----------------------------------------------------------------------
AUDIT_ROOT = "audit-root"
AUDIT_GRID = "audit-grid"
AUDIT_ACTOR = "audit-actor"
AUDIT_ACTION = "audit-action"
AUDIT_OUTCOME = "audit-outcome"
AUDIT_RECORD_TYPE = "audit-record-type"
AUDIT_PATIENT = "audit-patient"
AUDIT_SINCE = "audit-since"
AUDIT_UNTIL = "audit-until"
AUDIT_APPLY = "audit-apply"
AUDIT_STATUS = "audit-status"


def static_ids() -> dict[str, str]:
    """Every plain id defined here, by constant name (for the uniqueness test)."""
    return {name: value for name, value in globals().items() if name.isupper() and isinstance(value, str)}
