"""People endpoints: tokens and the caller's own profile."""

from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from ninja import Router

from leeway.core.errors import NotAuthenticated, RateLimited
from leeway.people.schemas import MeOut, TokenRequest, TokenResponse
from leeway.people.selectors import member_profile
from leeway.people.services import token_create

router = Router(tags=["people"])


@router.post(
    "/auth/token", auth=None, response={200: TokenResponse}, summary="Exchange credentials for a token"
)
def auth_token(request, payload: TokenRequest):
    """Wrong credentials are 401; after repeated failures the username is locked for a while (429)."""
    try:
        member = authenticate(request, username=payload.username, password=payload.password)
    except AxesBackendPermissionDenied:
        member = None
        request.axes_locked_out = True
    if getattr(request, "axes_locked_out", False):
        raise RateLimited(_("Too many failed attempts. Try again later."), code="login_locked")
    if member is None or member.organization_id is None:
        raise NotAuthenticated(_("Wrong username or password."), code="invalid_credentials")
    _token, raw = token_create(member=member, name="api")
    return {"token": raw}


@router.get("/me", response=MeOut, summary="The caller, their organization and budgets")
def me(request):
    return member_profile(request.auth)
