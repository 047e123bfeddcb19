"""The trajectory's measured panels: temperature, haemodynamics, oxygen, ICE/CAPD and the blood results.

Each returns plain dict traces and shapes over the view's window (`Span`); bands and thresholds are read from
`toxicity`. A series draws its points as markers only while they are few enough to tell apart; hover works on
every point either way. Text from records (drug names, vasopressors, devices, reasons) is HTML-escaped before it
reaches the chart, which renders a subset of HTML.
"""

from __future__ import annotations

import bisect
import html
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

import pandas as pd

from dashboard.views.palette import BAND_FILLS
from dashboard.views.timefmt import stamp
from dashboard.views.timeline import Frames, oxygen_level, oxygen_words, safe_hypotension_level
from dashboard.views.trajectory_axes import TimeAxis
from toxicity import CAPD_BANDS, FEVER_BANDS, HLH_FERRITIN_THRESHOLD_NG_ML, HYPOTENSION_LEVELS, ICE_BANDS, OXYGEN_LEVELS
from toxicity.bands import CAPD_UNABLE_GRADE, ICE_UNABLE_GRADE
from toxicity.neutropenia import NEUTROPENIA_THRESHOLD

Trace = dict[str, Any]
TEMP_RANGE = (35.0, 41.0)  # the axis shown at least (a display choice, not a threshold)
LINE: Mapping[str, Any] = MappingProxyType({"color": "#212529", "width": 1.5})  # copied into each trace
MARKER_LIMIT = 60  # more points than this in view: the line alone (a marker each would be 1 SVG element each)
FEVER_COLOUR, HLH_COLOUR, NEUTROPENIA_COLOUR = "#d55e00", "#882255", "#0072b2"
CRS_TEMPERATURE_MARK: Mapping[str, Any] = MappingProxyType({"symbol": "diamond", "size": 8, "color": "#0072b2"})
UNABLE_MARK: Mapping[str, Any] = MappingProxyType({"symbol": "x", "size": 11, "color": "#882255"})


def escape(text: Any) -> str:
    return html.escape(str(text))


@dataclass(frozen=True)
class Span:
    """What the chart shows: the time axis, its x range and the ward's time zone for hover text."""

    axis: TimeAxis
    start: float
    end: float
    tz: str

    def first(self, xs: Sequence[float]) -> int:
        """Index of the first point to draw: the last one before the window, so a line enters from the edge."""
        return max(bisect.bisect_left(xs, self.start) - 1, 0)

    def clip(self, times: Sequence[datetime], *columns: Iterable[Any]) -> tuple[list[float], list[list[Any]]]:
        """x of the points in view (and the one before), with the same rows of each of `columns`."""
        xs = self.axis.xs(times)
        i = self.first(xs)
        return xs[i:], [list(c)[i:] for c in columns]

    def hover_times(self, times: Sequence[datetime]) -> list[str]:
        return [stamp(t, self.tz) for t in times]


def band_shape(axis: str, y0: float, y1: float, fill: str) -> dict[str, Any]:
    return {
        "type": "rect",
        "xref": f"x{axis[1:]} domain",
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
        "xref": f"x{axis[1:]} domain",
        "x0": 0,
        "x1": 1,
        "yref": axis,
        "y0": y,
        "y1": y,
        "line": {"color": colour, "width": 1.5, "dash": "dash"},
    }


def mode(points: int, lines: bool = True) -> str:
    if not lines:
        return "markers"
    return "lines+markers" if points <= MARKER_LIMIT else "lines"


def line_trace(name: str, x: list[float], y: list[Any], hover: list[str], axis: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "scatter",
        "mode": mode(len(x)),
        "name": name,
        "x": x,
        "y": y,
        "customdata": hover,
        "hovertemplate": f"{name} %{{y}}<br>%{{customdata}}<extra></extra>",
        "xaxis": f"x{axis[1:]}",
        "yaxis": axis,
        "showlegend": False,
        "marker": {"size": 5, "color": "#212529"},
        **extra,
    }


def timed_trace(name: str, times: list[datetime], values: list[Any], span: Span, axis: str, **extra: Any) -> Trace:
    """A line over the window, with the ward's clock time on hover."""
    x, (kept_times, kept_values) = span.clip(times, times, values)
    return line_trace(name, x, kept_values, span.hover_times(kept_times), axis, **extra)


def marker_trace(
    name: str, times: list[datetime], values: list[Any], span: Span, axis: str, marker: dict[str, Any]
) -> Trace:
    """Points only (no line): readings of another kind drawn over a panel's line; in the key beside the chart."""
    trace = timed_trace(name, times, values, span, axis)
    return {**trace, "mode": "markers", "marker": marker}


def temperature_panel(frames: Frames, span: Span) -> tuple[list[Trace], list[Trace], list[float]]:
    obs = frames.obs.dropna(subset=["temperature_c"])
    crs = frames.crs.dropna(subset=["temperature_c"])
    values = [*obs["temperature_c"], *crs["temperature_c"]]
    low = min([TEMP_RANGE[0], *[v - 0.3 for v in values]])
    high = max([TEMP_RANGE[1], *[v + 0.3 for v in values]])
    fever = next(band for band in FEVER_BANDS if band.outcome)
    shapes = [band_shape("y2", fever.low, high, "rgba(213, 94, 0, 0.15)"), hline("y2", fever.low, FEVER_COLOUR)]
    traces = [
        timed_trace("Temperature °C", list(obs["taken_at"]), list(obs["temperature_c"]), span, "y2", line=dict(LINE)),
        marker_trace(
            "temperature at CRS assessment",
            list(crs["assessed_at"]),
            list(crs["temperature_c"]),
            span,
            "y2",
            dict(CRS_TEMPERATURE_MARK),
        ),
    ]
    return traces, shapes, [round(low, 2), round(high, 2)]


def level_panel(
    axis: str, levels: tuple[Any, ...], span: Span, rows: list[tuple[datetime, int, str]], name: str
) -> tuple[list[Trace], list[Trace]]:
    """An ordinal step series over bands coloured by the grade each level sets."""
    shapes = [band_shape(axis, i - 0.5, i + 0.5, BAND_FILLS[level.grade]) for i, level in enumerate(levels)]
    times = [t for t, _, _ in rows]
    x, (y, hover) = span.clip(times, [lv for _, lv, _ in rows], [h for _, _, h in rows])
    trace = line_trace(name, x, y, hover, axis, line={"shape": "hv", "color": "#212529", "width": 2})
    trace["hovertemplate"] = f"{name}: %{{customdata}}<extra></extra>"
    return [trace], shapes


def haemodynamics_panel(frames: Frames, span: Span) -> tuple[list[Trace], list[Trace]]:
    rows = []
    for t, hyp, vaso in zip(
        frames.crs["assessed_at"], frames.crs["hypotension"], frames.crs["vasopressors"], strict=True
    ):
        level = safe_hypotension_level(bool(hyp), list(vaso))
        if level is not None:
            agents = f" ({escape(', '.join(vaso))})" if vaso else ""
            rows.append((t, level, f"{HYPOTENSION_LEVELS[level].label}{agents}<br>{stamp(t, span.tz)}"))
    return level_panel("y3", HYPOTENSION_LEVELS, span, rows, "Haemodynamics")


def oxygen_panel(frames: Frames, span: Span) -> tuple[list[Trace], list[Trace]]:
    rows = []
    for t, device, flow in zip(
        frames.crs["assessed_at"], frames.crs["oxygen"], frames.crs["oxygen_flow_l_min"], strict=True
    ):
        flow_value = None if pd.isna(flow) else float(flow)
        level = oxygen_level(str(device), flow_value)
        if level is not None:
            rows.append((t, level, f"{escape(oxygen_words(str(device), flow_value))}<br>{stamp(t, span.tz)}"))
    return level_panel("y4", OXYGEN_LEVELS, span, rows, "Oxygen")


def neuro_panel(frames: Frames, span: Span, tool: str) -> tuple[list[Trace], list[Trace], list[float]]:
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
        span,
        "y5",
        dict(UNABLE_MARK),
    )
    unable_trace["hovertemplate"] = f"unable to perform {tool} (grade {unable_grade})<br>%{{customdata}}<extra></extra>"
    traces = [
        timed_trace(tool, list(scored["assessed_at"]), [int(v) for v in scored[column]], span, "y5", line=dict(LINE)),
        unable_trace,
    ]
    top = max(b.high for b in bands)
    return traces, shapes, [-0.5, top + 0.5]


def lab_values(frames: Frames, analyte: str) -> pd.DataFrame:
    return frames.labs[frames.labs["analyte"] == analyte]


def lab_panel(frames: Frames, span: Span, analyte: str, axis: str, name: str) -> list[Trace]:
    rows = lab_values(frames, analyte)
    values = [float(v) for v in rows["value"]]
    return [timed_trace(name, list(rows["collected_at"]), values, span, axis, line=dict(LINE))]


def ferritin_range(frames: Frames) -> list[float]:
    """Log10 range that always shows the HLH line, whatever the values."""
    values = [float(v) for v in lab_values(frames, "ferritin")["value"] if v > 0]
    low = min([*values, HLH_FERRITIN_THRESHOLD_NG_ML / 10])
    high = max([*values, HLH_FERRITIN_THRESHOLD_NG_ML])
    return [round(math.log10(low) - 0.2, 3), round(math.log10(high) + 0.2, 3)]


def neutrophil_panel(frames: Frames, span: Span) -> tuple[list[Trace], list[Trace], list[float]]:
    """Neutrophils with the guideline's 0.5 x10^9/L line (below it: neutropenia; `toxicity.neutropenia`)."""
    values = [float(v) for v in lab_values(frames, "neutrophils")["value"]]
    top = max([*values, NEUTROPENIA_THRESHOLD * 4]) * 1.1
    traces = lab_panel(frames, span, "neutrophils", "y8", "Neutrophils ×10⁹/L")
    return traces, [hline("y8", NEUTROPENIA_THRESHOLD, NEUTROPENIA_COLOUR)], [0.0, round(top, 2)]


def platelet_range(frames: Frames) -> list[float]:
    values = [float(v) for v in lab_values(frames, "platelets")["value"]]
    return [0.0, round(max([*values, 100.0]) * 1.1, 1)]
