"""The decision pages over HTTP: console, panel, customer partials, queue, list and a decision's page."""

from html import unescape

import pytest
from django.urls import reverse
from django.utils import translation

from leeway.core.models import AuditEntry
from leeway.decisions import services
from leeway.decisions.models import Decision, DecisionStatus
from leeway.policy.services import policy_settings_update

HOSTILE = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


def record(world, *, amount="25.00", justification="", note="", agent=None, customer="C-1001"):
    return services.decision_create(
        member=agent or world.agent,
        customer=customer,
        gesture="waive_fee",
        amount=amount,
        currency="USD",
        reason="billing_error",
        note=note,
        justification=justification,
        interaction_ref="CALL-778",
    )


def login(client, member):
    client.force_login(member)
    return client


# ---------------------------------------------------------------- who may open what


@pytest.mark.parametrize("who", ["agent", "lead", "manager", "admin"])
def test_the_console_opens_for_roles_that_record_gestures(client, world, who):
    response = login(client, getattr(world, who)).get(reverse("decisions:console"))
    assert response.status_code == 200
    assert b'id="decide"' in response.content


@pytest.mark.parametrize("who", ["analyst"])
def test_the_console_is_forbidden_to_roles_that_only_read(client, world, who):
    assert login(client, getattr(world, who)).get(reverse("decisions:console")).status_code == 403


def test_the_console_asks_anonymous_visitors_to_log_in(client, world):
    response = client.get(reverse("decisions:console"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_console_shows_gestures_with_their_keys_reasons_and_todays_budget(client, world):
    html = login(client, world.agent).get(reverse("decisions:console")).content.decode()
    assert 'data-gesture="waive_fee"' in html
    assert 'aria-keyshortcuts="1"' in html
    assert "<kbd>1</kbd>" in html
    assert 'value="billing_error"' in html and "Billing error" in html
    assert "Your budget today" in html
    assert "$200.00" in html  # nothing spent yet
    assert 'id="decide-strings" type="application/json"' in html
    # Strict CSP: no inline script or style on the page.
    assert "<script>" not in html and " style=" not in html and "onclick" not in html


def test_the_console_speaks_the_members_language(client, world):
    world.agent.language = "es"
    world.agent.save()
    html = login(client, world.agent).get(reverse("decisions:console")).content.decode()
    assert "Buscar un cliente" in html
    assert "Dentro de tu autoridad" in html  # the live zone's words, for the script


@pytest.mark.parametrize("who", ["lead", "manager", "admin"])
def test_the_queue_opens_for_leads_managers_and_admins(client, world, who):
    assert login(client, getattr(world, who)).get(reverse("decisions:queue")).status_code == 200
    assert login(client, getattr(world, who)).get(reverse("decisions:queue_items")).status_code == 200


@pytest.mark.parametrize("who", ["agent", "analyst"])
def test_the_queue_is_forbidden_to_agents_and_analysts(client, world, who):
    assert login(client, getattr(world, who)).get(reverse("decisions:queue")).status_code == 403


@pytest.mark.parametrize("who", ["lead", "manager", "admin", "analyst"])
def test_the_decision_list_opens_for_leads_managers_admins_and_analysts(client, world, who):
    record(world)
    response = login(client, getattr(world, who)).get(reverse("decisions:list"), {"status": "approved"})
    assert response.status_code == 200


def test_the_decision_list_is_forbidden_to_agents(client, world):
    assert login(client, world.agent).get(reverse("decisions:list")).status_code == 403


def test_the_decision_list_filters_by_zone_and_status(client, world):
    record(world, amount="20.00")
    record(world, amount="75.00", justification="Third outage this month")
    client = login(client, world.lead)
    amber = client.get(reverse("decisions:list"), {"zone": "amber"}).content.decode()
    assert "$75.00" in amber and "$20.00" not in amber
    pending = client.get(reverse("decisions:list"), {"status": "pending"}).content.decode()
    assert "No decisions match." in pending
    assert client.get(reverse("decisions:list"), {"zone": "purple", "page": "x"}).status_code == 200


# ---------------------------------------------------------------- another organization is not found


def test_another_organizations_decision_page_is_not_found(client, world, other_world):
    decision = record(world)
    response = login(client, other_world.admin).get(reverse("decisions:detail", args=[decision.public_id]))
    assert response.status_code == 404


def test_another_organizations_customer_card_is_not_found(client, world, other_world):
    client = login(client, other_world.agent)
    response = client.get(reverse("decisions:customer_card"), {"customer": "C-1001"})
    assert response.status_code == 200  # other_world has its own C-1001
    assert "Ada Byron" in response.content.decode()
    world.customer.external_id = "C-ONLY-AURORA"
    world.customer.save()
    response = client.get(reverse("decisions:customer_card"), {"customer": "C-ONLY-AURORA"})
    assert response.status_code == 404


def test_customer_search_only_finds_the_members_organization(client, world, other_world):
    world.customer2.name = "Zelda Aurora-Only"
    world.customer2.save()
    client = login(client, other_world.agent)
    html = client.get(reverse("decisions:customer_search"), {"q": "Zelda"}).content.decode()
    assert "Zelda" not in html.replace("“Zelda”", "")
    html = login(client, world.agent).get(reverse("decisions:customer_search"), {"q": "Zel"}).content.decode()
    assert 'data-customer="C-1002"' in html and 'role="option"' in html


def test_a_lead_of_another_organization_cannot_approve(client, world, other_world):
    decision = record(world, amount="150.00")
    response = login(client, other_world.lead).post(reverse("decisions:approve", args=[decision.public_id]))
    assert response.status_code == 404
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PENDING


def test_an_agent_sees_their_own_decision_but_not_a_colleagues(client, world):
    mine = record(world)
    theirs = record(world, agent=world.agent2)
    client = login(client, world.agent)
    assert client.get(reverse("decisions:detail", args=[mine.public_id])).status_code == 200
    assert client.get(reverse("decisions:detail", args=[theirs.public_id])).status_code == 404


# ---------------------------------------------------------------- the panel and its framing


def test_the_panel_prefills_the_customer_and_interaction(client, world):
    response = login(client, world.agent).get(
        reverse("decisions:panel"), {"customer": "C-1001", "interaction": "CALL-778"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="decide decide-lean"' in html
    assert 'name="customer" value="C-1001"' in html
    assert 'value="CALL-778"' in html
    assert "Ada Byron" in html


def test_the_panel_says_so_when_the_customer_is_unknown(client, world):
    html = login(client, world.agent).get(reverse("decisions:panel"), {"customer": "C-404"}).content.decode()
    assert "No customer “C-404” in your organization." in html


def test_the_panel_may_be_framed_only_by_the_listed_origins(client, world):
    policy_settings_update(
        organization=world.organization,
        actor=None,
        panel_allowed_origins="https://crm.example.com\nhttps://desk.example.org",
    )
    response = login(client, world.agent).get(reverse("decisions:panel"))
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors https://crm.example.com https://desk.example.org" in policy
    assert "'none'" not in policy.split("frame-ancestors")[1].split(";")[0]
    assert "X-Frame-Options" not in response.headers
    # Only the panel: the console stays unframeable.
    console = client.get(reverse("decisions:console"))
    assert "frame-ancestors 'none'" in console.headers["Content-Security-Policy"]
    assert console.headers["X-Frame-Options"] == "DENY"


def test_the_panel_is_not_frameable_when_no_origin_is_listed(client, world):
    policy_settings_update(organization=world.organization, actor=None, panel_allowed_origins="")
    response = login(client, world.agent).get(reverse("decisions:panel"))
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


# ---------------------------------------------------------------- the queue


def test_the_queue_lists_pending_requests_oldest_first_with_time_left(client, world):
    first = record(world, amount="150.00", customer="C-1001")
    second = record(world, amount="160.00", customer="C-1002")
    html = login(client, world.lead).get(reverse("decisions:queue")).content.decode()
    assert html.index(str(first.public_id)) < html.index(str(second.public_id))
    assert "min left" in html
    assert "Beyond the agent&#x27;s stretch limit" in html
    assert 'hx-trigger="every 5s"' in html


def test_the_queue_speaks_of_the_agents_limits_not_the_leads(client, world):
    record(world, amount="150.00")
    client = login(client, world.lead)
    for url in (reverse("decisions:queue"), reverse("decisions:queue_items")):
        text = unescape(client.get(url).content.decode())
        assert "Above the agent's green limit of 50.00 USD by 100.00" in text, url
        assert "Beyond the agent's stretch limit of 100.00 USD by 50.00: a lead decides" in text, url
        assert "your green limit" not in text and "your stretch limit" not in text, url


def test_the_queue_speaks_of_the_agents_limits_in_the_leads_language(client, world):
    record(world, amount="150.00")
    world.lead.language = "es"
    world.lead.save()
    text = unescape(login(client, world.lead).get(reverse("decisions:queue")).content.decode())
    assert "Por encima del límite verde del agente de 50,00 USD en 100,00" in text
    assert "tu límite" not in text


def test_a_script_in_a_note_is_escaped_on_the_queue_and_the_decision_page(client, world):
    decision = record(world, amount="150.00", note=HOSTILE, justification=HOSTILE)
    client = login(client, world.lead)
    for url in (
        reverse("decisions:queue"),
        reverse("decisions:queue_items"),
        reverse("decisions:detail", args=[decision.public_id]),
    ):
        html = client.get(url).content.decode()
        assert HOSTILE not in html, url
        assert ESCAPED in html, url


def test_a_lead_approves_from_the_queue_in_one_click(client, world):
    decision = record(world, amount="150.00")
    response = login(client, world.lead).post(
        reverse("decisions:approve", args=[decision.public_id]),
        {"note": "Good call"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'hx-swap-oob="true"' in html and "is protected and charged" in html
    assert str(decision.public_id) not in html.split("learning-heading")[0]
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.APPROVED and decision.protected
    assert decision.decided_by == world.lead and decision.decision_note == "Good call"


def test_a_lead_declines_with_a_reason_and_nothing_is_spent(client, world):
    decision = record(world, amount="150.00")
    response = login(client, world.lead).post(
        reverse("decisions:decline", args=[decision.public_id]), {"reason": "Refunded last week"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("decisions:queue")
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.DECLINED and decision.decision_note == "Refunded last week"


def test_answering_twice_says_it_was_already_decided(client, world):
    decision = record(world, amount="150.00")
    client = login(client, world.lead)
    client.post(reverse("decisions:approve", args=[decision.public_id]))
    response = client.post(
        reverse("decisions:decline", args=[decision.public_id]),
        {"reason": "Too late"},
        headers={"HX-Request": "true"},
    )
    assert "This request was already decided." in response.content.decode()
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.APPROVED


def test_a_lead_of_another_team_cannot_answer(client, world):
    decision = record(world, amount="150.00")
    response = login(client, world.other_lead).post(
        reverse("decisions:approve", args=[decision.public_id]), follow=True
    )
    assert "Only a lead of the agent" in response.content.decode()
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PENDING


def test_agents_cannot_answer_requests(client, world):
    decision = record(world, amount="150.00")
    response = login(client, world.agent2).post(reverse("decisions:approve", args=[decision.public_id]))
    assert response.status_code == 403
    assert Decision.objects.get(pk=decision.pk).status == DecisionStatus.PENDING


def test_amber_decisions_show_as_learning_cases(client, world):
    record(world, amount="75.00", justification="Third outage this month")
    html = login(client, world.lead).get(reverse("decisions:queue")).content.decode()
    learning = html.split('id="learning-heading"')[1]
    assert "Third outage this month" in learning


# ---------------------------------------------------------------- a decision's page


def test_a_decisions_page_shows_zone_protection_policy_reasoning_and_audit_trail(client, world):
    decision = record(world, amount="150.00")
    login(client, world.lead).post(reverse("decisions:approve", args=[decision.public_id]), {"note": "OK"})
    html = client.get(reverse("decisions:detail", args=[decision.public_id])).content.decode()
    assert "Judged by policy v1" in html
    assert "Beyond the agent&#x27;s stretch limit" in html
    assert "nothing can be held against the agent." in html
    assert "Recorded and sent to the lead" in html and "Approved by a lead" in html
    entries = AuditEntry.objects.filter(object_type="decision", object_id=str(decision.public_id))
    for entry in entries:
        assert entry.hash[:12] in html


def test_a_pending_decisions_page_offers_the_lead_its_answers(client, world):
    decision = record(world, amount="150.00")
    url = reverse("decisions:detail", args=[decision.public_id])
    html = login(client, world.lead).get(url).content.decode()
    assert reverse("decisions:approve", args=[decision.public_id]) in html
    html = login(client, world.agent).get(url).content.decode()
    assert reverse("decisions:approve", args=[decision.public_id]) not in html


def test_a_decisions_page_says_your_limit_only_to_its_agent(client, world):
    decision = record(world, amount="150.00")
    url = reverse("decisions:detail", args=[decision.public_id])
    text = unescape(login(client, world.agent).get(url).content.decode())
    assert "Above your green limit of 50.00 USD by 100.00" in text
    assert "Your budget today: 50.00 of 200.00 USD left" in text
    assert "agent's green limit" not in text
    for reader in (world.lead, world.manager, world.admin):
        text = unescape(login(client, reader).get(url).content.decode())
        assert "Above the agent's green limit of 50.00 USD by 100.00" in text, reader.role
        assert "The agent's budget today: 50.00 of 200.00 USD left" in text, reader.role
        assert "Team budget today: 1,850.00 of 2,000.00 USD left" in text, reader.role
        assert "your green limit" not in text and "Your budget today" not in text, reader.role


def summary_on(client, member, decision) -> str:
    html = login(client, member).get(reverse("decisions:detail", args=[decision.public_id])).content.decode()
    return unescape(html.split('<p class="protection">', 1)[1].split("</p>", 1)[0])


def test_a_decisions_summary_says_you_only_to_its_agent(client, world):
    pending = record(world, amount="150.00")
    assert summary_on(client, world.agent, pending) == (
        "Sent to your lead for approval; no money moves until they approve."
    )
    for reader in (world.lead, world.manager, world.admin):
        assert summary_on(client, reader, pending) == (
            "Waiting for a lead of the agent's team; no money moves until one approves."
        ), reader.role

    approved = record(world, amount="25.00")
    assert summary_on(client, world.agent, approved) == (
        "Approved and protected: charged to the company goodwill budget; nothing can be held against you."
    )
    for reader in (world.lead, world.manager, world.admin):
        assert summary_on(client, reader, approved) == (
            "Approved and protected: charged to the company goodwill budget; "
            "nothing can be held against the agent."
        ), reader.role

    declined = record(world, amount="150.00")
    login(client, world.lead).post(reverse("decisions:decline", args=[declined.public_id]), {"reason": "No"})
    assert summary_on(client, world.agent, declined) == (
        "Declined by a lead; nothing was spent. Asking was the right call."
    )
    assert summary_on(client, world.lead, declined) == (
        "Declined by a lead; nothing was spent. The agent was right to ask."
    )


def test_a_leads_own_decision_speaks_to_the_lead_as_its_agent(client, world):
    own = record(world, amount="25.00", agent=world.lead)
    assert summary_on(client, world.lead, own).startswith("Sent to your lead")
    assert summary_on(client, world.manager, own).startswith("Waiting for a lead of the agent's team")


def test_a_decisions_summary_speaks_of_the_agent_in_the_leads_language(client, world):
    pending = record(world, amount="150.00")
    approved = record(world, amount="25.00")
    world.lead.language = "es"
    world.lead.save()
    assert summary_on(client, world.lead, pending) == (
        "A la espera de un líder del equipo del agente; no se mueve dinero hasta que uno la apruebe."
    )
    assert summary_on(client, world.lead, approved) == (
        "Aprobada y protegida: se carga al presupuesto de buena voluntad de la empresa; "
        "nada de esto puede usarse en contra del agente."
    )
    world.agent.language = "es"
    world.agent.save()
    assert summary_on(client, world.agent, pending) == (
        "Enviada a tu líder para su aprobación; no se mueve dinero hasta que la apruebe."
    )


def test_the_summary_reads_the_same_to_the_agent_and_in_the_third_person_to_others():
    from leeway.decisions.selectors import decision_summary
    from leeway.policy.budgets import REVIEWER_VOICE

    cases = [
        (
            Decision(status=DecisionStatus.APPROVED, auto_approved=True),
            "Approved in the customer's favour because nobody answered in time; "
            "charged to the company goodwill budget. You're covered.",
            "Approved in the customer's favour because nobody answered in time; "
            "charged to the company goodwill budget. The agent is covered.",
        ),
        (
            Decision(status=DecisionStatus.APPROVED),
            "Approved and protected: charged to the company goodwill budget; "
            "nothing can be held against you.",
            "Approved and protected: charged to the company goodwill budget; "
            "nothing can be held against the agent.",
        ),
        (
            Decision(status=DecisionStatus.DECLINED),
            "Declined by a lead; nothing was spent. Asking was the right call.",
            "Declined by a lead; nothing was spent. The agent was right to ask.",
        ),
        (
            Decision(status=DecisionStatus.PENDING, escalated=True),
            "Escalated to the department's managers; no money moves until someone approves.",
            "Escalated to the department's managers; no money moves until someone approves.",
        ),
        (
            Decision(status=DecisionStatus.PENDING),
            "Sent to your lead for approval; no money moves until they approve.",
            "Waiting for a lead of the agent's team; no money moves until one approves.",
        ),
    ]
    for decision, agent, reviewer in cases:
        assert decision_summary(decision) == agent
        assert decision_summary(decision, voice=REVIEWER_VOICE) == reviewer
    with translation.override("es"):
        assert decision_summary(cases[0][0], voice=REVIEWER_VOICE) == (
            "Aprobada a favor del cliente porque nadie respondió a tiempo; se carga al presupuesto "
            "de buena voluntad de la empresa. El agente está cubierto."
        )
        assert decision_summary(cases[2][0], voice=REVIEWER_VOICE) == (
            "Rechazada por un líder; no se gastó nada. El agente hizo bien en preguntar."
        )
    with pytest.raises(ValueError, match="voice"):
        decision_summary(cases[1][0], voice="lead")


def test_a_bad_decision_id_is_not_found(client, world):
    client = login(client, world.admin)
    assert client.get("/decisions/not-a-uuid/").status_code == 404
    assert client.get("/decisions/00000000-0000-0000-0000-000000000000/").status_code == 404


# ---------------------------------------------------------------- console partials


def test_the_customer_card_shows_value_recent_gestures_and_caps_used(client, world):
    world.customer.predicted_clv = "3120.00"
    world.customer.probability_alive = 0.8
    world.customer.save()
    record(world, amount="25.00")
    html = login(client, world.agent).get(reverse("decisions:customer_card"), {"customer": "C-1001"}).content
    html = html.decode()
    assert 'data-clv="3120.00"' in html
    assert "$3,120.00" in html and "80.0%" in html
    assert "1 gesture" in html and "$25.00" in html


def test_the_budget_partial_shows_what_is_left_today(client, world):
    record(world, amount="25.00")
    html = login(client, world.agent).get(reverse("decisions:budget")).content.decode()
    assert "$175.00" in html and "$200.00" in html
