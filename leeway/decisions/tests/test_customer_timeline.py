"""Gestures on a customer's timeline and card: whose they were, in neutral words, linked if readable."""

from django.urls import reverse

from leeway.decisions import services


def record(world, member, *, customer="C-1001", amount="20.00"):
    return services.decision_create(
        member=member,
        customer=customer,
        gesture="waive_fee",
        amount=amount,
        currency="USD",
        reason="loyalty",
    )


def page(client, member, name="customers:detail"):
    client.force_login(member)
    if name == "customers:detail":
        return client.get(reverse(name, args=["C-1001"])).content.decode()
    return client.get(reverse(name), {"customer": "C-1001"}).content.decode()


def detail(decision) -> str:
    return reverse("decisions:detail", args=[decision.public_id])


def test_an_agent_reads_a_colleagues_gesture_with_their_name_and_no_link(client, world):
    theirs = record(world, world.agent2)
    mine = record(world, world.agent)
    for name in ("customers:detail", "decisions:customer_card"):
        html = page(client, world.agent, name)
        assert f"by {world.agent2.display_name}" in html and "by you" in html
        assert detail(theirs) not in html  # the agent may not open a colleague's decision
        assert detail(mine) in html
        assert "inside your authority" not in html.lower()  # the zone is named, not told as the reader's


def test_a_lead_opens_the_teams_gestures_from_the_timeline(client, world):
    theirs = record(world, world.agent2)
    html = page(client, world.lead)
    assert detail(theirs) in html
    assert f"by {world.agent2.display_name}" in html
    assert "Waive Fee" in html and "Green" in html and "Approved" in html


def test_the_timeline_speaks_the_readers_language(client, world):
    record(world, world.agent2)
    world.agent.language = "es"
    world.agent.save(update_fields=["language"])
    html = page(client, world.agent)
    assert f"por {world.agent2.display_name}" in html
    assert "waive_fee (es)" in html and "Verde" in html
