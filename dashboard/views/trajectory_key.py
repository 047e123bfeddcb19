"""The trajectory's key: what each mark, band colour and line means, as HTML above the chart.

Plotly's own legend is SVG that the browser lays out text by text each time the figure is drawn; as HTML it costs
the chart nothing and is drawn once with the page. The entries are the figure's own (its symbols, colours and
dashes), so the key and the chart cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dash import html

from dashboard.views.palette import DRUG_CLASS_COLOURS, GRADE_COLOURS
from dashboard.views.trajectory import INFUSION_COLOUR, MARKED_CLASSES
from dashboard.views.trajectory_panels import (
    CRS_TEMPERATURE_MARK,
    FEVER_COLOUR,
    HLH_COLOUR,
    NEUTROPENIA_COLOUR,
    UNABLE_MARK,
)
from toxicity import FEVER_THRESHOLD_C, HLH_FERRITIN_THRESHOLD_NG_ML
from toxicity.neutropenia import NEUTROPENIA_THRESHOLD

# Plotly's marker symbols as the characters of the same shape.
GLYPHS = {"triangle-down": "▼", "square": "■", "diamond": "◆", "x": "✕"}


@dataclass(frozen=True)
class KeyEntry:
    name: str
    kind: str  # "mark" (a symbol), "band" (a filled square), "line" (a stroke)
    colour: str
    symbol: str = ""  # a mark's Plotly symbol
    dash: str = "solid"  # a line's pattern: solid, dash, dot, dashdot


def key_entries(tool: str) -> list[KeyEntry]:
    """Doses and marks, grade colours, then the lines, in the order they are read."""
    marks = [
        KeyEntry(name, "mark", DRUG_CLASS_COLOURS[drug_class], symbol=symbol)
        for drug_class, (name, symbol, _row, _dash) in MARKED_CLASSES.items()
    ]
    marks += [
        KeyEntry(
            "temperature at CRS assessment", "mark", CRS_TEMPERATURE_MARK["color"], CRS_TEMPERATURE_MARK["symbol"]
        ),
        KeyEntry(f"{tool}: unable to perform", "mark", UNABLE_MARK["color"], UNABLE_MARK["symbol"]),
    ]
    grades = [KeyEntry(f"grade {grade}", "band", fill) for grade, (fill, _text) in GRADE_COLOURS.items()]
    lines = [
        KeyEntry("infusion (day 0)", "line", INFUSION_COLOUR),
        *[
            KeyEntry(f"{name} dose", "line", DRUG_CLASS_COLOURS[drug_class], dash=dash)
            for drug_class, (name, _symbol, _row, dash) in MARKED_CLASSES.items()
        ],
        KeyEntry(f"fever ≥ {FEVER_THRESHOLD_C:g} °C", "line", FEVER_COLOUR, dash="dash"),
        KeyEntry(f"HLH screen: ferritin {HLH_FERRITIN_THRESHOLD_NG_ML:,.0f}", "line", HLH_COLOUR, dash="dash"),
        KeyEntry(f"neutropenia: below {NEUTROPENIA_THRESHOLD:g}", "line", NEUTROPENIA_COLOUR, dash="dash"),
    ]
    return [*marks, *grades, *lines]


def _swatch(entry: KeyEntry) -> html.Span:
    if entry.kind == "mark":
        return html.Span(
            GLYPHS[entry.symbol],
            className="chart-key-mark",
            style={"color": entry.colour},
            **_data(entry.symbol),
        )
    if entry.kind == "band":
        return html.Span(className="chart-key-band", style={"backgroundColor": entry.colour})
    return html.Span(className=f"chart-key-line {entry.dash}", style={"borderTopColor": entry.colour})


def chart_key(tool: str) -> html.Ul:
    """The key above the chart."""
    items = [
        html.Li([_swatch(entry), html.Span(entry.name, className="chart-key-name")], className="chart-key-item")
        for entry in key_entries(tool)
    ]
    return html.Ul(items, className="chart-key", **_label("Key to the chart"))


def _data(symbol: str) -> Any:
    return {"data-symbol": symbol}


def _label(text: str) -> Any:
    return {"aria-label": text}
