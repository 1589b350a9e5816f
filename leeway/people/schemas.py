from ninja import Field, Schema
from pydantic import ConfigDict

from leeway.people.models import Role


class TokenRequest(Schema):
    username: str
    password: str


class TokenResponse(Schema):
    token: str


class OrganizationOut(Schema):
    slug: str
    base_currency: str


class BudgetOut(Schema):
    scope: str
    period: str
    cap: str
    spent: str
    remaining: str
    currency: str


class MeOut(Schema):
    username: str
    organization: OrganizationOut
    role: str
    tier: str | None
    language: str
    budgets: list[BudgetOut]


class TeamOut(Schema):
    id: int
    name: str
    department: str
    site: str
    department_id: int
    site_id: int


# --- Managing the organization (admins) ---------------------------------------------------------


class MemberIn(Schema):
    """A new member. Without `password` they choose one through the `invitation_url` in the answer."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "username": "jdoe",
                    "name": "Jamie Doe",
                    "email": "jamie.doe@example.com",
                    "role": "agent",
                    "tier": "starter",
                    "team_id": 1,
                    "language": "en",
                }
            ]
        },
    )

    username: str = Field(..., description="Letters, digits and @ . + - _; unique; it never changes.")
    name: str = Field(..., description="The member's name as it should read, e.g. “María José Pérez”.")
    email: str = ""
    role: str = Field("agent", description="agent, lead, manager, admin, trainer or analyst")
    tier: str | None = Field(None, description="An authority tier's code; agents need one.")
    team_id: int | None = Field(None, description="Agents and team leads need a team.")
    department_id: int | None = Field(None, description="For managers without a team.")
    language: str | None = Field(None, description="en or es; the organization's when omitted.")
    time_zone: str | None = Field(None, description="IANA name; the team's site's (else the organization's).")
    password: str | None = Field(None, description="An initial password; omit it to send an invitation.")


class MemberPatch(Schema):
    """The fields to change; those left out keep their values, `null` clears tier, team or department."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"role": "lead", "tier": None}]}
    )

    name: str | None = None
    email: str | None = None
    role: str | None = None
    tier: str | None = None
    team_id: int | None = None
    department_id: int | None = None
    language: str | None = None
    time_zone: str | None = None


class MemberOut(Schema):
    id: int
    username: str
    name: str
    email: str
    role: str
    tier: str | None
    team_id: int | None
    team: str | None
    site: str | None
    department_id: int | None
    language: str
    time_zone: str
    status: str = Field(..., description="active, invited (no password chosen yet) or inactive")
    last_login: str | None
    date_joined: str


class MemberCreatedOut(MemberOut):
    invitation_url: str | None = Field(
        ...,
        description="Where the member chooses a password (once, within three days); null with a password.",
    )


class MemberPage(Schema):
    items: list[MemberOut]
    count: int
    limit: int
    offset: int


class MemberFilters(Schema):
    q: str = Field("", max_length=100, description="Part of the username, name or email.")
    role: str | None = Field(None, json_schema_extra={"enum": Role.values})
    team_id: int | None = Field(None, ge=1, le=2**53)
    site_id: int | None = Field(None, ge=1, le=2**53)
    status: str = Field(
        "all",
        description="all, active, invited or inactive",
        json_schema_extra={"enum": ["all", "active", "invited", "inactive"]},
    )
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class InvitationOut(Schema):
    invitation_url: str


class SiteIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Lima",
                    "city": "Lima",
                    "country": "PE",
                    "time_zone": "America/Lima",
                    "languages": ["es", "en"],
                }
            ]
        },
    )

    name: str
    city: str
    country: str = Field(..., description="ISO 3166 two-letter code")
    time_zone: str = Field(..., description="IANA name, e.g. America/Lima")
    languages: list[str] = Field(..., description="ISO 639 codes spoken at the site")


class SitePatch(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    city: str | None = None
    country: str | None = None
    time_zone: str | None = None
    languages: list[str] | None = None


class SiteOut(Schema):
    id: int
    name: str
    city: str
    country: str
    time_zone: str
    languages: list[str]


class DepartmentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str


class DepartmentOut(Schema):
    id: int
    name: str


class TeamIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str
    department_id: int
    site_id: int


class TeamPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    department_id: int | None = None
    site_id: int | None = None
