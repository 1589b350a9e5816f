"""The webhooks API: admins only, tenant-scoped, bad URLs and topics refused with nothing stored."""

import pytest
from standardwebhooks import Webhook

from leeway.core.models import AuditEntry
from leeway.core.outbox import outbox_emit
from leeway.integrations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from leeway.integrations.services import delivery_round, webhook_endpoint_create
from leeway.people.tests.helpers import assert_error

URL = "/api/v1/webhooks"
PUBLIC = "https://93.184.215.14/hooks/leeway"  # a public address literal: no DNS needed in tests


@pytest.fixture
def admin_client(api_client, aurora_admin):
    api_client.authenticate(aurora_admin)
    return api_client


def _endpoint(admin, url=PUBLIC, topics=("decision.approved",)):
    return webhook_endpoint_create(organization=admin.organization, actor=admin, url=url, topics=list(topics))


def test_an_admin_adds_a_webhook_and_sees_its_secret_once(admin_client, aurora_admin):
    response = admin_client.post_json(
        URL, {"url": PUBLIC, "topics": ["decision.approved", "kudos.given"], "format": "slack"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "url", "topics", "format", "secret"}
    assert body["url"] == PUBLIC and body["format"] == "slack"
    assert body["topics"] == ["decision.approved", "kudos.given"]
    assert body["secret"].startswith("whsec_")
    Webhook(body["secret"])  # a secret the Standard Webhooks library accepts
    endpoint = WebhookEndpoint.objects.get(pk=body["id"])
    assert endpoint.organization_id == aurora_admin.organization_id and endpoint.active
    assert AuditEntry.objects.filter(action="webhook.created", object_id=str(endpoint.pk)).exists()

    listed = admin_client.get_json(URL).json()
    assert [item["id"] for item in listed] == [endpoint.pk]
    assert "secret" not in listed[0]
    assert listed[0]["active"] is True


def test_the_format_defaults_to_standard(admin_client):
    response = admin_client.post_json(URL, {"url": PUBLIC, "topics": ["decision.approved"]})
    assert response.status_code == 201
    assert response.json()["format"] == "standard"


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://93.184.215.14/x", "invalid_url"),
        ("javascript:alert(1)", "invalid_url"),
        ("not a url", "invalid_url"),
        ("https://", "invalid_url"),
        ("https://93.184.215.14:99999/x", "invalid_url"),
        ("http://127.0.0.1:8000/hook", "address_not_allowed"),
        ("http://localhost/hook", "address_not_allowed"),
        ("http://127.1/hook", "address_not_allowed"),
        ("http://2130706433/hook", "address_not_allowed"),
        ("http://10.1.2.3/hook", "address_not_allowed"),
        ("http://192.168.0.10/hook", "address_not_allowed"),
        ("http://172.16.5.4/hook", "address_not_allowed"),
        ("http://169.254.169.254/latest/meta-data/", "address_not_allowed"),
        ("http://[::1]/hook", "address_not_allowed"),
        ("http://[fe80::1]/hook", "address_not_allowed"),
        ("http://[::ffff:127.0.0.1]/hook", "address_not_allowed"),
        ("http://0.0.0.0/hook", "address_not_allowed"),
        ("https://" + "a" * 2000 + ".example/", "invalid_url"),
    ],
)
def test_bad_or_internal_urls_are_refused_and_nothing_is_stored(admin_client, settings, url, code):
    settings.LEEWAY_WEBHOOKS_ALLOW_PRIVATE = False
    response = admin_client.post_json(URL, {"url": url, "topics": ["decision.approved"]})
    assert_error(response, 422, code, "url")
    assert not WebhookEndpoint.objects.exists()


def test_private_addresses_are_allowed_when_the_setting_says_so(admin_client, settings):
    settings.LEEWAY_WEBHOOKS_ALLOW_PRIVATE = True
    response = admin_client.post_json(
        URL, {"url": "http://127.0.0.1:9/hook", "topics": ["decision.approved"]}
    )
    assert response.status_code == 201


def test_the_refusal_is_in_the_callers_language(admin_client, settings):
    settings.LEEWAY_WEBHOOKS_ALLOW_PRIVATE = False
    response = admin_client.post_json(
        URL, {"url": "http://10.0.0.1/", "topics": ["decision.approved"]}, headers={"Accept-Language": "es"}
    )
    error = assert_error(response, 422, "address_not_allowed", "url")
    assert "direcciones públicas" in error["message"]


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"url": PUBLIC, "topics": ["decision.exploded"]}, "unknown_topic", "topics"),
        ({"url": PUBLIC, "topics": []}, "invalid_topics", "topics"),
        ({"url": PUBLIC, "topics": ["<script>alert(1)</script>"]}, "unknown_topic", "topics"),
        ({"url": PUBLIC, "topics": ["decision.approved"], "format": "fax"}, "invalid_format", "format"),
        ({"url": PUBLIC}, "invalid", "topics"),
        ({"url": PUBLIC, "topics": ["decision.approved"], "secret": "mine"}, "invalid", "secret"),
    ],
)
def test_unknown_topics_and_formats_are_refused(admin_client, body, code, field):
    assert_error(admin_client.post_json(URL, body), 422, code, field)
    assert not WebhookEndpoint.objects.exists()


def test_broken_json_is_a_400(admin_client):
    assert_error(admin_client.post_json(URL, raw="{nope"), 400, "malformed_json")


def test_webhooks_need_authentication(client, aurora_admin):
    endpoint = _endpoint(aurora_admin)
    assert_error(client.get(URL), 401, "not_authenticated")
    assert_error(client.post(URL, "{}", content_type="application/json"), 401)
    assert_error(client.delete(f"{URL}/{endpoint.pk}"), 401)
    assert_error(client.get(f"{URL}/{endpoint.pk}/deliveries"), 401)
    assert_error(client.post(f"{URL}/{endpoint.pk}/deliveries/1/redeliver"), 401)


def test_other_roles_are_forbidden(api_client, aurora_admin, aurora_agent):
    endpoint = _endpoint(aurora_admin)
    api_client.authenticate(aurora_agent)
    assert_error(api_client.get_json(URL), 403, "forbidden")
    assert_error(api_client.post_json(URL, {"url": PUBLIC, "topics": ["decision.approved"]}), 403)
    assert_error(api_client.delete(f"{URL}/{endpoint.pk}", headers=api_client._headers(None)), 403)
    assert_error(api_client.get_json(f"{URL}/{endpoint.pk}/deliveries"), 403)
    assert_error(api_client.post_json(f"{URL}/{endpoint.pk}/deliveries/1/redeliver"), 403)
    assert WebhookEndpoint.objects.count() == 1


def test_another_organizations_webhooks_are_not_found(admin_client, casa_admin, receiver):
    theirs = _endpoint(casa_admin, url=receiver.url)
    outbox_emit(organization_id=casa_admin.organization_id, topic="decision.approved", payload={"id": "X"})
    delivery_round()
    delivery = WebhookDelivery.objects.get()

    assert admin_client.get_json(URL).json() == []
    assert_error(admin_client.get_json(f"{URL}/{theirs.pk}/deliveries"), 404, "not_found")
    assert_error(admin_client.post_json(f"{URL}/{theirs.pk}/deliveries/{delivery.pk}/redeliver"), 404)
    assert_error(admin_client.delete(f"{URL}/{theirs.pk}", headers=admin_client._headers(None)), 404)
    assert WebhookEndpoint.objects.filter(pk=theirs.pk).exists()


def test_a_delivery_of_another_endpoint_is_not_found(admin_client, aurora_admin, casa_admin, receiver):
    mine = _endpoint(aurora_admin)
    _endpoint(casa_admin, url=receiver.url)
    outbox_emit(organization_id=casa_admin.organization_id, topic="decision.approved", payload={"id": "X"})
    delivery_round()
    theirs = WebhookDelivery.objects.get()
    assert_error(admin_client.post_json(f"{URL}/{mine.pk}/deliveries/{theirs.pk}/redeliver"), 404)


def test_an_admin_reads_the_delivery_log_and_redelivers(admin_client, aurora_admin, receiver):
    endpoint = _endpoint(aurora_admin, url=receiver.url)
    for number in range(3):
        outbox_emit(
            organization_id=aurora_admin.organization_id, topic="decision.approved", payload={"n": number}
        )
    receiver.answers = [200, 200, 500]
    delivery_round()

    page = admin_client.get_json(f"{URL}/{endpoint.pk}/deliveries").json()
    assert page["count"] == 3 and page["limit"] == 50 and page["offset"] == 0
    newest, *_older = page["items"]
    assert newest["status"] == "pending" and newest["last_status_code"] == 500 and newest["attempts"] == 1
    assert newest["webhook_id"].startswith("msg_")
    assert [(a["status_code"], a["error"]) for a in newest["attempt_log"]] == [(500, "")]
    assert [item["status"] for item in page["items"]] == ["pending", "delivered", "delivered"]
    failed_only = admin_client.get_json(f"{URL}/{endpoint.pk}/deliveries", status="delivered").json()
    assert failed_only["count"] == 2
    assert_error(admin_client.get_json(f"{URL}/{endpoint.pk}/deliveries", status="lost"), 422, field="status")
    assert_error(admin_client.get_json(f"{URL}/{endpoint.pk}/deliveries", limit="1000"), 422, field="limit")

    delivered = page["items"][-1]
    response = admin_client.post_json(f"{URL}/{endpoint.pk}/deliveries/{delivered['id']}/redeliver")
    assert response.status_code == 202
    assert response.json()["status"] == DeliveryStatus.PENDING


def test_an_admin_removes_a_webhook_and_its_log(admin_client, aurora_admin):
    endpoint = _endpoint(aurora_admin)
    response = admin_client.delete(f"{URL}/{endpoint.pk}", headers=admin_client._headers(None))
    assert response.status_code == 204
    assert not WebhookEndpoint.objects.exists()
    assert AuditEntry.objects.filter(action="webhook.deleted").exists()


def test_the_openapi_document_declares_every_status_with_the_error_envelope(admin_client):
    document = admin_client.get("/api/v1/openapi.json").json()
    operations = {
        ("post", "/api/v1/webhooks"): {"201", "401", "403", "422"},
        ("get", "/api/v1/webhooks"): {"200", "401", "403"},
        ("delete", "/api/v1/webhooks/{webhook_id}"): {"204", "401", "403", "404"},
        ("get", "/api/v1/webhooks/{webhook_id}/deliveries"): {"200", "401", "403", "404", "422"},
        ("post", "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"): {
            "202",
            "401",
            "403",
            "404",
        },
    }
    for (method, path), statuses in operations.items():
        responses = document["paths"][path][method]["responses"]
        assert statuses <= set(responses), (method, path, set(responses))
        schema = responses["404" if "404" in statuses else "403"]["content"]["application/json"]["schema"]
        assert schema["$ref"].endswith("/ErrorOut")
