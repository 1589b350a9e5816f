"""Reads of the insights app: an organization's interactions, scoped to the member's organization."""

from django.db.models import Exists, OuterRef

from leeway.core.tenancy import scoped
from leeway.decisions.models import Decision, DecisionStatus
from leeway.insights.models import Interaction


def interactions_for(member, *, customer: str | None = None, since=None):
    """The member's organization's interactions, newest first, with whether a gesture names each."""
    queryset = (
        scoped(Interaction, member)
        .select_related("customer", "agent")
        .annotate(
            has_gesture=Exists(
                Decision.objects.filter(
                    organization_id=OuterRef("organization_id"),
                    interaction_ref=OuterRef("external_ref"),
                    customer_id=OuterRef("customer_id"),
                    status=DecisionStatus.APPROVED,
                )
            )
        )
        .order_by("-occurred_at", "-id")
    )
    if customer:
        queryset = queryset.filter(customer__external_id=customer)
    if since is not None:
        queryset = queryset.filter(occurred_at__gte=since)
    return queryset


def interaction_payload(interaction: Interaction) -> dict:
    has_gesture = getattr(interaction, "has_gesture", None)
    if has_gesture is None:
        has_gesture = Decision.objects.filter(
            organization_id=interaction.organization_id,
            interaction_ref=interaction.external_ref,
            customer_id=interaction.customer_id,
            status=DecisionStatus.APPROVED,
        ).exists()
    return {
        "external_ref": interaction.external_ref,
        "customer": interaction.customer.external_id,
        "channel": interaction.channel,
        "category": interaction.category,
        "agent": interaction.agent.username if interaction.agent_id else None,
        "occurred_at": interaction.occurred_at,
        "gesture": has_gesture,
    }


def interaction_payloads(interactions) -> list[dict]:
    return [interaction_payload(interaction) for interaction in interactions]
