"""The agent hears the lead's answer: the console's request status endpoint and the "My decisions" page."""

from django.urls import reverse

from leeway.decisions import services
from leeway.people.models import Role
from leeway.people.tests.factories import MemberFactory


def red(world, *, agent=None, customer="C-1001"):
    return services.decision_create(
        member=agent or world.agent,
        customer=customer,
        gesture="waive_fee",
        amount="150.00",
        currency=world.organization.base_currency,
        reason="billing_error",
    )


def watch(client, member, *decisions, raw: str | None = None):
    client.force_login(member)
    ids = raw if raw is not None else ",".join(str(d.public_id) for d in decisions)
    return client.get(reverse("decisions:console_requests"), {"ids": ids})


class TestRequestStatus:
    def test_a_pending_request_says_it_waits_for_the_lead(self, client, world):
        request = red(world)
        response = watch(client, world.agent, request)
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store"
        [answer] = response.json()["requests"]
        assert (answer["id"], answer["status"], answer["pending"]) == (
            str(request.public_id),
            "pending",
            True,
        )
        assert answer["title"] == "Sent to your lead"

    def test_an_approval_names_the_lead_and_quotes_the_note(self, client, world):
        request = red(world)
        services.decision_approve(decision=request, member=world.lead, note="Keep her happy.")
        [answer] = watch(client, world.agent, request).json()["requests"]
        assert (answer["status"], answer["pending"]) == ("approved", False)
        assert answer["title"] == f"Approved by {world.lead.display_name}"
        assert f"{world.lead.display_name}'s note: Keep her happy." in answer["lines"]
        assert any("charged to the company goodwill budget" in line for line in answer["lines"])
        assert (answer["gesture"], answer["customer"], answer["amount"]) == (
            "Waive Fee",
            "Ada Byron",
            "150.00",
        )

    def test_a_decline_gives_the_reason(self, client, world):
        request = red(world)
        services.decision_decline(decision=request, member=world.lead, reason="Credited last week.")
        [answer] = watch(client, world.agent, request).json()["requests"]
        assert answer["title"] == "Declined: Credited last week."
        assert answer["lines"] == [
            f"Declined by {world.lead.display_name}. Nothing was spent; asking was the right call."
        ]

    def test_it_answers_in_the_agents_language(self, client, world):
        request = red(world)
        services.decision_decline(decision=request, member=world.lead, reason="Ya se abonó.")
        world.agent.language = "es"
        world.agent.save(update_fields=["language"])
        [answer] = watch(client, world.agent, request).json()["requests"]
        assert answer["title"] == "Rechazada: Ya se abonó."
        assert answer["gesture"] == "waive_fee (es)"

    def test_an_escalated_request_says_so(self, client, world):
        request = red(world)
        type(request).objects.filter(pk=request.pk).update(escalated=True)
        [answer] = watch(client, world.agent, request).json()["requests"]
        assert (answer["pending"], answer["escalated"]) == (True, True)
        assert answer["title"] == "Sent on to the department's managers"

    def test_another_agents_or_organizations_requests_are_left_out(self, client, world, other_world):
        mine = red(world)
        colleagues = red(world, agent=world.agent2, customer="C-1002")
        elsewhere = red(other_world)
        answers = watch(client, world.agent, mine, colleagues, elsewhere).json()["requests"]
        assert [answer["id"] for answer in answers] == [str(mine.public_id)]
        # Even the lead who may read the colleague's request hears only about their own here.
        assert watch(client, world.lead, colleagues).json()["requests"] == []

    def test_garbage_ids_are_ignored_and_the_list_is_bounded(self, client, world):
        request = red(world)
        raw = ",".join(["nope", "<script>", str(request.public_id)] + ["x"] * 500)
        answers = watch(client, world.agent, raw=raw).json()["requests"]
        assert [answer["id"] for answer in answers] == [str(request.public_id)]
        assert watch(client, world.agent, raw="").json() == {"requests": []}

    def test_it_needs_a_login_and_a_role_that_records_gestures(self, client, world):
        request = red(world)
        response = client.get(reverse("decisions:console_requests"), {"ids": str(request.public_id)})
        assert response.status_code == 302 and "/login/" in response["Location"]
        assert watch(client, world.analyst, request).status_code == 403
        trainer = MemberFactory(organization=world.organization, role=Role.TRAINER)
        assert watch(client, trainer, request).status_code == 403

    def test_the_console_lists_the_agents_open_requests_for_its_script(self, client, world):
        request = red(world)
        red(world, agent=world.agent2, customer="C-1002")
        client.force_login(world.agent)
        html = client.get(reverse("decisions:console")).content.decode()
        assert f'<script id="decide-pending" type="application/json">["{request.public_id}"]</script>' in html


class TestMyDecisions:
    def test_an_agent_sees_their_own_decisions_open_requests_first_with_the_answers(self, client, world):
        green = services.decision_create(
            member=world.agent,
            customer="C-1001",
            gesture="waive_fee",
            amount="10.00",
            currency="USD",
            reason="loyalty",
        )
        declined = red(world)
        services.decision_decline(decision=declined, member=world.lead, reason="Not this month.")
        waiting = red(world, customer="C-1002")
        red(world, agent=world.agent2)
        client.force_login(world.agent)
        response = client.get(reverse("decisions:mine"))
        assert response.status_code == 200
        html = response.content.decode()
        order = [html.index(f"mine-{d.public_id}") for d in (waiting, declined, green)]
        assert order == sorted(order)  # waiting first, then newest first
        assert html.count('<tr id="mine-') == 3  # the colleague's request is not here
        assert f"Declined by {world.lead.display_name}" in html and "Not this month." in html
        assert "Waiting for your lead" in html
        assert "Inside your authority: no answer needed" in html
        assert 'hx-trigger="every 5s"' in html  # polls while a request is open

    def test_the_status_filter_and_no_polling_once_everything_is_answered(self, client, world):
        request = red(world)
        services.decision_approve(decision=request, member=world.lead, note="")
        client.force_login(world.agent)
        html = client.get(reverse("decisions:mine"), {"status": "approved"}).content.decode()
        assert f"Approved by {world.lead.display_name}" in html
        assert "hx-trigger" not in html
        html = client.get(reverse("decisions:mine"), {"status": "pending"}).content.decode()
        assert f"mine-{request.public_id}" not in html
        partial = client.get(reverse("decisions:mine"), headers={"HX-Request": "true"}).content.decode()
        assert partial.lstrip().startswith('<section class="card" id="mine"')

    def test_it_speaks_spanish(self, client, world):
        request = red(world)
        services.decision_decline(decision=request, member=world.lead, reason="No.")
        world.agent.language = "es"
        world.agent.save(update_fields=["language"])
        client.force_login(world.agent)
        html = client.get(reverse("decisions:mine")).content.decode()
        assert "Mis decisiones" in html and f"Rechazada por {world.lead.display_name}" in html

    def test_it_needs_a_login_and_a_role_that_records_gestures(self, client, world):
        response = client.get(reverse("decisions:mine"))
        assert response.status_code == 302 and "/login/" in response["Location"]
        client.force_login(world.analyst)
        assert client.get(reverse("decisions:mine")).status_code == 403

    def test_agents_find_it_in_the_navigation(self, client, world):
        client.force_login(world.agent)
        html = client.get(reverse("decisions:console")).content.decode()
        assert f'href="{reverse("decisions:mine")}"' in html

    def test_another_organizations_decisions_never_show(self, client, world, other_world):
        theirs = red(other_world)
        client.force_login(world.agent)
        assert str(theirs.public_id) not in client.get(reverse("decisions:mine")).content.decode()
