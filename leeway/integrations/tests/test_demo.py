"""The demo's webhooks: a history on the page, nothing sent anywhere, loaded once."""

from django.urls import reverse

from leeway.integrations import demo
from leeway.integrations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from leeway.integrations.services import delivery_round
from leeway.people import demo as people_demo
from leeway.people.models import Member


def test_the_demo_has_weeks_of_deliveries_and_loads_once(db, client):
    people_demo.load()
    assert demo.load().startswith("2 webhooks")
    count = WebhookDelivery.objects.count()
    assert count > 60
    assert demo.load() == "already loaded"
    assert WebhookDelivery.objects.count() == count
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == set(DeliveryStatus.values)
    assert not WebhookEndpoint.objects.filter(active=True).exists()
    crm = WebhookEndpoint.objects.get(url=demo.CRM_URL)
    assert crm.was_auto_disabled
    # Every try behind a delivery's count is in its log, the latest last.
    for delivery in WebhookDelivery.objects.prefetch_related("attempt_log"):
        log = list(delivery.attempt_log.all())
        assert len(log) == delivery.attempts
        if log:
            assert log[-1].attempted_at == delivery.last_attempt_at
            assert log[-1].status_code == delivery.last_status_code

    assert delivery_round()["delivered"] == 0  # both are off: the demo sends nothing out

    client.force_login(Member.objects.get(username="aurora-admin"))
    listing = client.get(reverse("integrations:webhooks")).content.decode()
    assert "Leeway turned off a webhook" in listing and demo.SLACK_URL in listing
    detail = client.get(reverse("integrations:webhook", args=[crm.pk])).content.decode()
    assert "503" in detail and "Redeliver" in detail
