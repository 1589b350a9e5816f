"""Reads about people."""

from leeway.core.hooks import Hook
from leeway.people.models import Member

# The budgets that apply to a member, as the API shows them (cap, spent, remaining). The policy app
# provides them (PolicyConfig.ready); without it there are none.
budgets_for = Hook("people.budgets_for", default=lambda member: [])


def member_profile(member: Member) -> dict:
    """What `GET /api/v1/me` answers."""
    return {
        "username": member.username,
        "organization": {
            "slug": member.organization.slug,
            "base_currency": member.organization.base_currency,
        },
        "role": member.role,
        "tier": member.tier.code if member.tier_id else None,
        "language": member.language,
        "budgets": budgets_for(member),
    }
