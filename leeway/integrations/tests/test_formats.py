"""Slack and Teams messages: their shapes, limits, escaping and language, delivered to a real receiver."""

import json

import pytest

from leeway.core.outbox import outbox_emit
from leeway.integrations.formats import SLACK_MAX_BLOCKS, SLACK_MAX_SECTION_CHARS, render_body, slack_escape
from leeway.integrations.services import delivery_round, webhook_endpoint_create


def celebration(**overrides) -> dict:
    payload = {
        "decision": "dec_123",
        "celebration": {
            "kind": "kudos",
            "agent": "Ana",
            "by": "Luis",
            "gesture": "Waive fee",
            "amount": "1234.50",
            "currency": "USD",
            "value_kept": "2400.00",
            "company_value": "Own the outcome",
            "award_period": None,
            "customer_words": "You saved my month, thank you!",
            "customer_first_name": "Marta",
            "path": "/recognition/decisions/dec_123/",
        },
    }
    payload["celebration"].update(overrides)
    return payload


def render(endpoint_format, data, *, topic="kudos.given", language="en"):
    body = render_body(
        endpoint_format=endpoint_format,
        topic=topic,
        timestamp="2026-11-02T09:00:00+00:00",
        data=data,
        organization_name="Aurora Utilities",
        language=language,
    )
    return json.loads(body)


def all_slack_text(body: dict) -> str:
    return json.dumps(body, ensure_ascii=False)


def test_a_slack_celebration_has_a_fallback_text_and_blocks():
    body = render("slack", celebration())
    assert body["text"] == "Luis gave kudos to Ana for an empowered decision"
    assert 1 <= len(body["blocks"]) <= SLACK_MAX_BLOCKS
    title, quote, context = body["blocks"]
    assert title == {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "*Luis gave kudos to Ana for an empowered decision*"},
    }
    assert quote["text"]["text"] == ">“You saved my month, thank you!” — Marta"
    details = context["elements"][0]["text"]
    assert "Waive fee: $1,234.50" in details
    assert "Customer value kept: $2,400.00" in details
    assert "Company value: Own the outcome" in details


def test_a_slack_message_links_to_leeway_when_its_address_is_known(settings):
    settings.LEEWAY_PUBLIC_URL = "https://leeway.example.com/"
    body = render("slack", celebration())
    assert body["blocks"][-1]["text"]["text"] == (
        "<https://leeway.example.com/recognition/decisions/dec_123/|Open in Leeway>"
    )


@pytest.mark.parametrize(
    "hostile", ["<!channel>", "<!here|here>", "@here", "@channel now", "<@U123>", "a & b"]
)
def test_no_text_can_ping_a_channel_or_inject_markup(hostile):
    body = render(
        "slack", celebration(agent=hostile, by=hostile, customer_words=hostile, company_value=hostile)
    )
    text = all_slack_text(body)
    assert "<!" not in text and "<@" not in text
    assert "@here" not in text and "@channel" not in text
    for block in body["blocks"]:
        section = block.get("text", {}).get("text", "") + "".join(
            element["text"] for element in block.get("elements", [])
        )
        assert "<" not in section.replace("<https://", "")
    assert "&lt;!channel&gt;" in slack_escape("<!channel>")
    assert slack_escape("a & b") == "a &amp; b"


def test_slack_sections_stay_within_the_limits():
    body = render("slack", celebration(customer_words="x" * 10_000, company_value="y" * 5000))
    assert len(body["blocks"]) <= SLACK_MAX_BLOCKS
    for block in body["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= SLACK_MAX_SECTION_CHARS
        for element in block.get("elements", []):
            assert len(element["text"]) <= SLACK_MAX_SECTION_CHARS
    assert len(body["text"]) <= 3000


def test_a_teams_celebration_is_an_adaptive_card_1_4():
    body = render("teams", celebration(kind="award", award_period="month"))
    assert body["type"] == "message"
    (attachment,) = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    texts = [block["text"] for block in card["body"]]
    assert texts[0] == "Ana made the empowered decision of the month"
    assert all(block["type"] == "TextBlock" and block["wrap"] for block in card["body"])
    assert "“You saved my month, thank you!” — Marta" in texts


def test_messages_are_in_the_organizations_language():
    slack = render("slack", celebration(kind="celebrated"), language="es")
    assert slack["text"] == "Luis celebró una decisión con autonomía de Ana"
    assert "Valor de cliente conservado: 2.400,00\xa0US$" in slack["blocks"][2]["elements"][0]["text"]
    teams = render("teams", celebration(kind="award", award_period="week"), language="es")
    assert (
        teams["attachments"][0]["content"]["body"][0]["text"]
        == "Ana tomó la decisión con autonomía de la semana"
    )


def test_other_topics_get_one_generic_line():
    body = render(
        "slack",
        {"id": "dec_9", "gesture": "waive_fee", "amount": "25.00", "currency": "USD"},
        topic="decision.approved",
    )
    assert body["text"] == "A decision was approved (Aurora Utilities)"
    assert "Reference: dec_9" in body["blocks"][1]["elements"][0]["text"]
    spanish = render("teams", {}, topic="policy.published", language="es")
    assert spanish["attachments"][0]["content"]["body"][0]["text"] == (
        "Se publicó una versión de la política (Aurora Utilities)"
    )


def test_the_standard_format_is_the_event_itself():
    assert render("standard", celebration()) == {
        "type": "kudos.given",
        "timestamp": "2026-11-02T09:00:00+00:00",
        "data": celebration(),
    }


def test_a_slack_endpoint_receives_the_message_in_the_organizations_language(db, casa_admin, receiver):
    webhook_endpoint_create(
        organization=casa_admin.organization,
        actor=casa_admin,
        url=receiver.url,
        topics=["kudos.given"],
        format="slack",
    )
    outbox_emit(
        organization_id=casa_admin.organization_id, topic="kudos.given", payload=celebration(agent="<!here>")
    )
    delivery_round()
    (body,) = receiver.bodies()
    assert body["text"] == "Luis felicitó a &lt;!here&gt; por una decisión con autonomía"
    assert receiver.requests[0]["headers"]["webhook-signature"].startswith("v1,")
