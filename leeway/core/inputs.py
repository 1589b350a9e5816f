"""Limits every request input goes through: integer query parameters within bounds, no NUL characters.

Both were found by a fuzzer as 500s. An offset beyond 64 bits cannot be bound as a database
parameter (SQLite and psycopg raise), and PostgreSQL cannot hold or compare a NUL in text (psycopg
refuses the whole statement), so a NUL that reaches a query fails the request. No legitimate client
sends one; it is refused at the door (`NullCharacterMiddleware`), for the query string, the path, a
form and a JSON body alike, and per cell in CSV imports.
"""

import json
from typing import Any

from ninja import Field

NUL = "\x00"
# Far beyond any list a client pages through, far inside 64 bits.
MAX_OFFSET = 1_000_000_000
MAX_PAGE_SIZE = 200
# How much of a field's name (or path) a refusal repeats.
MAX_FIELD_NAME = 100


def limit_field(default: int, *, maximum: int = MAX_PAGE_SIZE):
    """A page size query parameter: 1 to `maximum` (a larger one is a 422, not silently cut)."""
    return Field(default, ge=1, le=maximum, description=f"At most {maximum}.")


def offset_field():
    """A paging offset query parameter: 0 to MAX_OFFSET."""
    return Field(0, ge=0, le=MAX_OFFSET, description=f"0 to {MAX_OFFSET:,}.")


def null_character_path(data: Any, prefix: str = "") -> str | None:
    """Where in parsed JSON (or a mapping of form fields) a NUL character is, as `customers[3].name`.

    `""` when it is at the top (a bare string, or a key of the top object); None when there is none.
    """
    if isinstance(data, str):
        return prefix if NUL in data else None
    if isinstance(data, dict):
        for key, value in data.items():
            if NUL in key:
                return prefix
            found = null_character_path(value, f"{prefix}.{key}" if prefix else key)
            if found is not None:
                return found
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found = null_character_path(value, f"{prefix}[{index}]")
            if found is not None:
                return found
    return None


def request_null_character(request, *, read_body: bool) -> tuple[bool, str | None]:
    """(found, field) for the first NUL in the request's path, query string or body.

    The body is read only when `read_body` (API calls: JSON, already bounded in size) or for a
    form post; a multipart upload is left to its own checks (CSV cells are checked row by row).
    """
    if NUL in request.path:
        return True, None
    query = request.META.get("QUERY_STRING", "")
    if "%00" in query or NUL in query:
        found = _first_null(request.GET.lists())
        if found[0]:
            return found
    content_type = request.META.get("CONTENT_TYPE", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        return _first_null(request.POST.lists())
    if read_body and not content_type.startswith("multipart/"):
        body = request.body
        if b"\\u0000" in body or NUL.encode() in body:
            try:
                data = json.loads(body)
            except ValueError:
                return False, None  # broken JSON is the parser's 400
            field = null_character_path(data)
            if field is not None:
                # The path can name keys the client made up: echo a bounded part of it, as for forms.
                return True, field[:MAX_FIELD_NAME] or None
    return False, None


def _first_null(items) -> tuple[bool, str | None]:
    for key, values in items:
        if NUL in key:
            return True, None
        if any(NUL in value for value in values):
            return True, key[:MAX_FIELD_NAME]
    return False, None
