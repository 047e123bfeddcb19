"""What every request under `/api/` must be before a view sees it, and JSON answers for whatever is refused.

- A path with no API route answers a JSON 404 (never the dashboard's page); the routes are Flask's own url_map.
- An id in a path beyond what the database stores is a 404, not a database error.
- A body is JSON (`application/json`, or a `+json` type such as `application/fhir+json`), of a bounded size
  (413) and a bounded nesting depth (422), so no input reaches a parser or a query it can crash.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from data.validation import FieldError, InvalidInput

API_PREFIX = "/api/"
MAX_ID = 2**31 - 1  # the ids are 32-bit integer columns on PostgreSQL
MAX_JSON_BYTES = 256 * 1024  # the largest clinical record is a few kB
MAX_FHIR_BYTES = 8 * 1024 * 1024  # a Bundle from a monitor or a laboratory feed
FHIR_ROUTES = frozenset({"/api/v1/fhir"})
MAX_DEPTH = 32  # a FHIR Bundle nests about 8 deep, a record 3
BODY_METHODS = ("POST", "PUT", "PATCH")
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def is_api(path: str) -> bool:
    return path.startswith(API_PREFIX)


def _json(body: dict[str, Any], status: int) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response


def json_depth(raw: bytes) -> int:
    """How deeply a JSON text nests arrays and objects, counted without parsing it (brackets inside strings are
    not counted), so a body nested thousands deep is refused before any recursive parser sees it."""
    brackets = _BRACKET.findall(_STRING.sub(b'""', raw))
    steps = (1 if b in (b"[", b"{") else -1 for b in brackets)
    return max(itertools.accumulate(steps, initial=0))


def body_limit(path: str) -> int:
    return MAX_FHIR_BYTES if path in FHIR_ROUTES else MAX_JSON_BYTES


def _is_json(mimetype: str) -> bool:
    return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))


def check_api_request() -> Response | None:
    path = request.path
    if not is_api(path):
        return None
    routing = request.routing_exception
    if isinstance(routing, MethodNotAllowed) and _api_rule_for_any_method(path):
        return _json({"detail": f"{request.method} is not allowed on {path[:200]}"}, 405)
    rule = request.url_rule
    if rule is None or not is_api(rule.rule):  # nothing under /api/ but Dash's catch-all page route matched
        return _json({"detail": f"no API route {path}"}, 404)
    for name, value in (request.view_args or {}).items():
        if isinstance(value, int) and not 0 < value <= MAX_ID:
            return _json({"detail": f"{name} {str(value)[:20]} not found"}, 404)
    if request.method not in BODY_METHODS:
        return None
    length = request.content_length
    if length is not None and length > body_limit(path):
        return _json({"detail": f"the request body is larger than {body_limit(path) // 1024} kB"}, 413)
    if not length and not request.headers.get("Transfer-Encoding"):
        return None  # no body: the view says whether it needs one
    if not _is_json(request.mimetype):
        return _json(
            {"detail": f"the request body must be application/json, not {request.mimetype[:60] or 'untyped'}"}, 415
        )
    raw = request.get_data(cache=True)
    if len(raw) > body_limit(path):
        return _json({"detail": f"the request body is larger than {body_limit(path) // 1024} kB"}, 413)
    if json_depth(raw) > MAX_DEPTH:
        error = FieldError("body", None, f"JSON nested at most {MAX_DEPTH} deep", "the body is nested too deeply")
        return _json(InvalidInput([error]).as_dict(), 422)
    return None


def _api_rule_for_any_method(path: str) -> bool:
    """Whether an API route has this path (with another method): else only the dashboard's page route matched."""
    adapter = current_app.url_map.bind("localhost")
    for method in ("GET", "POST", "PATCH", "PUT", "DELETE"):
        try:
            rule, _args = adapter.match(path, method=method, return_rule=True)
        except HTTPException:
            continue
        if is_api(rule.rule):
            return True
    return False


def _api_http_error(exc: HTTPException) -> Any:
    """HTTP errors under /api/ as JSON; elsewhere Flask's own page."""
    if not is_api(request.path):
        return exc
    return _json({"detail": exc.description}, exc.code or 500)


def init_api_guard(server: Flask) -> None:
    # Chunked bodies have no Content-Length: Werkzeug stops reading them at this size (413).
    server.config["MAX_CONTENT_LENGTH"] = MAX_FHIR_BYTES
    server.before_request(check_api_request)
    server.register_error_handler(HTTPException, _api_http_error)
