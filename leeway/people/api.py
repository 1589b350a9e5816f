"""People endpoints: tokens, the caller's own profile, and (for admins) members, sites, departments, teams.

Reading the organization's sites, departments and teams is open to every member; managing them and
the members is for admins only (403 for other roles, checked before the body is read). Another
organization's member, site, department or team is 404; naming one in a body is 422.
"""

from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Status

from leeway.core.api_schemas import errors
from leeway.core.errors import Forbidden, InvalidInput, NotAuthenticated, RateLimited
from leeway.core.tenancy import scoped
from leeway.people import api_auth, selectors
from leeway.people.models import AuthorityTier, Department, Role, Site, Team
from leeway.people.schemas import (
    DepartmentIn,
    DepartmentOut,
    InvitationOut,
    MemberCreatedOut,
    MemberFilters,
    MemberIn,
    MemberOut,
    MemberPage,
    MemberPatch,
    MeOut,
    SiteIn,
    SiteOut,
    SitePatch,
    TeamIn,
    TeamOut,
    TeamPatch,
    TokenRequest,
    TokenResponse,
)
from leeway.people.selectors import member_profile
from leeway.people.services import (
    department_create,
    department_update,
    member_create,
    member_deactivate,
    member_invite,
    member_reactivate,
    member_update,
    site_create,
    site_update,
    team_create,
    team_update,
    token_create,
)

router = Router(tags=["people"])


def _check_admin(member):
    if member is not None and member.role != Role.ADMIN:
        raise Forbidden()
    return member


# The classes keep the names of the ones they refine: the OpenAPI document names security schemes
# after the class, so every endpoint shows the same two schemes.
class BearerTokenAuth(api_auth.BearerTokenAuth):
    """A bearer token of an admin (403 for other roles, before the body is read)."""

    def authenticate(self, request, token):
        return _check_admin(super().authenticate(request, token))


class MemberSessionAuth(api_auth.MemberSessionAuth):
    """A logged-in session of an admin."""

    def authenticate(self, request, key):
        return _check_admin(super().authenticate(request, key))


ADMIN_AUTH = [BearerTokenAuth(), MemberSessionAuth()]
# The request's field for each field the checks name.
REQUEST_FIELDS = {"team": "team_id", "department": "department_id", "site": "site_id"}


def _request_field(error: InvalidInput) -> InvalidInput:
    error.field = REQUEST_FIELDS.get(error.field, error.field)
    return error


def _resolve(member, model, value, *, field: str, code: str, **lookup):
    """An object of the caller's organization named in a body, or 422 on `field`."""
    if value is None:
        return None
    found = scoped(model, member).filter(**lookup).first()
    if found is None:
        raise InvalidInput(_("Not found in your organization."), code=code, field=field)
    return found


def _tier(member, code):
    return _resolve(member, AuthorityTier, code, field="tier", code="unknown_tier", code__iexact=code)


def _team(member, team_id):
    return _resolve(
        member, Team.objects.select_related("site"), team_id, field="team_id", code="unknown_team", pk=team_id
    )


def _department(member, department_id):
    return _resolve(
        member, Department, department_id, field="department_id", code="unknown_department", pk=department_id
    )


def _site(member, site_id):
    return _resolve(member, Site, site_id, field="site_id", code="unknown_site", pk=site_id)


def _invitation_url(request, path: str) -> str:
    return request.build_absolute_uri(path)


@router.post(
    "/auth/token",
    auth=None,
    response={200: TokenResponse, **errors(400, 401, 413, 422, 429)},
    summary="Exchange credentials for a token",
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


@router.get(
    "/me", response={200: MeOut, **errors(401, 422)}, summary="The caller, their organization and budgets"
)
def me(request):
    return member_profile(request.auth)


# --- Members (admins) ---------------------------------------------------------------------------


@router.get(
    "/members",
    auth=ADMIN_AUTH,
    response={200: MemberPage, **errors(401, 403, 422)},
    summary="The organization's members (admins)",
    description="Filtered by `q` (username, name or email), `role`, `team_id`, `site_id`, `status`; paged.",
)
def member_list(request, filters: Query[MemberFilters]):
    if filters.role is not None and filters.role not in Role.values:
        raise InvalidInput(_("Unknown role."), code="invalid", field="role")
    if filters.status not in ("all", "active", "invited", "inactive"):
        raise InvalidInput(_("Unknown status."), code="invalid", field="status")
    members = selectors.members_for(
        request.auth,
        q=filters.q,
        role=filters.role or "",
        team_id=filters.team_id,
        site_id=filters.site_id,
        status=filters.status,
    )
    page = list(members[filters.offset : filters.offset + filters.limit])
    return {
        "items": [selectors.member_payload(person) for person in page],
        "count": members.count(),
        "limit": filters.limit,
        "offset": filters.offset,
    }


@router.post(
    "/members",
    auth=ADMIN_AUTH,
    response={201: MemberCreatedOut, **errors(400, 401, 403, 413, 422)},
    summary="Add a member (admins)",
    description=(
        "Without `password` the answer's `invitation_url` is where they choose one (it works once, within "
        "three days). Agents need a `tier` and a `team_id`, team leads a `team_id`, managers a "
        "`department_id` or a `team_id`. A taken username is 422 `username_taken`."
    ),
)
def member_add(request, payload: MemberIn):
    admin = request.auth
    try:
        member = member_create(
            organization=admin.organization,
            actor=admin,
            username=payload.username,
            name=payload.name,
            email=payload.email,
            role=payload.role,
            tier=_tier(admin, payload.tier),
            team=_team(admin, payload.team_id),
            department=_department(admin, payload.department_id),
            language=payload.language or "",
            time_zone=payload.time_zone or "",
            password=payload.password or None,
        )
    except InvalidInput as error:
        raise _request_field(error) from None
    invitation = None if member.has_usable_password() else member_invite(member=member, actor=admin)
    return Status(
        201,
        {
            **selectors.member_payload(member),
            "invitation_url": _invitation_url(request, invitation) if invitation else None,
        },
    )


@router.get(
    "/members/{member_id}",
    auth=ADMIN_AUTH,
    response={200: MemberOut, **errors(401, 403, 404, 422)},
    summary="One member (admins)",
)
def member_detail(request, member_id: int):
    return selectors.member_payload(selectors.get_member_for(request.auth, member_id))


@router.patch(
    "/members/{member_id}",
    auth=ADMIN_AUTH,
    response={200: MemberOut, **errors(400, 401, 403, 404, 409, 413, 422)},
    summary="Change a member's role, tier, team … (admins)",
    description=(
        "Fields left out keep their values. Taking the admin role from the organization's last active "
        "admin is 409 `last_admin`."
    ),
)
def member_change(request, member_id: int, payload: MemberPatch):
    admin = request.auth
    person = selectors.get_member_for(admin, member_id)
    data = payload.model_dump(exclude_unset=True)
    changes = {}
    for field in ("name", "email", "role", "language", "time_zone"):
        if field in data:
            if data[field] is None:
                raise InvalidInput(_("This value is not valid."), code="invalid", field=field)
            changes[field] = data[field]
    if "tier" in data:
        changes["tier"] = _tier(admin, data["tier"])
    if "team_id" in data:
        changes["team"] = _team(admin, data["team_id"])
    if "department_id" in data:
        changes["department"] = _department(admin, data["department_id"])
    try:
        person = member_update(member=person, actor=admin, **changes)
    except InvalidInput as error:
        raise _request_field(error) from None
    return selectors.member_payload(selectors.get_member_for(admin, person.pk))


@router.post(
    "/members/{member_id}/deactivate",
    auth=ADMIN_AUTH,
    response={200: MemberOut, **errors(401, 403, 404, 409, 422)},
    summary="Deactivate a member (admins)",
    description=(
        "They can no longer log in or use the API (their tokens are revoked); nothing is deleted. "
        "Deactivating the organization's last active admin is 409 `last_admin`."
    ),
)
def member_deactivate_endpoint(request, member_id: int):
    person = member_deactivate(member=selectors.get_member_for(request.auth, member_id), actor=request.auth)
    return selectors.member_payload(person)


@router.post(
    "/members/{member_id}/reactivate",
    auth=ADMIN_AUTH,
    response={200: MemberOut, **errors(401, 403, 404, 422)},
    summary="Reactivate a member (admins)",
)
def member_reactivate_endpoint(request, member_id: int):
    person = member_reactivate(member=selectors.get_member_for(request.auth, member_id), actor=request.auth)
    return selectors.member_payload(person)


@router.post(
    "/members/{member_id}/invitation",
    auth=ADMIN_AUTH,
    response={200: InvitationOut, **errors(401, 403, 404, 409, 422)},
    summary="A new invitation (password) link (admins)",
    description="Works once, within three days; a deactivated member is 409 `member_inactive`.",
)
def member_invitation(request, member_id: int):
    path = member_invite(member=selectors.get_member_for(request.auth, member_id), actor=request.auth)
    return {"invitation_url": _invitation_url(request, path)}


# --- Sites, departments, teams ------------------------------------------------------------------


@router.get(
    "/sites",
    response={200: list[SiteOut], **errors(401, 422)},
    summary="The sites of the caller's organization",
)
def site_list(request):
    return [selectors.site_payload(site) for site in scoped(Site, request.auth).order_by("name")]


@router.get("/sites/{site_id}", response={200: SiteOut, **errors(401, 404, 422)}, summary="One site")
def site_detail(request, site_id: int):
    return selectors.site_payload(selectors.get_site_for(request.auth, site_id))


@router.post(
    "/sites",
    auth=ADMIN_AUTH,
    response={201: SiteOut, **errors(400, 401, 403, 413, 422)},
    summary="Add a site (admins)",
)
def site_add(request, payload: SiteIn):
    admin = request.auth
    site = site_create(
        organization=admin.organization,
        actor=admin,
        **{**payload.model_dump(), "languages": ",".join(payload.languages)},
    )
    return Status(201, selectors.site_payload(site))


@router.patch(
    "/sites/{site_id}",
    auth=ADMIN_AUTH,
    response={200: SiteOut, **errors(400, 401, 403, 404, 413, 422)},
    summary="Change a site (admins)",
)
def site_change(request, site_id: int, payload: SitePatch):
    site = selectors.get_site_for(request.auth, site_id)
    data = _no_nulls(payload.model_dump(exclude_unset=True))
    if "languages" in data:
        data["languages"] = ",".join(data["languages"])
    return selectors.site_payload(site_update(site=site, actor=request.auth, **data))


def _no_nulls(data: dict) -> dict:
    for field, value in data.items():
        if value is None:
            raise InvalidInput(_("This value is not valid."), code="invalid", field=field)
    return data


@router.get(
    "/departments",
    response={200: list[DepartmentOut], **errors(401, 422)},
    summary="The departments of the caller's organization",
)
def department_list(request):
    departments = scoped(Department, request.auth).order_by("name")
    return [selectors.department_payload(department) for department in departments]


@router.get(
    "/departments/{department_id}",
    response={200: DepartmentOut, **errors(401, 404, 422)},
    summary="One department",
)
def department_detail(request, department_id: int):
    return selectors.department_payload(selectors.get_department_for(request.auth, department_id))


@router.post(
    "/departments",
    auth=ADMIN_AUTH,
    response={201: DepartmentOut, **errors(400, 401, 403, 413, 422)},
    summary="Add a department (admins)",
)
def department_add(request, payload: DepartmentIn):
    admin = request.auth
    department = department_create(organization=admin.organization, actor=admin, name=payload.name)
    return Status(201, selectors.department_payload(department))


@router.patch(
    "/departments/{department_id}",
    auth=ADMIN_AUTH,
    response={200: DepartmentOut, **errors(400, 401, 403, 404, 413, 422)},
    summary="Rename a department (admins)",
)
def department_change(request, department_id: int, payload: DepartmentIn):
    department = selectors.get_department_for(request.auth, department_id)
    return selectors.department_payload(
        department_update(department=department, actor=request.auth, name=payload.name)
    )


@router.get(
    "/teams",
    response={200: list[TeamOut], **errors(401, 422)},
    summary="The teams of the caller's organization",
)
def team_list(request):
    return [selectors.team_payload(team) for team in selectors.teams_for(request.auth)]


@router.get("/teams/{team_id}", response={200: TeamOut, **errors(401, 404, 422)}, summary="One team")
def team_detail(request, team_id: int):
    return selectors.team_payload(selectors.get_team_for(request.auth, team_id))


@router.post(
    "/teams",
    auth=ADMIN_AUTH,
    response={201: TeamOut, **errors(400, 401, 403, 413, 422)},
    summary="Add a team (admins)",
)
def team_add(request, payload: TeamIn):
    admin = request.auth
    try:
        team = team_create(
            organization=admin.organization,
            actor=admin,
            name=payload.name,
            department=_department(admin, payload.department_id),
            site=_site(admin, payload.site_id),
        )
    except InvalidInput as error:
        raise _request_field(error) from None
    return Status(201, selectors.team_payload(selectors.get_team_for(admin, team.pk)))


@router.patch(
    "/teams/{team_id}",
    auth=ADMIN_AUTH,
    response={200: TeamOut, **errors(400, 401, 403, 404, 413, 422)},
    summary="Rename or move a team (admins)",
    description="Moving a team to another site or department moves its members' budgets from then on.",
)
def team_change(request, team_id: int, payload: TeamPatch):
    admin = request.auth
    team = selectors.get_team_for(admin, team_id)
    data = _no_nulls(payload.model_dump(exclude_unset=True))
    changes = {}
    if "name" in data:
        changes["name"] = data["name"]
    if "department_id" in data:
        changes["department"] = _department(admin, data["department_id"])
    if "site_id" in data:
        changes["site"] = _site(admin, data["site_id"])
    try:
        team = team_update(team=team, actor=admin, **changes)
    except InvalidInput as error:
        raise _request_field(error) from None
    return selectors.team_payload(selectors.get_team_for(admin, team.pk))
