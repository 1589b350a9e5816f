"""The versioned HTTP API (`/api/v1/`): one NinjaAPI, a router per app, one error envelope."""

import json

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.parser import Parser

from leeway.core.api_schemas import ERROR_STATUSES
from leeway.core.errors import DomainError, domain_error_response, error_envelope
from leeway.people.api_auth import API_AUTH


class StrictJSONParser(Parser):
    """JSON bodies only; a broken one is a 400 in the envelope, not a crash."""

    def parse_body(self, request):
        # ninja turns any exception here into HttpError(400), answered by on_http_error below.
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise ValueError("The body must be a JSON object.")
        return data


DESCRIPTION = "\n".join(
    [
        "On-the-spot goodwill decisions inside guardrails. Amounts are decimal strings.",
        "",
        'Every error is `{"error": {"code", "message", "field"}}`; each operation lists the statuses it '
        "can answer:",
        "",
        *(f"- **{status}**: {meaning}" for status, meaning in ERROR_STATUSES.items()),
    ]
)

api = NinjaAPI(
    title="Leeway API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=API_AUTH,
    parser=StrictJSONParser(),
    openapi_url="/openapi.json",
    docs_url="/docs",
)


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return domain_error_response(exc)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    first = exc.errors[0] if exc.errors else {}
    location = [
        str(part) for part in first.get("loc", []) if part not in ("body", "query", "path", "payload")
    ]
    field = location[-1] if location else None
    kind = first.get("type", "")
    limits = first.get("ctx") or {}
    if kind == "missing":
        message = _("This field is required.")
    elif kind in ("extra_forbidden",):
        message = _("This field is not allowed.")
    elif kind == "less_than_equal" and "le" in limits:
        message = _("Enter a number no larger than %(maximum)s.") % {"maximum": limits["le"]}
    elif kind == "greater_than_equal" and "ge" in limits:
        message = _("Enter a number of at least %(minimum)s.") % {"minimum": limits["ge"]}
    elif kind in ("int_parsing", "int_type", "int_from_float"):
        message = _("Enter a whole number.")
    else:
        message = _("This value is not valid.")
    return error_envelope(422, "invalid", message, field)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, exc):
    return error_envelope(401, "not_authenticated", _("Authentication is required."))


@api.exception_handler(AuthorizationError)
def on_authorization_error(request, exc):
    return error_envelope(403, "forbidden", _("Your role does not allow this."))


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error_envelope(404, "not_found", _("Not found."))


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if exc.status_code == 400:
        # The only 400 ninja raises itself: a body it could not parse.
        return error_envelope(400, "malformed_json", _("The body is not a valid JSON object."))
    codes = {
        400: "bad_request",
        401: "not_authenticated",
        403: "forbidden",
        404: "not_found",
        429: "rate_limited",
    }
    return error_envelope(
        exc.status_code, codes.get(exc.status_code, "error"), _("The request could not be processed.")
    )


def _register_routers() -> None:
    from leeway.alignment.api import router as alignment_router
    from leeway.customers.api import router as customers_router
    from leeway.decisions.api import router as decisions_router
    from leeway.insights.api import router as insights_router
    from leeway.integrations.api import router as integrations_router
    from leeway.people.api import router as people_router
    from leeway.policy.api import router as policy_router
    from leeway.recognition.api import router as recognition_router
    from leeway.reports.api import router as reports_router
    from leeway.training.api import router as training_router

    # Decisions first: Django tries URL patterns in order, and POST /decisions is the hot path.
    api.add_router("/", decisions_router)
    api.add_router("/", people_router)
    api.add_router("/", customers_router)
    api.add_router("/", policy_router)
    api.add_router("/", recognition_router)
    api.add_router("/", alignment_router)
    api.add_router("/", integrations_router)
    api.add_router("/", insights_router)
    api.add_router("/", reports_router)
    api.add_router("/", training_router)


_register_routers()
