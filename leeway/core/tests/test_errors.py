import json

from leeway.core.models import AuditEntry
from leeway.people.models import ApiToken
from leeway.people.tests.helpers import assert_error


def test_healthz_answers_ok_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_malformed_json_is_a_400_envelope(api_client, db):
    response = api_client.post_json("/api/v1/auth/token", raw="{not json")
    assert_error(response, 400, "malformed_json")
    assert not ApiToken.objects.exists()


def test_a_json_array_body_is_a_400_envelope(api_client, db):
    assert_error(api_client.post_json("/api/v1/auth/token", raw="[1, 2]"), 400, "malformed_json")


def test_wrong_types_are_a_422_envelope_naming_the_field(api_client, db):
    response = api_client.post_json("/api/v1/auth/token", {"username": ["a"], "password": "x"})
    assert_error(response, 422, "invalid", field="username")


def test_a_missing_field_is_a_422_envelope(api_client, db):
    assert_error(
        api_client.post_json("/api/v1/auth/token", {"username": "a"}), 422, "invalid", field="password"
    )


def test_an_oversized_body_is_refused_before_parsing(api_client, db, settings):
    body = json.dumps({"username": "a" * (2 * 1024 * 1024), "password": "x"})
    assert_error(api_client.post_json("/api/v1/auth/token", raw=body), 413, "body_too_large")
    assert not AuditEntry.objects.exists()


def test_an_unknown_api_path_is_a_404_envelope(api_client, db):
    assert_error(api_client.get_json("/api/v1/no-such-thing"), 404, "not_found")


def test_the_openapi_document_lists_the_endpoints(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/me" in paths
    assert "/api/v1/auth/token" in paths


def test_error_messages_are_localized(api_client, db):
    response = api_client.post_json("/api/v1/auth/token", raw="{", headers={"Accept-Language": "es"})
    assert response.json()["error"]["message"] == "El cuerpo no es un objeto JSON válido."


def test_an_oversized_page_upload_gets_a_page_not_json(client, db, settings):
    settings.LEEWAY_MAX_UPLOAD_BYTES = 1000
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("big.csv", b"x" * 5000, content_type="text/csv")
    response = client.post("/customers/imports/", {"file": upload})
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "File too large" in response.content.decode()
