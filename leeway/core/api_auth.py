"""API authentication: bearer tokens for integrations, the session for Leeway's own pages."""

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

    def authenticate(self, request, key):
        member = super().authenticate(request, key)
        if member is not None and member.organization_id:
            _speak_organization_language(request, member)
            return member
        return None


bearer_auth = BearerTokenAuth()
session_auth = MemberSessionAuth()
API_AUTH = [bearer_auth, session_auth]
