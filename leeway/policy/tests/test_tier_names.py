"""Tiers are data named in every language, like gestures: Spanish admins and agents read Spanish names."""

import pytest
from django.urls import reverse

from leeway.core.models import AuditEntry
from leeway.people.models import AuthorityTier, Member
from leeway.policy.services import policy_publish, tier_create, tier_update
from leeway.policy.snapshot import snapshot_for_version


@pytest.fixture
def casa_admin(client, policy_demo):
    member = Member.objects.get(username="casa-admin")
    client.force_login(member)
    return member


def test_a_spanish_admin_reads_and_renames_tiers_in_both_languages(client, casa_admin):
    html = client.get(reverse("policy:tiers")).content.decode()
    assert "Inicial" in html and "Con experiencia" in html
    tier = AuthorityTier.objects.get(organization=casa_admin.organization, code="starter")
    form = client.get(reverse("policy:tier_edit", args=[tier.pk])).content.decode()
    assert 'name="name_es"' in form and 'value="Inicial"' in form
    assert 'name="name_en"' in form and 'value="Starter"' in form
    response = client.post(
        reverse("policy:tier_edit", args=[tier.pk]),
        {"name_es": "Principiante", "name_en": "Beginner", "rank": "1"},
    )
    assert response.status_code == 302
    names = dict(tier.translations.values_list("language_code", "name"))
    assert names == {"es": "Principiante", "en": "Beginner"}
    entry = AuditEntry.objects.filter(action="tier.updated").latest("seq")
    assert entry.data["name_es"] == ["Inicial", "Principiante"]


def test_the_organizations_own_language_is_required_and_the_others_are_not(client, casa_admin):
    response = client.post(
        reverse("policy:tiers"), {"code": "expert", "name_es": "", "name_en": "Expert", "rank": "9"}
    )
    assert response.status_code == 200
    assert not AuthorityTier.objects.filter(code="expert").exists()
    client.post(reverse("policy:tiers"), {"code": "expert", "name_es": "Experto", "name_en": "", "rank": "9"})
    tier = AuthorityTier.objects.get(organization=casa_admin.organization, code="expert")
    assert dict(tier.translations.values_list("language_code", "name")) == {"es": "Experto"}


def test_agents_and_the_rules_page_read_the_tier_in_their_language(client, policy_demo):
    agent = Member.objects.get(username="aurora-agente")  # Spanish, in the English-speaking aurora
    client.force_login(agent)
    agent.role = "trainer"  # the plain home page, which names the tier
    agent.save(update_fields=["role"])
    html = client.get(reverse("home")).content.decode()
    assert "Nivel de autoridad: Inicial" in html
    client.force_login(Member.objects.get(username="aurora-admin"))
    assert "Starter (rank 1)" in client.get(reverse("policy:rules")).content.decode()


def test_a_published_version_keeps_the_names_in_every_language(client, policy_demo):
    organization = policy_demo["aurora"]
    admin = Member.objects.get(username="aurora-admin")
    tier = AuthorityTier.objects.get(organization=organization, code="starter")
    tier_update(tier=tier, actor=admin, names={"es": "Novato"})
    version = policy_publish(organization=organization, actor=admin, summary="names")
    [starter] = [t for t in version.snapshot["tiers"] if t["code"] == "starter"]
    assert (starter["name"], starter["names"]) == ("Starter", {"en": "Starter", "es": "Novato"})
    snapshot_for_version(version)  # still parses
    admin.language = "es"
    admin.save(update_fields=["language"])
    client.force_login(admin)
    html = client.get(reverse("policy:version", args=[version.number])).content.decode()
    assert "Novato (rango 1)" in html


def test_a_version_published_before_tiers_were_translated_still_reads(client, policy_demo):
    from leeway.policy.models import PolicyVersion
    from leeway.policy.selectors import version_contents

    data = {**PolicyVersion.objects.filter(organization=policy_demo["aurora"]).first().snapshot}
    data["tiers"] = [{k: v for k, v in tier.items() if k != "names"} for tier in data["tiers"]]
    names = [tier["name"] for tier in version_contents(data, "es")["tiers"]]
    assert names == ["Starter", "Experienced", "Senior"]


def test_a_tier_is_created_with_its_names_by_the_service(policy_demo):
    organization = policy_demo["aurora"]
    tier = tier_create(
        organization=organization,
        actor=None,
        code="lead_track",
        rank=7,
        names={"en": "Lead track", "es": "Hacia líder"},
    )
    assert str(tier) == "Lead track"
    tier.set_current_language("es")
    assert tier.name == "Hacia líder"
