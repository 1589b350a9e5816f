"""The Webhooks pages: admins add (secret shown once), turn on/off, remove, read the log, redeliver."""

import datetime as dt

import pytest
from django.urls import reverse

from leeway.core.outbox import outbox_emit
from leeway.integrations.delivery import BACKOFF
from leeway.integrations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from leeway.integrations.services import delivery_round, webhook_endpoint_create

LIST = reverse("integrations:webhooks")


@pytest.fixture
def admin_page(client, aurora_admin):
    client.force_login(aurora_admin)
    return client


def _endpoint(admin, url):
    return webhook_endpoint_create(
        organization=admin.organization, actor=admin, url=url, topics=["decision.approved"]
    )


def test_admins_find_webhooks_in_the_navigation(admin_page):
    page = admin_page.get(LIST)
    assert page.status_code == 200
    assert f'href="{LIST}"' in page.content.decode()


def test_an_admin_adds_a_webhook_and_sees_the_secret_only_once(admin_page, aurora_admin, receiver):
    response = admin_page.post(
        LIST, {"url": receiver.url, "format": "slack", "topics": ["decision.approved", "kudos.given"]}
    )
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "integrations:webhook", args=[endpoint.pk]
    )
    assert endpoint.format == "slack" and endpoint.topics == ["decision.approved", "kudos.given"]
    first = admin_page.get(response["Location"]).content.decode()
    assert endpoint.secret in first
    again = admin_page.get(response["Location"]).content.decode()
    assert endpoint.secret not in again
    assert endpoint.secret not in admin_page.get(LIST).content.decode()


def test_a_private_url_is_refused_on_the_page_with_nothing_stored(admin_page, settings):
    settings.LEEWAY_WEBHOOKS_ALLOW_PRIVATE = False
    response = admin_page.post(
        LIST, {"url": "http://169.254.169.254/", "format": "standard", "topics": ["decision.approved"]}
    )
    assert response.status_code == 422
    assert "public addresses" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_the_page_speaks_spanish(client, casa_admin, settings):
    settings.LEEWAY_WEBHOOKS_ALLOW_PRIVATE = False
    client.force_login(casa_admin)
    response = client.post(
        LIST, {"url": "ftp://x.example/", "format": "standard", "topics": ["decision.approved"]}
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "Solo las URL http:// y https:// pueden recibir webhooks." in text
    assert "Añadir un webhook" in text


def test_the_log_shows_status_time_and_answer_and_redelivers(admin_page, aurora_admin, receiver):
    endpoint = _endpoint(aurora_admin, receiver.url)
    outbox_emit(
        organization_id=aurora_admin.organization_id, topic="decision.approved", payload={"id": "D-1"}
    )
    delivery_round()
    delivery = WebhookDelivery.objects.get()
    page = admin_page.get(reverse("integrations:webhook", args=[endpoint.pk])).content.decode()
    assert (
        delivery.webhook_id in page
        and "Delivered" in page
        and "200" in page
        and "{&quot;ok&quot;: true}" in page
    )

    response = admin_page.post(reverse("integrations:webhook_redeliver", args=[endpoint.pk, delivery.pk]))
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    delivery_round()
    assert len(receiver.requests) == 2
    # Both tries are in the log, the first one's answer too.
    page = admin_page.get(reverse("integrations:webhook", args=[endpoint.pk])).content.decode()
    assert "Every attempt (2)" in page and page.count("<strong>200</strong>") == 3


def test_an_admin_turns_a_webhook_off_and_on_and_removes_it(admin_page, aurora_admin, receiver):
    endpoint = _endpoint(aurora_admin, receiver.url)
    admin_page.post(reverse("integrations:webhook_active", args=[endpoint.pk]), {"active": "false"})
    endpoint.refresh_from_db()
    assert not endpoint.active and not endpoint.was_auto_disabled
    admin_page.post(reverse("integrations:webhook_active", args=[endpoint.pk]), {"active": "true"})
    endpoint.refresh_from_db()
    assert endpoint.active
    response = admin_page.post(reverse("integrations:webhook_delete", args=[endpoint.pk]))
    assert response.status_code == 302 and not WebhookEndpoint.objects.exists()


def test_an_auto_disabled_webhook_shows_a_notice(admin_page, aurora_admin, receiver, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC), tick=False)
    endpoint = _endpoint(aurora_admin, receiver.url)
    outbox_emit(organization_id=aurora_admin.organization_id, topic="decision.approved", payload={})
    receiver.answers = [500] * (len(BACKOFF) + 1)
    for wait in [dt.timedelta(0), *BACKOFF]:
        time_machine.shift(wait)
        delivery_round()
    listing = admin_page.get(LIST).content.decode()
    assert "Leeway turned off a webhook" in listing and receiver.url in listing
    detail = admin_page.get(reverse("integrations:webhook", args=[endpoint.pk])).content.decode()
    assert "Leeway turned off this webhook" in detail and "Turn on" in detail


def test_other_roles_cannot_open_the_pages(client, aurora_admin, aurora_agent, receiver):
    endpoint = _endpoint(aurora_admin, receiver.url)
    assert client.get(LIST).status_code == 302  # to the login page
    client.force_login(aurora_agent)
    assert client.get(LIST).status_code == 403
    assert client.get(reverse("integrations:webhook", args=[endpoint.pk])).status_code == 403
    assert client.post(reverse("integrations:webhook_delete", args=[endpoint.pk])).status_code == 403
    assert WebhookEndpoint.objects.exists()
    assert f'href="{LIST}"' not in client.get(reverse("home"), follow=True).content.decode()


def test_another_organizations_webhook_is_not_found(admin_page, casa_admin, receiver):
    theirs = _endpoint(casa_admin, receiver.url)
    outbox_emit(organization_id=casa_admin.organization_id, topic="decision.approved", payload={})
    delivery_round()
    delivery = WebhookDelivery.objects.get()
    assert theirs.url not in admin_page.get(LIST).content.decode()
    assert admin_page.get(reverse("integrations:webhook", args=[theirs.pk])).status_code == 404
    assert (
        admin_page.post(
            reverse("integrations:webhook_active", args=[theirs.pk]), {"active": "false"}
        ).status_code
        == 404
    )
    assert admin_page.post(reverse("integrations:webhook_delete", args=[theirs.pk])).status_code == 404
    assert (
        admin_page.post(reverse("integrations:webhook_redeliver", args=[theirs.pk, delivery.pk])).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.active
