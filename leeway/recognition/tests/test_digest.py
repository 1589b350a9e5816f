"""The weekly digest through a real SMTP server (aiosmtpd, started by the test), in each member's language."""

import email
import socket
from datetime import timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.utils import timezone

from leeway.core.models import AuditEntry
from leeway.decisions.models import PeriodicJob
from leeway.recognition.digest import digest_send_all
from leeway.recognition.services import award_confirm, award_nominate, decision_celebrate, kudos_give
from leeway.recognition.tasks import DIGEST_JOB


class Inbox:
    """An SMTP handler keeping every message it receives."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def messages(self) -> list:
        return [email.message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "Leeway <leeway@example.org>"
    settings.LEEWAY_PUBLIC_URL = "https://leeway.example.org"
    yield inbox
    controller.stop()


@pytest.fixture
def busy_week(rw):
    for number, member in enumerate((rw.agent, rw.agent2, rw.lead), start=1):
        member.email = f"person{number}@example.org"
        member.save(update_fields=["email"])
    rw.agent2.language = "es"
    rw.agent2.save(update_fields=["language"])
    decision_celebrate(member=rw.lead, decision=rw.decision)
    kudos_give(member=rw.agent2, decision=rw.decision, company_value="own-it", points=5, message="Bravo <b>")
    award = award_nominate(member=rw.lead, decision=rw.decision, period="week")
    award_confirm(member=rw.manager, award=award)
    return rw


def body_of(message, kind: str) -> str:
    return message.get_body(preferencelist=(kind,)).get_content()


def test_each_member_gets_the_digest_in_their_language(busy_week, smtp):
    results = digest_send_all()
    assert {result.team: result.recipients for result in results if result.recipients} == {
        busy_week.agent.team.name: 3
    }
    messages = {message["To"]: message for message in smtp.messages()}
    assert set(messages) == {"person1@example.org", "person2@example.org", "person3@example.org"}
    english, spanish = messages["person1@example.org"], messages["person2@example.org"]
    team = busy_week.agent.team.name
    assert english["Subject"] == f"{team}: this week's celebrated decisions"
    assert spanish["Subject"] == f"{team}: las decisiones celebradas esta semana"
    text, html = body_of(english, "plain"), body_of(english, "html")
    assert "You saved my month" in text and "Byron" not in text
    assert "Empowered decision of the week" in text
    assert "1 decision cost $25.00 and kept customers worth $0.00." in text
    assert "Bravo <b>" in text and "Bravo &lt;b&gt;" in html  # plain text as it is, HTML escaped
    assert "https://leeway.example.org/recognition/?team=" in html
    spanish_text = body_of(spanish, "plain")
    assert "Lo que" in spanish_text and "Decisión empoderada de la semana" in spanish_text
    assert "Hazlo tuyo" in spanish_text
    assert AuditEntry.objects.filter(action="recognition.digest_sent").count() == 1


def test_a_quiet_week_sends_nothing(busy_week, smtp, time_machine):
    time_machine.move_to(timezone.now() + timedelta(days=8))
    assert all(result.recipients == 0 for result in digest_send_all())
    assert smtp.messages() == []


def test_the_command_sends_one_teams_digest(busy_week, smtp, capsys):
    call_command("recognition-digest", "--team", busy_week.agent.team.name)
    assert "3 sent" in capsys.readouterr().out
    assert len(smtp.messages()) == 3
    call_command("recognition-digest", "--team", busy_week.other_lead.team.name)
    assert len(smtp.messages()) == 3


def test_the_worker_sends_the_digest_once_a_week(busy_week, smtp, time_machine):
    call_command("worker", "--once", "--worker-id", "digest-worker")
    assert len(smtp.messages()) == 3
    job = PeriodicJob.objects.get(name=DIGEST_JOB)
    assert job.next_run_at - job.last_run_at == timedelta(days=7)
    call_command("worker", "--once", "--worker-id", "digest-worker")
    assert len(smtp.messages()) == 3  # not again before next week
    time_machine.move_to(timezone.now() + timedelta(days=7, minutes=1))
    call_command("worker", "--once", "--worker-id", "digest-worker")
    assert PeriodicJob.objects.get(name=DIGEST_JOB).last_run_at > job.last_run_at


@pytest.mark.django_db(transaction=True)  # the database worker closes its connection when done
def test_a_quiet_week_queues_no_digest(rw, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    call_command("worker", "--once", "--worker-id", "quiet-worker")
    assert not DBTaskResult.objects.filter(task_path__contains="recognition").exists()
    assert PeriodicJob.objects.filter(name=DIGEST_JOB).exists()
