"""The trajectory chart: stacked panels over days since infusion, built as ONE plain dict (no go.Figure).

Panels, top to bottom: CRS and ICANS grade strip (with drug markers), temperature with the fever band,
haemodynamics step over grade bands, oxygen support over grade bands, ICE (or CAPD) with its grade bands,
ferritin on a log axis with the HLH line, CRP. Every band and threshold is read from `toxicity`.
All shapes are passed at once in the layout: adding them one by one is what makes figures slow.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import pandas as pd

from dashboard.views.palette import BAND_FILLS, DRUG_CLASS_COLOURS, grade_fill
from dashboard.views.timefmt import stamp
from dashboard.views.timeline import Frames, oxygen_level, safe_hypotension_level
from toxicity import (
    CAPD_BANDS,
    FEVER_BANDS,
    HLH_FERRITIN_THRESHOLD_NG_ML,
    HYPOTENSION_LEVELS,
    ICE_BANDS,
    OXYGEN_LEVELS,
)

Trace = dict[str, Any]
DAY_SECONDS = 86_400.0
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
TEMP_RANGE = (35.0, 41.0)
SHORT_LEVEL = {
    "none": "none",
    "fluids_only": "fluids",
    "one_vasopressor": "1 pressor",
    "multiple_vasopressors": "multiple",
    "room_air": "room air",
    "low_flow": "low-flow",
    "high_flow_or_mask": "high-flow/mask",
    "positive_pressure": "pos. pressure",
}


def days_since(times: pd.Series | list[datetime], origin: datetime) -> list[float]:
    return [round((t - origin).total_seconds() / DAY_SECONDS, 4) for t in times]


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


def _hover(times: list[datetime], tz: str) -> list[str]:
    return [stamp(t, tz) for t in times]


def _band(axis: str, y0: float, y1: float, fill: str) -> dict[str, Any]:
    return {
        "type": "rect",
        "xref": "x domain",
        "x0": 0,
        "x1": 1,
        "yref": axis,
        "y0": y0,
        "y1": y1,
        "fillcolor": fill,
        "line": {"width": 0},
        "layer": "below",
    }


def _hline(axis: str, y: float, colour: str) -> dict[str, Any]:
    return {
        "type": "line",
        "xref": "x domain",
        "x0": 0,
        "x1": 1,
        "yref": axis,
        "y0": y,
        "y1": y,
        "line": {"color": colour, "width": 1.5, "dash": "dash"},
    }


def changes(grades: pd.Series) -> list[str]:
    """Label a grade on the strip only where it changes, so the strip stays readable over 30 days."""
    labels, previous = [], None
    for grade in grades:
        labels.append(str(int(grade)) if grade != previous else "")
        previous = grade
    return labels


def grade_strip(frames: Frames, origin: datetime, now: datetime, tz: str) -> tuple[list[Trace], list[Trace]]:
    """Coloured bands from each assessment until the next (or now), and hover points with the reasons."""
    traces: list[dict[str, Any]] = []
    shapes: list[dict[str, Any]] = []
    for row, (name, frame) in enumerate((("CRS", frames.crs), ("ICANS", frames.neuro))):
        if frame.empty:
            continue
        times = list(frame["assessed_at"])
        ends = [*times[1:], now]
        x0, x1 = days_since(times, origin), days_since(ends, origin)
        for start, end, grade in zip(x0, x1, frame["grade"], strict=True):
            shapes.append(
                {
                    "type": "rect",
                    "xref": "x",
                    "yref": "y",
                    "x0": start,
                    "x1": end,
                    "y0": row + 0.08,
                    "y1": row + 0.92,
                    "fillcolor": grade_fill(int(grade)),
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
                    [int(grade), when, "<br>".join(reasons)]
                    for grade, when, reasons in zip(frame["grade"], _hover(times, tz), frame["reasons"], strict=True)
                ],
                "hovertemplate": f"{name} grade %{{customdata[0]}}<br>%{{customdata[1]}}<br>%{{customdata[2]}}"
                "<extra></extra>",
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
                    [drug, f"{dose:g} {unit} {route}", when]
                    for drug, dose, unit, route, when in zip(
                        group["drug"],
                        group["dose"],
                        group["unit"],
                        group["route"],
                        _hover(list(group["given_at"]), tz),
                        strict=True,
                    )
                ],
                "hovertemplate": "%{customdata[0]} %{customdata[1]}<br>%{customdata[2]}<extra></extra>",
                "xaxis": "x",
                "yaxis": "y",
            }
        )
    return traces, shapes


def _line(name: str, x: list[float], y: list[Any], hover: list[str], axis: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "name": name,
        "x": x,
        "y": y,
        "customdata": hover,
        "hovertemplate": f"{name} %{{y}}<br>%{{customdata}}<extra></extra>",
        "xaxis": "x",
        "yaxis": axis,
        "showlegend": False,
        **extra,
    }


def temperature_panel(frames: Frames, origin: datetime, tz: str) -> tuple[list[Trace], list[Trace], list[float]]:
    obs = frames.obs.dropna(subset=["temperature_c"])
    crs = frames.crs.dropna(subset=["temperature_c"])
    values = [*obs["temperature_c"], *crs["temperature_c"]]
    low = min([TEMP_RANGE[0], *[v - 0.3 for v in values]])
    high = max([TEMP_RANGE[1], *[v + 0.3 for v in values]])
    fever = next(band for band in FEVER_BANDS if band.outcome)
    shapes = [_band("y2", fever.low, high, "rgba(213, 94, 0, 0.15)"), _hline("y2", fever.low, "#d55e00")]
    traces = [
        _line(
            "Temperature °C",
            days_since(list(obs["taken_at"]), origin),
            list(obs["temperature_c"]),
            _hover(list(obs["taken_at"]), tz),
            "y2",
            line={"color": "#212529", "width": 1.5},
        ),
        {
            **_line(
                "Temperature at CRS assessment",
                days_since(list(crs["assessed_at"]), origin),
                list(crs["temperature_c"]),
                _hover(list(crs["assessed_at"]), tz),
                "y2",
            ),
            "mode": "markers",
            "marker": {"symbol": "diamond", "size": 8, "color": "#0072b2"},
        },
    ]
    return traces, shapes, [low, high]


def level_panel(
    axis: str, levels: tuple[Any, ...], x: list[float], y: list[int], hover: list[str], name: str
) -> tuple[list[Trace], list[Trace]]:
    """An ordinal step series over bands coloured by the grade each level sets."""
    shapes = [_band(axis, i - 0.5, i + 0.5, BAND_FILLS[level.grade]) for i, level in enumerate(levels)]
    trace = _line(name, x, y, hover, axis, line={"shape": "hv", "color": "#212529", "width": 2})
    trace["hovertemplate"] = f"{name}: %{{customdata}}<extra></extra>"
    return [trace], shapes


def haemodynamics_panel(frames: Frames, origin: datetime, tz: str) -> tuple[list[Trace], list[Trace]]:
    rows = [
        (t, level, vaso)
        for t, hyp, vaso in zip(
            frames.crs["assessed_at"], frames.crs["hypotension"], frames.crs["vasopressors"], strict=True
        )
        if (level := safe_hypotension_level(bool(hyp), list(vaso))) is not None
    ]
    hover = [
        f"{HYPOTENSION_LEVELS[lv].label}{' (' + ', '.join(v) + ')' if v else ''}<br>{stamp(t, tz)}" for t, lv, v in rows
    ]
    x = days_since([t for t, _, _ in rows], origin)
    return level_panel("y3", HYPOTENSION_LEVELS, x, [lv for _, lv, _ in rows], hover, "Haemodynamics")


def oxygen_panel(frames: Frames, origin: datetime, tz: str) -> tuple[list[Trace], list[Trace]]:
    rows = []
    for t, device, flow in zip(
        frames.crs["assessed_at"], frames.crs["oxygen"], frames.crs["oxygen_flow_l_min"], strict=True
    ):
        flow_value = None if pd.isna(flow) else float(flow)
        level = oxygen_level(str(device), flow_value)
        if level is not None:
            flow_text = f" {flow_value:g} L/min" if flow_value is not None else ""
            rows.append((t, level, f"{str(device).replace('_', ' ')}{flow_text}<br>{stamp(t, tz)}"))
    x = days_since([t for t, _, _ in rows], origin)
    return level_panel("y4", OXYGEN_LEVELS, x, [lv for _, lv, _ in rows], [h for _, _, h in rows], "Oxygen")


def neuro_panel(frames: Frames, origin: datetime, tz: str, tool: str) -> tuple[list[Trace], list[Trace], list[float]]:
    """ICE 0-10 with bands 7-9 / 3-6 / 0-2 (CAPD 0-32 for children); 'unable to perform' as a cross."""
    bands, column = (ICE_BANDS, "ice_score") if tool == "ICE" else (CAPD_BANDS, "capd_score")
    shapes = [_band("y5", b.low - 0.5, b.high + 0.5, BAND_FILLS[b.grade]) for b in bands]
    rows = frames.neuro[frames.neuro["tool"] == tool]
    scored = rows.dropna(subset=[column])
    unable = rows[rows["unable"].astype(bool)]
    traces = [
        _line(
            tool,
            days_since(list(scored["assessed_at"]), origin),
            [int(v) for v in scored[column]],
            _hover(list(scored["assessed_at"]), tz),
            "y5",
            line={"color": "#212529", "width": 1.5},
        ),
        {
            **_line(
                f"{tool}: unable to perform",
                days_since(list(unable["assessed_at"]), origin),
                [min(b.low for b in bands)] * len(unable),
                _hover(list(unable["assessed_at"]), tz),
                "y5",
            ),
            "mode": "markers",
            "marker": {"symbol": "x", "size": 11, "color": "#882255"},
            "hovertemplate": f"unable to perform {tool} (grade 4)<br>%{{customdata}}<extra></extra>",
        },
    ]
    top = max(b.high for b in bands)
    return traces, shapes, [-0.5, top + 0.5]


def lab_panel(frames: Frames, origin: datetime, tz: str, analyte: str, axis: str, name: str) -> list[Trace]:
    rows = frames.labs[frames.labs["analyte"] == analyte]
    return [
        _line(
            name,
            days_since(list(rows["collected_at"]), origin),
            [float(v) for v in rows["value"]],
            _hover(list(rows["collected_at"]), tz),
            axis,
            line={"color": "#212529", "width": 1.5},
        )
    ]


def ferritin_range(frames: Frames) -> list[float]:
    """Log10 range that always shows the HLH line, whatever the values."""
    values = [float(v) for v in frames.labs.loc[frames.labs["analyte"] == "ferritin", "value"] if v > 0]
    low = min([*values, HLH_FERRITIN_THRESHOLD_NG_ML / 10])
    high = max([*values, HLH_FERRITIN_THRESHOLD_NG_ML])
    return [round(math.log10(low) - 0.2, 3), round(math.log10(high) + 0.2, 3)]


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
        ticktext=[SHORT_LEVEL[lv.key] for lv in HYPOTENSION_LEVELS],
        range=[-0.5, len(HYPOTENSION_LEVELS) - 0.5],
    )
    axes["yaxis4"].update(
        tickvals=list(range(4)),
        ticktext=[SHORT_LEVEL[lv.key] for lv in OXYGEN_LEVELS],
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
        _hline("y6", HLH_FERRITIN_THRESHOLD_NG_ML, "#882255"),
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
