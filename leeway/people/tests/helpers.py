"""Test helpers for the HTTP API."""

import json

from django.test import Client

from leeway.people.services import token_create


class ApiClient(Client):
    """A test client that sends JSON and a bearer token."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.token = None

    def authenticate(self, member) -> str:
        _token, raw = token_create(member=member)
        self.token = raw
        return raw

    def _headers(self, headers):
        headers = dict(headers or {})
        if self.token and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def get_json(self, path, *, headers=None, **params):
        return self.get(path, params or None, headers=self._headers(headers))

    def post_json(self, path, data=None, *, headers=None, raw: str | bytes | None = None):
        body = raw if raw is not None else json.dumps(data if data is not None else {})
        return self.post(path, body, content_type="application/json", headers=self._headers(headers))


def assert_error(response, status: int, code: str | None = None, field: str | None = None) -> dict:
    """The response is the error envelope with this status (and code/field when given)."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "field"}, body
    assert body["error"]["message"], body
    if code is not None:
        assert body["error"]["code"] == code, body
    if field is not None:
        assert body["error"]["field"] == field, body
    return body["error"]
