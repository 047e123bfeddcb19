"""The trajectory chart: stacked panels over days since infusion, built as ONE plain dict (no go.Figure).

Panels, top to bottom: CRS and ICANS grade strip (with the drug marks), temperature with the fever band,
haemodynamics and oxygen over grade bands, ICE (or CAPD) with its grade bands, ferritin on a log axis with the HLH
line, CRP, neutrophils with the neutropenia line, platelets. Every band and threshold is read from `toxicity`.
Each panel has its own x axis (all matched) labelled in days since infusion, or in clock times in the 24 h and
72 h views; a line marks the infusion. The figure holds only the view's window (`trajectory_axes`), and all
shapes are passed at once in the layout: adding them one by one is what makes figures slow.

What the browser draws is kept small, since drawing the figure is most of the page's time: the key (legend) is
HTML beside the chart (`trajectory_key`), not SVG measured and laid out by Plotly; a series with nothing in view
is left out; each drug's doses are one path through every panel, not a line a dose.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import pandas as pd

from dashboard.views.palette import DRUG_CLASS_COLOURS, GRADE_COLOURS, grade_fill
from dashboard.views.timefmt import stamp
from dashboard.views.timeline import LEVEL_WORDS, Frames
from dashboard.views.trajectory_axes import TimeAxis, View, ticks, view_named, window
from dashboard.views.trajectory_panels import (
    HLH_COLOUR,
    MARKER_LIMIT,
    Span,
    Trace,
    escape,
    ferritin_range,
    haemodynamics_panel,
    hline,
    lab_panel,
    neuro_panel,
    neutrophil_panel,
    oxygen_panel,
    platelet_range,
    temperature_panel,
)
from toxicity import HLH_FERRITIN_THRESHOLD_NG_ML, HYPOTENSION_LEVELS, OXYGEN_LEVELS

# drug class -> (legend name, marker symbol, row height within the strip's "Drugs" row, dose line dash)
MARKED_CLASSES: dict[str, tuple[str, str, float, str]] = {
    "anti_il6": ("tocilizumab", "triangle-down", 2.75, "dot"),
    "corticosteroid": ("steroid", "square", 2.5, "dash"),
    "anti_il1": ("anakinra", "diamond", 2.25, "dashdot"),
}
# (axis name, title, relative height), top to bottom.
PANELS: tuple[tuple[str, str, float], ...] = (
    ("y", "Grade", 1.0),
    ("y2", "Temp<br>°C", 1.2),
    ("y3", "BP support", 1.0),
    ("y4", "Oxygen", 1.0),
    ("y5", "ICE", 1.1),
    ("y6", "Ferritin<br>ng/mL", 1.0),
    ("y7", "CRP<br>mg/L", 0.9),
    ("y8", "Neutrophils<br>×10⁹/L", 0.9),
    ("y9", "Platelets<br>×10⁹/L", 0.9),
)
PLOT_HEIGHT = 1180  # px between the margins
MARGIN = {"l": 110, "r": 20, "t": 40, "b": 50}  # the top: the infusion line's label
GAP = 30 / PLOT_HEIGHT  # room under each panel for its own tick labels
INFUSION_COLOUR = "#212529"


def panel_domains() -> dict[str, list[float]]:
    """Each panel's vertical domain, stacked from the top with room for its tick labels below it."""
    total = sum(height for _, _, height in PANELS)
    usable = 1.0 - GAP * (len(PANELS) - 1)
    top = 1.0
    domains = {}
    for axis, _title, height in PANELS:
        span = usable * height / total
        domains[axis] = [round(max(top - span, 0.0), 4), round(top, 4)]
        top -= span + GAP
    return domains


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


def grade_strip(frames: Frames, span: Span, now: datetime) -> tuple[list[Trace], list[Trace]]:
    """Coloured bands from each assessment until the next (or now), each band numbered where it enters the view,
    and hover on every assessment with its reasons."""
    traces: list[dict[str, Any]] = []
    shapes: list[dict[str, Any]] = []
    labels: dict[str, list[Any]] = {"x": [], "y": [], "text": [], "colour": []}
    for row, (name, frame) in enumerate((("CRS", frames.crs), ("ICANS", frames.neuro))):
        if frame.empty:
            continue
        times = list(frame["assessed_at"])
        x0, x1 = span.axis.xs(times), span.axis.xs([*times[1:], now])
        for start, end, grade in runs(x0, x1, [int(g) for g in frame["grade"]]):
            if end < span.start:
                continue
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
            labels["x"].append(max(start, span.start))
            labels["y"].append(row + 0.5)
            labels["text"].append(str(grade))
            labels["colour"].append(GRADE_COLOURS[grade][1])
        x, (grades, when, reasons, rule_sets, overridden) = span.clip(
            times,
            [int(g) for g in frame["grade"]],
            span.hover_times(times),
            frame["reasons"],
            frame["rule_set"],
            frame["overridden"],
        )
        few = len(x) <= MARKER_LIMIT
        traces.append(
            {
                "type": "scatter",
                # Few: a tick at each assessment. Many: an invisible line, still hovered at each assessment.
                "mode": "markers" if few else "lines",
                "name": f"{name} grade",
                "x": x,
                "y": [row + 0.5] * len(x),
                "marker": {"size": 7, "color": "#212529", "symbol": "line-ns-open"},
                "line": {"width": 0},
                "customdata": [
                    [grade, stamp_text, "<br>".join(escape(r) for r in why), escape(grade_source(str(rs), bool(ov)))]
                    for grade, stamp_text, why, rs, ov in zip(grades, when, reasons, rule_sets, overridden, strict=True)
                ],
                "hovertemplate": f"{name} grade %{{customdata[0]}} (%{{customdata[3]}})<br>%{{customdata[1]}}"
                "<br>%{customdata[2]}<extra></extra>",
                "xaxis": "x",
                "yaxis": "y",
                "showlegend": False,
            }
        )
    traces.append(
        {
            "type": "scatter",
            "mode": "text",
            "name": "grade numbers",
            "x": [x + 0.01 for x in labels["x"]],
            "y": labels["y"],
            "text": labels["text"],
            "textposition": "middle right",
            "textfont": {"size": 12, "color": labels["colour"]},
            "hoverinfo": "skip",
            "xaxis": "x",
            "yaxis": "y",
            "showlegend": False,
        }
    )
    return traces, shapes


def dose_lines(xs: list[float], colour: str, dash: str) -> dict[str, Any]:
    """One shape for all of a drug's doses: a vertical stroke through every panel at each dose."""
    return {
        "type": "path",
        "xref": "x",
        "yref": "paper",
        "path": " ".join(f"M{x},0V1" for x in xs),
        "line": {"color": colour, "width": 1.5, "dash": dash},
    }


def drug_marks(frames: Frames, span: Span) -> tuple[list[Trace], list[Trace]]:
    """Tocilizumab, steroid and anakinra doses: a mark of its own shape in the strip's Drugs row and a dashed line
    of its own pattern through every panel (colour-blind safe: shape and dash differ, not colour alone)."""
    traces: list[dict[str, Any]] = []
    shapes: list[dict[str, Any]] = []
    for drug_class, (name, symbol, row_y, dash) in MARKED_CLASSES.items():
        colour = DRUG_CLASS_COLOURS[drug_class]
        group = frames.meds[frames.meds["drug_class"] == drug_class]
        times = list(group["given_at"])
        x, (drugs, doses, units, routes, when) = span.clip(
            times, group["drug"], group["dose"], group["unit"], group["route"], span.hover_times(times)
        )
        in_view = [value for value in x if value >= span.start]
        if not in_view:
            continue  # no dose in view: nothing to draw (the key beside the chart still shows the mark)
        shapes.append(dose_lines(in_view, colour, dash))
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": name,
                "x": x,
                "y": [row_y] * len(x),
                "marker": {"symbol": symbol, "size": 11, "color": colour, "line": {"width": 1, "color": "#212529"}},
                "customdata": [
                    [escape(drug), escape(f"{dose:g} {unit} {route}"), stamp_text]
                    for drug, dose, unit, route, stamp_text in zip(drugs, doses, units, routes, when, strict=True)
                ],
                "hovertemplate": "%{customdata[0]} %{customdata[1]}<br>%{customdata[2]}<extra></extra>",
                "xaxis": "x",
                "yaxis": "y",
                "showlegend": False,
            }
        )
    return traces, shapes


def origin_mark(axis: TimeAxis, span: Span, origin: datetime, now: datetime, label: str) -> tuple[Trace, Trace] | None:
    """The day-0 line through every panel and its label above the strip (none when outside the view)."""
    x = axis.x(origin)
    if not span.start <= x <= span.end:
        return None
    planned = " (planned)" if origin > now else ""
    line = {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "line": {"color": INFUSION_COLOUR, "width": 2},
    }
    note = {
        "xref": "x",
        "yref": "paper",
        "x": x,
        "y": 1,
        "xanchor": "right" if x > (span.start + span.end) / 2 else "left",
        "yanchor": "bottom",
        "showarrow": False,
        "text": f"{label}{planned} {stamp(origin, span.tz)}",
        "font": {"size": 11, "color": INFUSION_COLOUR},
    }
    return line, note


def x_axes(axis: TimeAxis, view: View, start: float, end: float, domains: dict[str, list[float]]) -> dict[str, Any]:
    """One x axis per panel, all matched to the first, each with its own tick labels."""
    values, labels = ticks(axis, view, start, end)
    axes = {}
    for index, name in enumerate(domains):
        suffix = "" if index == 0 else str(index + 1)
        axes[f"xaxis{suffix}"] = {
            "anchor": name,
            "range": [start, end],
            "fixedrange": True,
            "tickvals": values,
            "ticktext": labels,
            "tickfont": {"size": 10},
            "showgrid": True,
            "gridcolor": "#dee2e6",
            "zeroline": False,
            "showspikes": True,
            "spikemode": "across",
            "spikethickness": 1,
            **({} if index == 0 else {"matches": "x"}),
        }
    last = f"xaxis{len(domains)}"
    axes[last]["title"] = {"text": axis.title, "font": {"size": 11}, "standoff": 6}
    return axes


def y_axes(frames: Frames, tool: str, ranges: dict[str, list[float]], domains: dict[str, list[float]]) -> Any:
    titles = {axis: title for axis, title, _ in PANELS}
    titles["y5"] = "ICE" if tool == "ICE" else "CAPD"
    axes: dict[str, Any] = {}
    for index, (axis, domain) in enumerate(domains.items()):
        axes["yaxis" + axis[1:]] = {
            "domain": domain,
            "anchor": "x" if index == 0 else f"x{index + 1}",
            "title": {"text": titles[axis], "font": {"size": 11}},
            "fixedrange": True,
            "zeroline": False,
            "nticks": 5,
            "tickfont": {"size": 10},
        }
    axes["yaxis"].update(tickvals=[0.5, 1.5, 2.5], ticktext=["CRS", "ICANS", "Drugs"], range=[0, 3], showgrid=False)
    axes["yaxis2"]["range"] = ranges["y2"]
    for key_, levels in (("yaxis3", HYPOTENSION_LEVELS), ("yaxis4", OXYGEN_LEVELS)):
        axes[key_].update(
            tickvals=list(range(len(levels))),
            ticktext=[LEVEL_WORDS[lv.key] for lv in levels],
            range=[-0.5, len(levels) - 0.5],
            showgrid=False,
        )
    axes["yaxis5"]["range"] = ranges["y5"]
    axes["yaxis6"].update(type="log", dtick=1, range=ferritin_range(frames))
    axes["yaxis7"]["rangemode"] = "tozero"
    axes["yaxis8"]["range"] = ranges["y8"]
    axes["yaxis9"]["range"] = platelet_range(frames)
    return axes


def first_time(frames: Frames) -> list[datetime]:
    columns = (
        (frames.obs, "taken_at"),
        (frames.crs, "assessed_at"),
        (frames.neuro, "assessed_at"),
        (frames.labs, "collected_at"),
        (frames.meds, "given_at"),
    )
    return [frame[column].min() for frame, column in columns if not frame.empty and pd.notna(frame[column].min())]


def drawn_from(frames: Frames, origin: datetime, tool: str, origin_label: str, view_key: str | None) -> str:
    """A short digest of what the chart is drawn from: the records it plots, day 0, the scale and the view. The
    same digest, the same chart (but for where "now" falls), so a page refresh leaves the chart as it is drawn
    rather than having the browser draw it again in full."""
    digest = hashlib.sha256()
    for part in (origin.isoformat(), tool, origin_label, view_named(view_key).key):
        digest.update(part.encode() + b"\0")
    for frame in (frames.obs, frames.crs, frames.neuro, frames.labs, frames.meds):
        digest.update(frame.to_json(orient="split", date_format="iso", default_handler=str).encode() + b"\0")
    return digest.hexdigest()[:24]


def trajectory_figure(
    frames: Frames,
    origin: datetime,
    now: datetime,
    tz: str,
    tool: str,
    origin_label: str = "infusion",
    view_key: str | None = None,
) -> dict[str, Any]:
    """The whole chart for one view ("24h", "72h" or "all") as a dict `dcc.Graph` takes."""
    view = view_named(view_key)
    axis = TimeAxis.starting(origin, tz, origin_label)
    origin_x, now_x = axis.x(origin), axis.x(now)
    earliest = min([origin_x, *axis.xs(first_time(frames))])
    start, end = window(view, now_x, earliest, origin_x)
    span = Span(axis, start, end, tz)
    strip_traces, strip_shapes = grade_strip(frames, span, now)
    drug_traces, drug_shapes = drug_marks(frames, span)
    temp_traces, temp_shapes, temp_range = temperature_panel(frames, span)
    haemo_traces, haemo_shapes = haemodynamics_panel(frames, span)
    oxygen_traces, oxygen_shapes = oxygen_panel(frames, span)
    neuro_traces, neuro_shapes, neuro_range = neuro_panel(frames, span, tool)
    neutrophil_traces, neutrophil_shapes, neutrophil_range = neutrophil_panel(frames, span)
    labs = [
        *lab_panel(frames, span, "ferritin", "y6", "Ferritin"),
        *lab_panel(frames, span, "crp", "y7", "CRP"),
        *neutrophil_traces,
        *lab_panel(frames, span, "platelets", "y9", "Platelets ×10⁹/L"),
    ]
    mark = origin_mark(axis, span, origin, now, origin_label)
    domains = panel_domains()
    ranges = {"y2": temp_range, "y5": neuro_range, "y8": neutrophil_range}
    traces = [*strip_traces, *drug_traces, *temp_traces, *haemo_traces, *oxygen_traces, *neuro_traces, *labs]
    shapes = [
        *strip_shapes,
        *temp_shapes,
        *haemo_shapes,
        *oxygen_shapes,
        *neuro_shapes,
        hline("y6", HLH_FERRITIN_THRESHOLD_NG_ML, HLH_COLOUR),
        *neutrophil_shapes,
        *drug_shapes,
        *([mark[0]] if mark else []),
    ]
    return {
        "data": [t for t in traces if t["x"]],  # a series with nothing in view draws nothing
        "layout": {
            "template": "none",
            "height": PLOT_HEIGHT + MARGIN["t"] + MARGIN["b"],
            "margin": MARGIN,
            "hovermode": "closest",
            "showlegend": False,  # the key is HTML beside the chart (`trajectory_key`)
            **x_axes(axis, view, start, end, domains),
            **y_axes(frames, tool, ranges, domains),
            "shapes": shapes,
            "annotations": [mark[1]] if mark else [],
            "uirevision": view.key,
        },
    }
