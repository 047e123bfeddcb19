"""Requests the Dash front end sends, built by hand so tests can check what the server allows."""

from __future__ import annotations

from typing import Any

from dashboard import ids


def page_request(pathname: str) -> dict[str, Any]:
    """The request Dash's page container sends to render the page at `pathname`."""
    return {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": pathname},
            {"id": "_pages_location", "property": "search", "value": ""},
        ],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [],
    }


def save_request(
    callback_map: dict[str, Any],
    form: str,
    names: list[str],
    values: dict[str, Any],
    patient: Any,
    key: Any = "0123456789abcdef0123456789abcdef",
    outputs: list[str] | None = None,
) -> dict[str, Any]:
    """What the page sends when Save is clicked on the recording form `form` with its fields `names` holding
    `values`; `patient`: the page's patient store; `key`: the form's submission key; `outputs`: the field names
    the response is to update (by default `names`)."""
    shown = names if outputs is None else outputs
    status = ids.patient_form(ids.PATIENT_STATUS, form)
    return {
        "output": next(k for k in callback_map if f'"form":"{form}","type":"patient-save-status"' in k),
        "outputs": [
            [{"id": ids.patient_feedback(form, n), "property": "children"} for n in shown],
            [{"id": ids.patient_wrap(form, n), "property": "className"} for n in shown],
            {"id": status, "property": "children"},
            {"id": ids.patient_form(ids.PATIENT_SAVED, form), "property": "data"},
            [{"id": ids.patient_field(form, n), "property": "value"} for n in shown],
            {"id": ids.patient_form(ids.PATIENT_SUBMISSION, form), "property": "data"},
        ],
        "inputs": [{"id": ids.patient_form(ids.PATIENT_SAVE, form), "property": "n_clicks", "value": 1}],
        "state": [
            [{"id": ids.patient_field(form, n), "property": "value", "value": values.get(n)} for n in names],
            {"id": ids.PATIENT_ID, "property": "data", "value": patient},
            {"id": ids.patient_form(ids.PATIENT_SAVED, form), "property": "data", "value": 0},
            {"id": ids.patient_form(ids.PATIENT_SUBMISSION, form), "property": "data", "value": key},
        ],
        "changedPropIds": ['{"form":"' + form + '","type":"patient-save"}.n_clicks'],
    }
