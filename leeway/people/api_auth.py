"""API authentication: bearer tokens for integrations, the session for Leeway's own pages."""

from django.conf import settings
from django.utils import translation
from ninja.security import HttpBearer, SessionAuth

from leeway.people.services import member_for_token


def _speak_organization_language(request, member) -> None:
    # Accept-Language wins; without a supported one, the organization's default applies.
    if getattr(request, "api_language", None) is None and member.organization_id:
        translation.activate(member.organization.default_language)
        request.LANGUAGE_CODE = member.organization.default_language


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` for CRMs, helpdesks and scripts."""

    def authenticate(self, request, token: str):
        member = member_for_token(token)
        if member is None:
            return None
        request.user = member
        _speak_organization_language(request, member)
        return member


class MemberSessionAuth(SessionAuth):
    """A logged-in browser session (CSRF-checked), for the project's own pages."""

    def _get_key(self, request):
        # CSRF protects what a cookie authenticates. Without the session cookie there is nothing to
        # forge and no session to use: a call whose bearer token is missing, wrong or revoked is
        # answered 401 (not authenticated), not 403 for a CSRF token it was never meant to send.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        if key is None:
            return None
        member = super().authenticate(request, key)
        if member is not None and member.organization_id:
            _speak_organization_language(request, member)
            return member
        return None


bearer_auth = BearerTokenAuth()
session_auth = MemberSessionAuth()
API_AUTH = [bearer_auth, session_auth]
