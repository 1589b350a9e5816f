"""Writes about people: API tokens and languages, members, and the organization's sites and teams.

One module per concern; everything a caller needs is importable from here.
"""

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
    "forget_tokens",
    "member_by_username",
    "member_for_token",
    "member_set_language",
    "token_create",
    "token_digest",
    "token_revoke",
]
