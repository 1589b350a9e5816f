"""The navigation bar, by role. Apps add their pages here as they arrive."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: tuple[str, ...]
    # "manage": the organization's settings, gathered under one "Manage" menu so the bar keeps
    # to the day's work (an admin has twenty pages).
    group: str = ""


ALL_ROLES = ("agent", "lead", "manager", "admin", "trainer", "analyst")

# Where each role lands after logging in: the first page that exists.
ROLE_HOMES = {
    "agent": ["decisions:console"],
    "lead": ["decisions:queue"],
    "manager": ["decisions:queue"],
    "admin": ["policy:overview", "people:organization"],
    "analyst": ["people:organization"],
    "trainer": [],
}

NAV_ITEMS = [
    # The member's own page; "/" (the brand link, the landing after login) sends each role to its work.
    NavItem(_("Home"), "people:home", ALL_ROLES),
    NavItem(_("Console"), "decisions:console", ("agent", "lead")),
    NavItem(_("My decisions"), "decisions:mine", ("agent",)),
    NavItem(_("Requests"), "decisions:queue", ("lead", "manager", "admin")),
    NavItem(_("Decisions"), "decisions:list", ("lead", "manager", "admin", "analyst")),
    NavItem(_("Celebrations"), "recognition:feed", ALL_ROLES),
    NavItem(_("Customers"), "customers:list", ("agent", "lead", "manager", "admin", "analyst")),
    NavItem(_("Customer value"), "value:overview", ("admin", "analyst")),
    NavItem(_("Return on goodwill"), "insights:roi", ("admin", "analyst")),
    NavItem(_("Dashboard"), "reports:dashboard", ("admin", "analyst", "manager")),
    NavItem(_("Policy"), "policy:overview", ("admin",), group="manage"),
    NavItem(_("Organization"), "people:organization", ("admin", "manager", "analyst"), group="manage"),
    NavItem(_("Members"), "people:members", ("admin",), group="manage"),
    NavItem(_("Recognition"), "recognition:insights", ("admin", "analyst"), group="manage"),
    NavItem(_("Feedback"), "alignment:my_feedback", ("agent",)),
    NavItem(_("Review"), "alignment:review", ("lead", "manager", "admin")),
    NavItem(_("Backing"), "alignment:backing", ("lead", "manager", "admin")),
    NavItem(_("Charter"), "alignment:charters", ALL_ROLES),
    NavItem(_("Pulse"), "alignment:pulses", ALL_ROLES),
    NavItem(_("Policy proposals"), "alignment:proposals", ("admin",), group="manage"),
    NavItem(_("Training"), "training:mine", ("agent",)),
    NavItem(_("Training"), "training:manage", ("trainer",)),
    NavItem(_("Eligible agents"), "training:eligible", ("lead", "manager")),
    NavItem(_("Training"), "training:manage", ("admin",), group="manage"),
    NavItem(_("Eligible agents"), "training:eligible", ("admin",), group="manage"),
    NavItem(_("Training settings"), "training:settings", ("admin",), group="manage"),
    NavItem(_("Webhooks"), "integrations:webhooks", ("admin",), group="manage"),
    NavItem(_("API"), "api:openapi-view", ("admin",), group="manage"),
]


def items_for(member) -> list[dict]:
    """The links this member's role may use, skipping pages not built yet."""
    role = getattr(member, "role", None)
    items = []
    for item in NAV_ITEMS:
        if role not in item.roles:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"label": item.label, "url": url, "name": item.url_name, "group": item.group})
    return items


def role_home_url(member) -> str | None:
    """The landing page for the member's role, if it has been built."""
    for url_name in ROLE_HOMES.get(getattr(member, "role", ""), []):
        try:
            return reverse(url_name)
        except NoReverseMatch:
            continue
    return None
