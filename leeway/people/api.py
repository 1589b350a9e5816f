"""People endpoints: tokens and the caller's own profile."""

from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from ninja import Router

from leeway.core.errors import NotAuthenticated, RateLimited
from leeway.core.tenancy import get_for, scoped
from leeway.people.models import Team
from leeway.people.schemas import MeOut, TeamOut, TokenRequest, TokenResponse
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


@router.get("/teams", response=list[TeamOut], summary="The teams of the caller's organization")
def team_list(request):
    teams = scoped(Team.objects.select_related("department", "site"), request.auth)
    return [team_row(team) for team in teams]


@router.get("/teams/{team_id}", response=TeamOut, summary="One team")
def team_detail(request, team_id: int):
    return team_row(get_for(request.auth, Team.objects.select_related("department", "site"), pk=team_id))


def team_row(team: Team) -> dict:
    return {"id": team.pk, "name": team.name, "department": team.department.name, "site": team.site.name}
