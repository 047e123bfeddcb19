"""The trajectory chart: stacked panels over days since infusion, built as ONE plain dict (no go.Figure).

Panels, top to bottom: CRS and ICANS grade strip (with drug markers), temperature with the fever band,
haemodynamics step over grade bands, oxygen support over grade bands, ICE (or CAPD) with its grade bands,
ferritin on a log axis with the HLH line, CRP. Every band and threshold is read from `toxicity`.
All shapes are passed at once in the layout: adding them one by one is what makes figures slow.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from dashboard.views.palette import DRUG_CLASS_COLOURS, grade_fill
from dashboard.views.timeline import LEVEL_WORDS, Frames
from dashboard.views.trajectory_panels import (
    Trace,
    days_since,
    ferritin_range,
    haemodynamics_panel,
    hline,
    hover_times,
    lab_panel,
    neuro_panel,
    oxygen_panel,
    plain,
    temperature_panel,
)
from toxicity import (
    HLH_FERRITIN_THRESHOLD_NG_ML,
    HYPOTENSION_LEVELS,
    OXYGEN_LEVELS,
)

MARKED_CLASSES = {"anti_il6": "tocilizumab", "corticosteroid": "steroid", "anti_il1": "anakinra"}
# (axis name, title, relative height), top to bottom.
PANELS: tuple[tuple[str, str, float], ...] = (
    ("y", "Grade", 0.9),
    ("y2", "Temp °C", 1.2),
    ("y3", "BP support", 1.0),
    ("y4", "Oxygen", 1.0),
    ("y5", "ICE", 1.1),
    ("y6", "Ferritin ng/mL", 1.0),
    ("y7", "CRP mg/L", 1.0),
)
GAP = 0.022


def panel_domains() -> dict[str, list[float]]:
    """Each panel's vertical domain, stacked from the top with a small gap."""
    total = sum(height for _, _, height in PANELS)
    usable = 1.0 - GAP * (len(PANELS) - 1)
    top = 1.0
    domains = {}
    for axis, _title, height in PANELS:
        span = usable * height / total
        domains[axis] = [round(max(top - span, 0.0), 4), round(top, 4)]
        top -= span + GAP
    return domains


def changes(grades: pd.Series) -> list[str]:
    """Label a grade on the strip only where it changes, so the strip stays readable over 30 days."""
    labels, previous = [], None
    for grade in grades:
        labels.append(str(int(grade)) if grade != previous else "")
        previous = grade
    return labels


def runs(starts: list[float], ends: list[float], grades: list[int]) -> list[tuple[float, float, int]]:
    """Consecutive assessments with the same grade as one band (a month of 12-hourly CRS stays a few shapes)."""
    merged: list[tuple[float, float, int]] = []
    for start, end, grade in zip(starts, ends, grades, strict=True):
        if merged and merged[-1][2] == grade:
            merged[-1] = (merged[-1][0], end, grade)
        else:
            merged.append((start, end, grade))
    return merged


def grade_source(rule_set: str, overridden: bool) -> str:
    """ "ASTCT 2019", or "ASTCT 2019, override" when a clinician set the grade."""
    return f"{rule_set}, override" if overridden else rule_set


def grade_strip(frames: Frames, origin: datetime, now: datetime, tz: str) -> tuple[list[Trace], list[Trace]]:
    """Coloured bands from each assessment until the next (or now), and hover points with the reasons."""
    traces: list[dict[str, Any]] = []
    shapes: list[dict[str, Any]] = []
    for row, (name, frame) in enumerate((("CRS", frames.crs), ("ICANS", frames.neuro))):
        if frame.empty:
            continue
        times = list(frame["assessed_at"])
        clock_times = hover_times(times, tz)
        ends = [*times[1:], now]
        x0, x1 = days_since(times, origin), days_since(ends, origin)
        for start, end, grade in runs(x0, x1, [int(g) for g in frame["grade"]]):
            shapes.append(
                {
                    "type": "rect",
                    "xref": "x",
                    "yref": "y",
                    "x0": start,
                    "x1": end,
                    "y0": row + 0.08,
                    "y1": row + 0.92,
                    "fillcolor": grade_fill(grade),
                    "line": {"width": 0.5, "color": "#495057"},
                    "layer": "below",
                }
            )
        traces.append(
            {
                "type": "scatter",
                "mode": "markers+text",
                "name": f"{name} grade",
                "x": x0,
                "y": [row + 0.5] * len(x0),
                "text": changes(frame["grade"]),
                "textposition": "middle right",
                "marker": {"size": 7, "color": "#212529", "symbol": "line-ns-open"},
                "customdata": [
                    [
                        int(grade),
                        when,
                        "<br>".join(map(plain, reasons)),
                        plain(grade_source(str(rule_set), bool(overridden))),
                    ]
                    for grade, when, reasons, rule_set, overridden in zip(
                        frame["grade"],
                        clock_times,
                        frame["reasons"],
                        frame["rule_set"],
                        frame["overridden"],
                        strict=True,
                    )
                ],
                "hovertemplate": f"{name} grade %{{customdata[0]}} (%{{customdata[3]}})<br>%{{customdata[1]}}"
                "<br>%{customdata[2]}<extra></extra>",
                "xaxis": "x",
                "yaxis": "y",
                "showlegend": False,
            }
        )
    return traces, shapes


def drug_markers(frames: Frames, origin: datetime, tz: str) -> tuple[list[Trace], list[Trace]]:
    """A vertical line through every panel for each tocilizumab, steroid and anakinra dose, hover on the strip."""
    meds = frames.meds[frames.meds["drug_class"].isin(list(MARKED_CLASSES))]
    traces: list[dict[str, Any]] = []
    shapes: list[dict[str, Any]] = []
    for drug_class, group in meds.groupby("drug_class", sort=True):
        colour = DRUG_CLASS_COLOURS[str(drug_class)]
        x = days_since(list(group["given_at"]), origin)
        shapes += [
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": value,
                "x1": value,
                "y0": 0,
                "y1": 1,
                "line": {"color": colour, "width": 1.5, "dash": "dot"},
            }
            for value in x
        ]
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": MARKED_CLASSES[str(drug_class)],
                "x": x,
                "y": [2.5] * len(x),
                "marker": {"symbol": "triangle-down", "size": 12, "color": colour},
                "customdata": [
                    [plain(drug), plain(f"{dose:g} {unit} {route}"), when]
                    for drug, dose, unit, route, when in zip(
                        group["drug"],
                        group["dose"],
                        group["unit"],
                        group["route"],
                        hover_times(list(group["given_at"]), tz),
                        strict=True,
                    )
                ],
                "hovertemplate": "%{customdata[0]} %{customdata[1]}<br>%{customdata[2]}<extra></extra>",
                "xaxis": "x",
                "yaxis": "y",
            }
        )
    return traces, shapes


def range_buttons(now_x: float) -> list[dict[str, Any]]:
    """24 h, 72 h and all: relayout of the shared x axis (days are numbers, so Plotly's date selector won't do)."""
    pad = 0.05
    return [
        {
            "type": "buttons",
            "direction": "right",
            "x": 0,
            "y": 1.0,
            "xanchor": "left",
            "yanchor": "bottom",
            "pad": {"b": 4},
            "showactive": True,
            "active": 2,
            "buttons": [
                {"label": "24 h", "method": "relayout", "args": [{"xaxis.range": [now_x - 1, now_x + pad]}]},
                {"label": "72 h", "method": "relayout", "args": [{"xaxis.range": [now_x - 3, now_x + pad]}]},
                {"label": "all", "method": "relayout", "args": [{"xaxis.autorange": True}]},
            ],
        }
    ]


def trajectory_figure(
    frames: Frames, origin: datetime, now: datetime, tz: str, tool: str, origin_label: str = "infusion"
) -> dict[str, Any]:
    """The whole chart as a dict `dcc.Graph` takes; x is days since `origin`, clock time is on hover."""
    strip_traces, strip_shapes = grade_strip(frames, origin, now, tz)
    drug_traces, drug_shapes = drug_markers(frames, origin, tz)
    temp_traces, temp_shapes, temp_range = temperature_panel(frames, origin, tz)
    haemo_traces, haemo_shapes = haemodynamics_panel(frames, origin, tz)
    oxygen_traces, oxygen_shapes = oxygen_panel(frames, origin, tz)
    neuro_traces, neuro_shapes, neuro_range = neuro_panel(frames, origin, tz, tool)
    ferritin = lab_panel(frames, origin, tz, "ferritin", "y6", "Ferritin")
    crp = lab_panel(frames, origin, tz, "crp", "y7", "CRP")
    domains = panel_domains()
    titles = {axis: title for axis, title, _ in PANELS}
    titles["y5"] = "ICE" if tool == "ICE" else "CAPD"
    axes: dict[str, Any] = {}
    for axis, domain in domains.items():
        key = "yaxis" + axis[1:]
        axes[key] = {
            "domain": domain,
            "anchor": "x",
            "title": {"text": titles[axis], "font": {"size": 11}},
            "fixedrange": True,
            "zeroline": False,
        }
    axes["yaxis"].update(tickvals=[0.5, 1.5, 2.5], ticktext=["CRS", "ICANS", "Drugs"], range=[0, 3], showgrid=False)
    axes["yaxis2"]["range"] = temp_range
    axes["yaxis3"].update(
        tickvals=list(range(4)),
        ticktext=[LEVEL_WORDS[lv.key] for lv in HYPOTENSION_LEVELS],
        range=[-0.5, len(HYPOTENSION_LEVELS) - 0.5],
    )
    axes["yaxis4"].update(
        tickvals=list(range(4)),
        ticktext=[LEVEL_WORDS[lv.key] for lv in OXYGEN_LEVELS],
        range=[-0.5, len(OXYGEN_LEVELS) - 0.5],
    )
    axes["yaxis5"]["range"] = neuro_range
    axes["yaxis6"].update(type="log", dtick=1, range=ferritin_range(frames))
    now_x = days_since([now], origin)[0]
    traces = [*strip_traces, *drug_traces, *temp_traces, *haemo_traces, *oxygen_traces, *neuro_traces, *ferritin, *crp]
    shapes = [
        *strip_shapes,
        *temp_shapes,
        *haemo_shapes,
        *oxygen_shapes,
        *neuro_shapes,
        hline("y6", HLH_FERRITIN_THRESHOLD_NG_ML, "#882255"),
        *drug_shapes,
    ]
    return {
        "data": traces,
        "layout": {
            "template": "none",
            "height": 1050,
            "margin": {"l": 110, "r": 20, "t": 40, "b": 45},
            "hovermode": "closest",
            "showlegend": False,
            "xaxis": {
                "anchor": "y7",
                "title": {"text": f"days since {origin_label}"},
                "zeroline": True,
                "zerolinecolor": "#495057",
                "showspikes": True,
                "spikemode": "across",
                "spikethickness": 1,
            },
            **axes,
            "shapes": shapes,
            "updatemenus": range_buttons(now_x),
            "uirevision": "trajectory",
        },
    }
