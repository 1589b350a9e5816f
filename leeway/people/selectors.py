"""Reads about people."""

from leeway.people.models import Member


def budgets_for(member: Member) -> list[dict]:
    """The budgets that apply to a member, as the API shows them.

    The policy app provides them once installed; until then there are none.
    """
    try:
        from leeway.policy.selectors import budget_statuses_for
    except ImportError:
        return []
    return budget_statuses_for(member)


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
