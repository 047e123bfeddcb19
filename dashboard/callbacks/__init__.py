"""Callbacks, registered on one app by `create_app` (see `register_callbacks`).

They are bound with `app.callback` rather than `dash.callback`: Dash executes the page modules again for every
app it builds, and `dash.callback` collects into a process-wide list that the first app to serve a request
takes, so a second app in the same process (tests, benchmarks) would get duplicated or no callbacks.
"""

from __future__ import annotations

from dash import Dash


def register_callbacks(app: Dash) -> None:
    from dashboard.callbacks import alerts, audit, bay, beds, handover, patient, recording, wall

    alerts.register(app)
    audit.register(app)
    bay.register(app)
    beds.register(app)
    handover.register(app)
    patient.register(app)
    recording.register(app)
    wall.register(app)
