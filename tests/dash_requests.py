"""Requests the Dash front end sends, built by hand so tests can check what the server allows."""

from __future__ import annotations

from typing import Any


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
