"""Writes about people: API tokens and languages, members, and the organization's sites and teams.

One module per concern; everything a caller needs is importable from here.
"""

from leeway.people.services.members import (
    member_create,
    member_deactivate,
    member_invitation_accept,
    member_invite,
    member_reactivate,
    member_update,
    members_import,
)
from leeway.people.services.organization import (
    department_create,
    department_update,
    site_create,
    site_update,
    team_create,
    team_update,
)
from leeway.people.services.tokens import (
    TOKEN_PREFIX,
    TOKEN_TOUCH_INTERVAL_SECONDS,
    forget_tokens,
    member_by_username,
    member_for_token,
    member_set_language,
    token_create,
    token_digest,
    token_revoke,
)

__all__ = [
    "TOKEN_PREFIX",
    "TOKEN_TOUCH_INTERVAL_SECONDS",
    "department_create",
    "department_update",
    "forget_tokens",
    "member_by_username",
    "member_create",
    "member_deactivate",
    "member_for_token",
    "member_invitation_accept",
    "member_invite",
    "member_reactivate",
    "member_set_language",
    "member_update",
    "members_import",
    "site_create",
    "site_update",
    "team_create",
    "team_update",
    "token_create",
    "token_digest",
    "token_revoke",
]
