"""Patient trajectory (`/patient/<id>`): chart, guidance, recording forms and the records with amendment."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.context import read_session
from dashboard.read_audit import audit_read
from dashboard.views.actor import current_actor, granted, viewing_settings
from dashboard.views.form_layout import recording_tabs
from dashboard.views.forms import KINDS, TITLES
from dashboard.views.grid import single_row_selection
from dashboard.views.infusion import infusion_section
from dashboard.views.patient import (
    PatientView,
    chart_drawn_from,
    figure,
    form_notes,
    guidance_panel,
    header,
    initial_form_values,
    load_patient,
    prefilled_values,
)
from dashboard.views.records_table import column_defs, pending_text, row_data
from dashboard.views.shell import frame
from dashboard.views.trajectory_axes import DEFAULT_VIEW, VIEWS
from dashboard.views.trajectory_key import chart_key
from data.records import check_ward_of

dash.register_page(__name__, path_template="/patient/<patient_id>", title="cartwatch — patient")

# The views are the buttons above the chart; the mode bar keeps only the picture download. Not responsive: the
# chart takes its column's width when drawn, and is not drawn again (each time in full) whenever the page's
# layout settles around it, which tripled the drawing on opening the page.
GRAPH_CONFIG: Any = {"displaylogo": False, "modeBarButtons": [["toImage"]]}


def chart(view: PatientView, now: datetime, tz: str) -> list[Any]:
    """The view buttons (24 h, 72 h, all) and the trajectory."""
    return [
        dbc.RadioItems(
            id=ids.PATIENT_CHART_VIEW,
            options=[{"label": v.label, "value": v.key} for v in VIEWS],
            value=DEFAULT_VIEW,
            class_name="btn-group chart-views",
            input_class_name="btn-check",
            label_class_name="btn btn-outline-secondary btn-sm",
            label_checked_class_name="active",
        ),
        chart_key(view.tool),
        dcc.Graph(
            id=ids.PATIENT_GRAPH, figure=figure(view, now, tz, DEFAULT_VIEW), config=GRAPH_CONFIG, responsive=False
        ),
    ]


def amendment_controls() -> list[Any]:
    """Amend an edited cell (with a reason), or mark the selected row entered in error after confirming it; each
    control's message sits under it."""
    return [
        dbc.Row(
            [
                dbc.Col(
                    [
                        html.Label(
                            [
                                html.Span("Reason for the amendment (required)", className="form-label small d-block"),
                                dbc.InputGroup(
                                    [
                                        dbc.Input(id=ids.PATIENT_AMEND_REASON),
                                        dbc.Button("Save amendment", id=ids.PATIENT_AMEND, color="primary"),
                                    ]
                                ),
                            ],
                            className="w-100",
                        ),
                        html.Div(id=ids.PATIENT_AMEND_STATUS, className="mt-2", role="status"),
                    ],
                    lg=8,
                ),
                dbc.Col(
                    [
                        html.Span("Wrong patient or never happened?", className="form-label small d-block"),
                        dbc.Button(
                            "Mark selected row entered in error…", id=ids.PATIENT_ERROR, color="danger", outline=True
                        ),
                        html.Div(id=ids.PATIENT_ERROR_STATUS, className="mt-2", role="status"),
                    ],
                    lg=4,
                ),
            ],
            class_name="g-2 recording",
        ),
        dbc.Modal(
            [
                dbc.ModalHeader(dbc.ModalTitle("Mark this record entered in error?")),
                dbc.ModalBody(
                    [
                        html.Div(id=ids.PATIENT_AMEND_CONFIRM_TEXT),
                        html.Label(
                            [
                                html.Span("Reason (required)", className="form-label small d-block"),
                                dbc.Input(id=ids.PATIENT_ERROR_REASON),
                            ],
                            className="w-100 mt-2",
                        ),
                    ]
                ),
                dbc.ModalFooter(
                    [
                        dbc.Button("Cancel", id=ids.PATIENT_AMEND_CONFIRM_NO, color="secondary"),
                        dbc.Button("Mark entered in error", id=ids.PATIENT_AMEND_CONFIRM_YES, color="danger"),
                    ]
                ),
            ],
            id=ids.PATIENT_AMEND_CONFIRM,
            is_open=False,
            class_name="recording",
        ),
        dcc.Store(id=ids.PATIENT_AMEND_TARGET, data=None),
    ]


def records_section(view: PatientView, tz: str, may_record: bool) -> list[Any]:
    return [
        dbc.RadioItems(
            id=ids.PATIENT_RECORD_KIND,
            options=[{"label": TITLES[k], "value": k} for k in KINDS],
            value="observations",
            inline=True,
            class_name="mb-2 ticks",
        ),
        dag.AgGrid(
            id=ids.PATIENT_RECORDS,
            columnDefs=column_defs("observations", editable=may_record),
            rowData=row_data("observations", view.records["observations"], tz),
            getRowId="params.data.id",
            defaultColDef={"resizable": True, "sortable": False, "width": 110},
            # Every column drawn (not only those scrolled into view), so a screen reader and a search find them.
            dashGridOptions=single_row_selection(
                stopEditingWhenCellsLoseFocus=True, singleClickEdit=True, suppressColumnVirtualisation=True
            ),
            style={"height": "340px"},
        ),
        html.Div(
            pending_text(None) if may_record else "",
            id=ids.PATIENT_PENDING_TEXT,
            className="small text-secondary my-2",
        ),
        *(amendment_controls() if may_record else []),
        dcc.Store(id=ids.PATIENT_PENDING, data={}),
    ]


def record_section(view: PatientView, now: datetime, tz: str, permissions: frozenset[str]) -> list[Any]:
    """The recording forms, or a line saying this role does not record."""
    if "record" not in permissions:
        return [
            html.H2("Record", className="h5 mt-3"),
            dbc.Alert(NO_RECORDING, color="secondary", class_name="py-2"),
        ]
    return [
        html.H2("Record", className="h5 mt-3"),
        html.Div(
            recording_tabs(
                view.tool,
                initial_form_values(view, now, tz),
                form_notes(view, now, tz),
                prefilled_values(view, now, tz),
                permissions,
            ),
            className="recording",
        ),
    ]


NO_RECORDING = "Your role can view this patient but not record; the recording forms are for nurses and doctors."


def layout(patient_id: str | None = None, **_query: str) -> html.Div:
    settings = viewing_settings()
    tz = settings.ward_timezone
    now = datetime.now(UTC)
    view = None
    if patient_id is not None and patient_id.isdigit():
        with read_session() as session:
            check_ward_of(session, current_actor("read"), int(patient_id))  # before anything of the patient is read
            view = load_patient(session, int(patient_id), now, settings)
    if view is not None:
        audit_read(view.patient.id, "patient page")
    if view is None:
        return frame(
            [dbc.Alert(f"No patient with id {patient_id}.", color="warning")], root_id=ids.PATIENT_ROOT, active=""
        )
    permissions = granted("record", "override", "pause_monitoring")
    trajectory = dbc.Row(
        [
            dbc.Col(chart(view, now, tz), xl=8),
            dbc.Col(html.Div(guidance_panel(view, tz), id=ids.PATIENT_GUIDANCE), xl=4),
        ]
    )
    record = record_section(view, now, tz, permissions)
    # Nurses record first (the forms at the top, above the chart); a doctor reviews first.
    infusion = [
        html.H2("Infusion", className="h5 mt-3"),
        *infusion_section(view.patient, tz, bool(granted("confirm_infusion"))),
    ]
    body = [*record, trajectory, *infusion] if recording_first(permissions) else [trajectory, *infusion, *record]
    return frame(
        [
            html.Div(header(view, now, tz), id=ids.PATIENT_HEADER),
            *body,
            html.H2("Records", className="h5 mt-4"),
            *records_section(view, tz, "record" in permissions),
            dcc.Interval(id=ids.PATIENT_INTERVAL, interval=settings.board_refresh_seconds * 1000),
            dcc.Store(id=ids.PATIENT_ID, data={"id": view.patient.id, "ward": view.patient.ward, "tool": view.tool}),
            dcc.Store(id=ids.PATIENT_VERSION, data=view.version),
            dcc.Store(id=ids.PATIENT_CHART_DRAWN, data=chart_drawn_from(view, DEFAULT_VIEW)),
            dcc.Store(id=ids.PATIENT_AMENDED, data=0),
        ],
        root_id=ids.PATIENT_ROOT,
        active="",
    )


def recording_first(permissions: frozenset[str]) -> bool:
    """Those who record but do not override grades (nurses) get the forms first."""
    return "record" in permissions and "override" not in permissions
