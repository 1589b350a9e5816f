"""The weekly digest e-mail per team: what was celebrated, what it cost against the value it kept.

Each recipient gets it in their own language (text and HTML, Django's EmailMultiAlternatives); the
backend comes from settings (the console in the demo, SMTP from the environment).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from leeway.core.audit import audit_record
from leeway.people.models import Team
from leeway.recognition.selectors import digest_for, digest_recipients, teams_for_digest

DIGEST_DAYS = 7


@dataclass(frozen=True)
class DigestResult:
    team: str
    recipients: int
    items: int


def _is_empty(digest: dict) -> bool:
    return not (digest["celebrations"] or digest["kudos"] or digest["awards"])


def digest_send_team(*, team: Team, now: datetime | None = None, connection=None) -> DigestResult:
    """Send the team's digest of the last seven days to each of its members; nothing when nothing happened."""
    until = now or timezone.now()
    since = until - timedelta(days=DIGEST_DAYS)
    recipients = digest_recipients(team)
    first = digest_for(team, since=since, until=until, language=team.organization.default_language)
    items = len(first["celebrations"]) + len(first["kudos"]) + len(first["awards"])
    if _is_empty(first) or not recipients:
        return DigestResult(team=team.name, recipients=0, items=items)
    messages = []
    for member in recipients:
        language = member.language or team.organization.default_language
        digest = digest_for(team, since=since, until=until, language=language)
        context = {**digest, "member": member, "base_url": settings.LEEWAY_PUBLIC_URL}
        with translation.override(language):
            subject = _("%(team)s: this week's celebrated decisions") % {"team": team.name}
            text = render_to_string("recognition/email/digest.txt", context)
            html = render_to_string("recognition/email/digest.html", context)
        message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [member.email])
        message.attach_alternative(html, "text/html")
        messages.append(message)
    connection = connection or get_connection()
    sent = connection.send_messages(messages) or 0
    with transaction.atomic():
        audit_record(
            organization_id=team.organization_id,
            action="recognition.digest_sent",
            object_type="team",
            object_id=team.pk,
            data={"recipients": sent, "items": items, "since": since.isoformat(), "until": until.isoformat()},
        )
    return DigestResult(team=team.name, recipients=sent, items=items)


def digest_send_all(*, now: datetime | None = None, team_ids: list[int] | None = None) -> list[DigestResult]:
    """Every team's digest (or these teams'), over one SMTP connection."""
    connection = get_connection()
    connection.open()
    try:
        return [
            digest_send_team(team=team, now=now, connection=connection)
            for team in teams_for_digest(team_ids=team_ids)
        ]
    finally:
        connection.close()
