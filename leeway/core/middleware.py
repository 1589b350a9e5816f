"""Request-wide concerns: body size limit, NUL refusal, the member's language, browser-only middleware.

A call to the API with a bearer token (a CRM, a helpdesk, a script) has no session, cookie, CSRF
token, flash message, htmx header or HTML to protect with CSP, so the middleware that exists for
browsers lets it straight through: on the decision hot path that stack cost about a tenth of a
request's CPU. The subclasses below are Django's (and the libraries') own middleware with that one
exception; MIDDLEWARE in settings lists them in place of the originals.
"""

from csp.middleware import CSPMiddleware as _CSPMiddleware
from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware as _AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.middleware import MessageMiddleware as _MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware as _SessionMiddleware
from django.middleware.clickjacking import XFrameOptionsMiddleware as _XFrameOptionsMiddleware
from django.middleware.csrf import CsrfViewMiddleware as _CsrfViewMiddleware
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import get_supported_language_variant, parse_accept_lang_header

from leeway.core.errors import error_envelope
from leeway.core.inputs import request_null_character

API_PREFIX = "/api/"


def is_api_request(request) -> bool:
    return request.path.startswith(API_PREFIX)


def is_token_api_request(request) -> bool:
    """An API call that authenticates with `Authorization: Bearer …` (never with the session)."""
    return request.path.startswith(API_PREFIX) and (
        request.META.get("HTTP_AUTHORIZATION", "")[:7].lower() == "bearer "
    )


class _BrowserOnly:
    """Mixin: the middleware runs for pages and session calls, not for bearer-token API calls."""

    def __call__(self, request):
        if is_token_api_request(request):
            return self.get_response(request)
        return super().__call__(request)


class SessionMiddleware(_BrowserOnly, _SessionMiddleware):
    pass


class CsrfViewMiddleware(_BrowserOnly, _CsrfViewMiddleware):
    # process_view still runs (Django calls it for every view), but API views are csrf_exempt:
    # django-ninja checks CSRF itself, only when it falls back to the session cookie.
    pass


class AuthenticationMiddleware(_BrowserOnly, _AuthenticationMiddleware):
    def __call__(self, request):
        if is_token_api_request(request):
            # The bearer authentication sets the member; until then (or if the token is wrong) nobody.
            request.user = AnonymousUser()
        return super().__call__(request)


class MessageMiddleware(_BrowserOnly, _MessageMiddleware):
    pass


class XFrameOptionsMiddleware(_BrowserOnly, _XFrameOptionsMiddleware):
    pass


class CSPMiddleware(_BrowserOnly, _CSPMiddleware):
    pass


def language_from_accept_header(header: str) -> str | None:
    """The first supported language the client asks for, or None (then the organization decides)."""
    for code, _quality in parse_accept_lang_header(header or ""):
        if code == "*":
            continue
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return None


class BodySizeLimitMiddleware:
    """Refuse oversized API bodies before anything reads them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
        limit = settings.LEEWAY_MAX_UPLOAD_BYTES if multipart else settings.LEEWAY_MAX_BODY_BYTES
        if length > limit and (is_api_request(request) or multipart):
            with translation.override(
                language_from_accept_header(request.headers.get("Accept-Language", ""))
            ):
                message = _("The request body is too large (limit %(limit)s bytes).") % {"limit": limit}
                if is_api_request(request):
                    return error_envelope(413, "body_too_large", message)
                # A page upload: answer with a page, not JSON (nothing was read or written).
                return render(request, "413.html", {"message": message}, status=413)
        return self.get_response(request)


class NullCharacterMiddleware:
    """Refuse a NUL character anywhere in a request's text before any view or query sees it.

    API calls get 422 `invalid_text` naming the field; pages get the 400 page. Runs after
    MemberLanguageMiddleware, so the refusal speaks the caller's language (for a bearer token,
    Accept-Language: the token is only read later, by the API's authentication).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = is_api_request(request)
        found, field = request_null_character(request, read_body=api)
        if not found:
            return self.get_response(request)
        message = _("This text contains characters that are not allowed.")
        if api:
            return error_envelope(422, "invalid_text", message, field)
        return render(request, "400.html", {"message": message}, status=400)


class MemberLanguageMiddleware:
    """Speak the member's language on pages; the API follows Accept-Language.

    Anonymous visitors get the language they chose with the switcher (kept in
    the session), else their browser's, else English.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = self.language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.time_zone:
            # Pages show times in the member's own time zone (a Manila agent reads Manila time).
            timezone.activate(user.time_zone)
        response = self.get_response(request)
        timezone.deactivate()
        response.headers.setdefault("Content-Language", translation.get_language())
        patch_vary = response.headers.get("Vary", "")
        if "Accept-Language" not in patch_vary:
            response.headers["Vary"] = f"{patch_vary}, Accept-Language" if patch_vary else "Accept-Language"
        translation.deactivate()
        return response

    def language_for(self, request) -> str:
        header_language = language_from_accept_header(request.headers.get("Accept-Language", ""))
        user = getattr(request, "user", None)
        if is_api_request(request):
            request.api_language = header_language
            if header_language:
                return header_language
            organization = getattr(user, "organization", None) if user and user.is_authenticated else None
            return organization.default_language if organization else settings.LANGUAGE_CODE
        if user is not None and user.is_authenticated:
            return user.language
        chosen = request.session.get("language") if hasattr(request, "session") else None
        if chosen in dict(settings.LANGUAGES):
            return chosen
        return header_language or settings.LANGUAGE_CODE
