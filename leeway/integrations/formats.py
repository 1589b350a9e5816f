"""What a delivery's body is, per endpoint format: Standard Webhooks JSON, Slack Block Kit, a Teams card.

`standard` is API.md's `{"type", "timestamp", "data"}`. `slack` and `teams` are messages people read
in a channel, built in the organization's language from the `celebration` part of a payload (written
by the recognition app, see the shared interfaces) or, for other topics, one generic line. Every
text that came from people (names, the customer's words, company values) is escaped for the target
so it can neither ping a channel nor inject markup.
"""

import json
import re

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import translation
from django.utils.translation import gettext as _

from leeway.core.templatetags.leeway import money
from leeway.integrations.models import WebhookFormat
from leeway.integrations.topics import known_topics

SLACK_MAX_BLOCKS = 50
SLACK_MAX_SECTION_CHARS = 3000
SLACK_MAX_FALLBACK_CHARS = 3000
# What Slack turns into a mention of everyone even without <!…> syntax (older apps' link_names).
_SLACK_BROADCAST = re.compile(r"@(?=(here|channel|everyone)\b)", re.IGNORECASE)
_WORD_JOINER = "\u2060"


def standard_body(*, topic: str, timestamp: str, data: dict) -> dict:
    """API.md's delivery body."""
    return {"type": topic, "timestamp": timestamp, "data": data}


def encode(body: dict) -> bytes:
    """The exact bytes sent (and signed)."""
    return json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")).encode()


def slack_escape(text: str) -> str:
    """Slack's three control characters escaped, and no bare @here/@channel/@everyone left to ping."""
    text = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SLACK_BROADCAST.sub("@" + _WORD_JOINER, text)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _money(amount, currency: str | None) -> str:
    """As the pages show money, in the active language ("$1,234.50", "1234,50 US$")."""
    try:
        return money(amount, currency or "")
    except (ValueError, TypeError):
        return f"{amount} {currency or ''}".strip()


def _link(path) -> str | None:
    base = settings.LEEWAY_PUBLIC_URL
    if not base or not isinstance(path, str) or not path.startswith("/"):
        return None
    return base.rstrip("/") + path


class Message:
    """A message for people, in plain text: a title, lines of detail, an optional quote and link."""

    def __init__(self, *, title: str, lines: list[str], quote: str | None = None, link: str | None = None):
        self.title = title
        self.lines = lines
        self.quote = quote
        self.link = link


def _celebration_message(celebration: dict) -> Message:
    agent = str(celebration.get("agent") or _("an agent"))
    by = str(celebration.get("by") or _("a colleague"))
    kind = celebration.get("kind")
    if kind == "kudos":
        title = _("%(by)s gave kudos to %(agent)s for an empowered decision") % {"by": by, "agent": agent}
    elif kind == "award":
        if celebration.get("award_period") == "month":
            title = _("%(agent)s made the empowered decision of the month") % {"agent": agent}
        else:
            title = _("%(agent)s made the empowered decision of the week") % {"agent": agent}
    else:
        title = _("%(by)s celebrated an empowered decision by %(agent)s") % {"by": by, "agent": agent}
    lines = []
    if celebration.get("gesture"):
        lines.append(
            _("%(gesture)s: %(amount)s")
            % {
                "gesture": celebration["gesture"],
                "amount": _money(celebration.get("amount", "0"), celebration.get("currency")),
            }
        )
    if celebration.get("value_kept"):
        lines.append(
            _("Customer value kept: %(value)s")
            % {"value": _money(celebration["value_kept"], celebration.get("currency"))}
        )
    if celebration.get("company_value"):
        lines.append(_("Company value: %(value)s") % {"value": celebration["company_value"]})
    quote = None
    if celebration.get("customer_words"):
        words = str(celebration["customer_words"])
        first_name = celebration.get("customer_first_name")
        quote = (
            _("“%(words)s” — %(name)s") % {"words": words, "name": first_name}
            if first_name
            else _("“%(words)s”") % {"words": words}
        )
    return Message(title=title, lines=lines, quote=quote, link=_link(celebration.get("path")))


def _generic_message(topic: str, data: dict, organization_name: str) -> Message:
    description = known_topics().get(topic) or topic
    title = _("%(event)s (%(organization)s)") % {"event": description, "organization": organization_name}
    lines = []
    if isinstance(data, dict):
        if data.get("gesture") and data.get("amount") is not None:
            lines.append(
                _("%(gesture)s: %(amount)s")
                % {"gesture": data["gesture"], "amount": _money(data["amount"], data.get("currency"))}
            )
        if data.get("id"):
            lines.append(_("Reference: %(id)s") % {"id": data["id"]})
    return Message(title=title, lines=lines)


def message_for(*, topic: str, data: dict, organization_name: str) -> Message:
    """The people-readable message of one event (call inside the organization's language)."""
    celebration = data.get("celebration") if isinstance(data, dict) else None
    if isinstance(celebration, dict):
        return _celebration_message(celebration)
    return _generic_message(topic, data, organization_name)


def slack_body(message: Message) -> dict:
    """An incoming-webhook payload: `text` for notifications, `blocks` for the message itself."""
    title = slack_escape(message.title)
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": _clip(f"*{title}*", SLACK_MAX_SECTION_CHARS)}}
    ]
    if message.quote:
        quote = slack_escape(message.quote).replace("\n", "\n>")
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": _clip(f">{quote}", SLACK_MAX_SECTION_CHARS)},
            }
        )
    if message.lines:
        # A context block takes at most ten elements; one element with every line keeps it to one.
        details = "\n".join(slack_escape(line) for line in message.lines)
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": _clip(details, SLACK_MAX_SECTION_CHARS)}],
            }
        )
    if message.link:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"<{message.link}|{slack_escape(_('Open in Leeway'))}>"},
            }
        )
    return {"text": _clip(title, SLACK_MAX_FALLBACK_CHARS), "blocks": blocks[:SLACK_MAX_BLOCKS]}


def teams_body(message: Message) -> dict:
    """A Teams Workflows webhook message: one Adaptive Card 1.4 attachment."""
    body = [{"type": "TextBlock", "text": message.title, "wrap": True, "weight": "Bolder", "size": "Medium"}]
    if message.quote:
        body.append(
            {"type": "TextBlock", "text": message.quote, "wrap": True, "isSubtle": True, "style": "default"}
        )
    for line in message.lines:
        body.append({"type": "TextBlock", "text": line, "wrap": True, "spacing": "Small"})
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if message.link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": _("Open in Leeway"), "url": message.link}]
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }


def render_body(
    *, endpoint_format: str, topic: str, timestamp: str, data: dict, organization_name: str, language: str
) -> bytes:
    """The bytes to POST for one event to an endpoint of this format."""
    if endpoint_format == WebhookFormat.STANDARD:
        return encode(standard_body(topic=topic, timestamp=timestamp, data=data))
    with translation.override(language):
        message = message_for(topic=topic, data=data, organization_name=organization_name)
        body = slack_body(message) if endpoint_format == WebhookFormat.SLACK else teams_body(message)
    return encode(body)
