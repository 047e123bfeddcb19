"""What the dash-ag-grid tables share: column definitions from (field, header) pairs, single-row selection."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def grid_columns(
    columns: tuple[tuple[str, str], ...], extra: Mapping[str, Mapping[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """One column per (field, header), with `extra` options for the fields that need them (width, flex)."""
    extra = extra or {}
    return [{"field": name, "headerName": header, **extra.get(name, {})} for name, header in columns]


def single_row_selection(**options: Any) -> dict[str, Any]:
    """`dashGridOptions` for a grid where clicking a row selects it (and only it)."""
    return {"rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True}, **options}
