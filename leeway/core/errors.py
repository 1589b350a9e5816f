"""Domain errors and the API's error envelope.

Services raise `DomainError` subclasses with a stable code and a translatable
message; the API and the pages turn them into the envelope
`{"error": {"code", "message", "field"}}` with the right status.
"""

from django.http import Http404, JsonResponse
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A refusal a user can understand; never a crash."""

    status = 422
    code = "invalid"
    default_message = _("The request could not be processed.")

    def __init__(self, message=None, *, code: str | None = None, field: str | None = None):
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.field = field
        super().__init__(force_str(self.message))


class InvalidInput(DomainError):
    status = 422
    code = "invalid"


class BadRequest(DomainError):
    status = 400
    code = "bad_request"
    default_message = _("The request is malformed.")


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"
    default_message = _("Authentication is required.")


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    default_message = _("Your role does not allow this.")


class NotFound(DomainError, Http404):
    """Missing, or another organization's: the two must look the same."""

    status = 404
    code = "not_found"
    default_message = _("Not found.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _("This conflicts with the current state.")


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
    default_message = _("Too many attempts. Try again later.")


def error_envelope(status: int, code: str, message, field: str | None = None) -> JsonResponse:
    """The one shape of every API error body."""
    return JsonResponse(
        {"error": {"code": code, "message": force_str(message), "field": field}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def domain_error_response(error: DomainError) -> JsonResponse:
    return error_envelope(error.status, error.code, error.message, error.field)
