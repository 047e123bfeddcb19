"""The trajectory's measured panels: temperature, haemodynamics, oxygen, ICE/CAPD, ferritin and CRP.

Each returns plain dict traces and shapes; bands and thresholds are read from `toxicity`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

import pandas as pd

from dashboard.views.palette import BAND_FILLS
from dashboard.views.timefmt import stamp
from dashboard.views.timeline import Frames, oxygen_level, oxygen_words, safe_hypotension_level
from toxicity import CAPD_BANDS, FEVER_BANDS, HLH_FERRITIN_THRESHOLD_NG_ML, HYPOTENSION_LEVELS, ICE_BANDS, OXYGEN_LEVELS
from toxicity.bands import CAPD_UNABLE_GRADE, ICE_UNABLE_GRADE

Trace = dict[str, Any]
DAY_SECONDS = 86_400.0
TEMP_RANGE = (35.0, 41.0)  # the axis shown at least (a display choice, not a threshold)
LINE: Mapping[str, Any] = MappingProxyType({"color": "#212529", "width": 1.5})  # copied into each trace


def days_since(times: pd.Series | list[datetime], origin: datetime) -> list[float]:
    return [round((t - origin).total_seconds() / DAY_SECONDS, 4) for t in times]


def plain(text: object) -> str:
    """Text a person or a feed wrote, as Plotly must show it: its hover and text labels read a subset of HTML
    (`<br>`, `<span style>`, `<a>`), so markup in a reason would forge lines in a clinical chart. Entities are
    shown as the characters they stand for."""
    return html.escape(str(text), quote=False)


def hover_times(times: list[datetime], tz: str) -> list[str]:
    return [stamp(t, tz) for t in times]


def band_shape(axis: str, y0: float, y1: float, fill: str) -> dict[str, Any]:
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


def hline(axis: str, y: float, colour: str) -> dict[str, Any]:
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


def line_trace(name: str, x: list[float], y: list[Any], hover: list[str], axis: str, **extra: Any) -> dict[str, Any]:
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


def timed_trace(
    name: str, times: list[datetime], values: list[Any], origin: datetime, tz: str, axis: str, **extra: Any
) -> dict[str, Any]:
    """A line over days since `origin`, with the ward's clock time on hover."""
    return line_trace(name, days_since(times, origin), values, hover_times(times, tz), axis, **extra)


def marker_trace(
    name: str, times: list[datetime], values: list[Any], origin: datetime, tz: str, axis: str, marker: dict[str, Any]
) -> dict[str, Any]:
    """Points only (no line): readings of another kind drawn over a panel's line."""
    return {**timed_trace(name, times, values, origin, tz, axis), "mode": "markers", "marker": marker}


def temperature_panel(frames: Frames, origin: datetime, tz: str) -> tuple[list[Trace], list[Trace], list[float]]:
    obs = frames.obs.dropna(subset=["temperature_c"])
    crs = frames.crs.dropna(subset=["temperature_c"])
    values = [*obs["temperature_c"], *crs["temperature_c"]]
    low = min([TEMP_RANGE[0], *[v - 0.3 for v in values]])
    high = max([TEMP_RANGE[1], *[v + 0.3 for v in values]])
    fever = next(band for band in FEVER_BANDS if band.outcome)
    shapes = [band_shape("y2", fever.low, high, "rgba(213, 94, 0, 0.15)"), hline("y2", fever.low, "#d55e00")]
    traces = [
        timed_trace(
            "Temperature °C", list(obs["taken_at"]), list(obs["temperature_c"]), origin, tz, "y2", line=dict(LINE)
        ),
        marker_trace(
            "Temperature at CRS assessment",
            list(crs["assessed_at"]),
            list(crs["temperature_c"]),
            origin,
            tz,
            "y2",
            {"symbol": "diamond", "size": 8, "color": "#0072b2"},
        ),
    ]
    return traces, shapes, [low, high]


def level_panel(
    axis: str, levels: tuple[Any, ...], x: list[float], y: list[int], hover: list[str], name: str
) -> tuple[list[Trace], list[Trace]]:
    """An ordinal step series over bands coloured by the grade each level sets."""
    shapes = [band_shape(axis, i - 0.5, i + 0.5, BAND_FILLS[level.grade]) for i, level in enumerate(levels)]
    trace = line_trace(name, x, y, hover, axis, line={"shape": "hv", "color": "#212529", "width": 2})
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
        f"{HYPOTENSION_LEVELS[lv].label}{' (' + plain(', '.join(v)) + ')' if v else ''}<br>{stamp(t, tz)}"
        for t, lv, v in rows
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
            rows.append((t, level, f"{plain(oxygen_words(str(device), flow_value))}<br>{stamp(t, tz)}"))
    x = days_since([t for t, _, _ in rows], origin)
    return level_panel("y4", OXYGEN_LEVELS, x, [lv for _, lv, _ in rows], [h for _, _, h in rows], "Oxygen")


def neuro_panel(frames: Frames, origin: datetime, tz: str, tool: str) -> tuple[list[Trace], list[Trace], list[float]]:
    """ICE 0-10 with bands 7-9 / 3-6 / 0-2 (CAPD 0-32 for children); 'unable to perform' as a cross."""
    bands, column, unable_grade = (
        (ICE_BANDS, "ice_score", ICE_UNABLE_GRADE) if tool == "ICE" else (CAPD_BANDS, "capd_score", CAPD_UNABLE_GRADE)
    )
    shapes = [band_shape("y5", b.low - 0.5, b.high + 0.5, BAND_FILLS[b.grade]) for b in bands]
    rows = frames.neuro[frames.neuro["tool"] == tool]
    scored = rows.dropna(subset=[column])
    unable = rows[rows["unable"].astype(bool)]
    unable_trace = marker_trace(
        f"{tool}: unable to perform",
        list(unable["assessed_at"]),
        [min(b.low for b in bands)] * len(unable),
        origin,
        tz,
        "y5",
        {"symbol": "x", "size": 11, "color": "#882255"},
    )
    unable_trace["hovertemplate"] = f"unable to perform {tool} (grade {unable_grade})<br>%{{customdata}}<extra></extra>"
    traces = [
        timed_trace(
            tool, list(scored["assessed_at"]), [int(v) for v in scored[column]], origin, tz, "y5", line=dict(LINE)
        ),
        unable_trace,
    ]
    top = max(b.high for b in bands)
    return traces, shapes, [-0.5, top + 0.5]


def lab_panel(frames: Frames, origin: datetime, tz: str, analyte: str, axis: str, name: str) -> list[Trace]:
    rows = frames.labs[frames.labs["analyte"] == analyte]
    return [
        timed_trace(
            name, list(rows["collected_at"]), [float(v) for v in rows["value"]], origin, tz, axis, line=dict(LINE)
        )
    ]


def ferritin_range(frames: Frames) -> list[float]:
    """Log10 range that always shows the HLH line, whatever the values."""
    values = [float(v) for v in frames.labs.loc[frames.labs["analyte"] == "ferritin", "value"] if v > 0]
    low = min([*values, HLH_FERRITIN_THRESHOLD_NG_ML / 10])
    high = max([*values, HLH_FERRITIN_THRESHOLD_NG_ML])
    return [round(math.log10(low) - 0.2, 3), round(math.log10(high) + 0.2, 3)]
