from ninja import Schema


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
