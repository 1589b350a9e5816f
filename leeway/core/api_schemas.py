"""The error envelope as the OpenAPI document declares it, once for every router.

`leeway.core.errors.error_envelope` writes every 4xx/5xx body of the API; `ErrorOut` is that
shape for the OpenAPI document, and `errors(...)` declares it for the statuses an operation can
answer, so a client (or a fuzzer) knows every status it may get and what its body looks like.
"""

from ninja import Field, Schema

# What each status means in this API (API.md), said in the OpenAPI document next to the status.
ERROR_STATUSES = {
    400: "The body is not a JSON object (`malformed_json`).",
    401: "Not authenticated: no token or session, or a wrong or revoked one.",
    403: "Your role does not allow this (or a session call without its CSRF token).",
    404: "Not found, or it belongs to another organization.",
    409: "Conflicts with the current state (see the operation's description).",
    413: "The request body is too large (`body_too_large`).",
    422: "Well-formed but invalid values; `field` names the first one.",
    429: "Too many attempts: try again later.",
}


class ErrorDetail(Schema):
    code: str = Field(..., description="Stable snake_case code", examples=["justification_required"])
    message: str = Field(
        ...,
        description="In the caller's language",
        examples=["Above your green limit: add one line of why (a justification)."],
    )
    field: str | None = Field(..., description="The field at fault, or null", examples=["justification"])


class ErrorOut(Schema):
    """The one shape of every error: `{"error": {"code", "message", "field"}}`."""

    error: ErrorDetail


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The error statuses an operation can answer, with the envelope: `response={200: X, **errors(...)}`."""
    unknown = sorted(set(statuses) - set(ERROR_STATUSES))
    if unknown:
        raise ValueError(f"Not an error status of this API: {unknown}")
    return dict.fromkeys(sorted(statuses), ErrorOut)
