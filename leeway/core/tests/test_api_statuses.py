"""The OpenAPI document declares every status each operation can answer, with the error envelope.

The first test reads the document and derives what each operation must declare from what its handler
is: authenticated (401), taking an object's id in the path (404), reading a body (400, 413),
changing state with the session's CSRF check (403), restricted to some roles (403), able to conflict
with the current state (409). Every operation can answer 422: any text input with a NUL character
is refused before the handler runs, and query parameters are validated. The second test calls every
operation in the ways it can fail and checks each answer is declared and is the envelope.
"""

import json

import pytest
from django.conf import settings

from leeway.alignment.models import Charter, Dispute, Feedback, PolicyProposal, Pulse
from leeway.integrations.models import WebhookDelivery
from leeway.people.models import Department, Member
from leeway.people.services import token_create
from leeway.recognition.models import Award, CompanyValue
from leeway.training.models import Attempt, Module, TierProposal

API = "/api/v1"
UNSAFE = {"post", "put", "patch", "delete"}
# Operations some roles may not use, with a demo member whose role is refused.
ROLE_RESTRICTED = {
    ("post", "/decisions/preview"): "aurora-trainer",
    ("post", "/decisions"): "aurora-trainer",
    ("post", "/decisions/{decision_id}/approve"): "aurora-agent",
    ("post", "/decisions/{decision_id}/decline"): "aurora-agent",
    ("get", "/members"): "aurora-agent",
    ("post", "/members"): "aurora-agent",
    ("get", "/members/{member_id}"): "aurora-agent",
    ("patch", "/members/{member_id}"): "aurora-agent",
    ("post", "/members/{member_id}/deactivate"): "aurora-agent",
    ("post", "/members/{member_id}/reactivate"): "aurora-agent",
    ("post", "/members/{member_id}/invitation"): "aurora-agent",
    ("post", "/sites"): "aurora-agent",
    ("patch", "/sites/{site_id}"): "aurora-agent",
    ("post", "/departments"): "aurora-agent",
    ("patch", "/departments/{department_id}"): "aurora-agent",
    ("post", "/teams"): "aurora-agent",
    ("patch", "/teams/{team_id}"): "aurora-agent",
    ("post", "/customers"): "aurora-agent",
    ("get", "/customers"): "aurora-trainer",
    ("get", "/customers/{external_id}"): "aurora-trainer",
    ("post", "/customers/{external_id}/transactions"): "aurora-agent",
    ("post", "/outcomes"): "aurora-trainer",
    ("get", "/rates"): "aurora-agent",
    ("put", "/rates/{currency}"): "aurora-agent",
    # Alignment
    ("post", "/departments/{department_id}/charters"): "aurora-agent",
    ("post", "/charters/{charter_id}/sign"): "aurora-agent",
    ("post", "/decisions/{decision_id}/feedback"): "aurora-agent",
    ("post", "/decisions/{decision_id}/concerns"): "aurora-agent",
    ("get", "/policy-proposals"): "aurora-agent",
    ("post", "/policy-proposals/{proposal_id}/answer"): "aurora-agent",
    ("post", "/decisions/{decision_id}/reverse"): "aurora-agent",
    ("post", "/decisions/{decision_id}/recharge"): "aurora-agent",
    ("post", "/feedback/{feedback_id}/disputes"): "aurora-manager",  # only the agent who received it
    ("post", "/disputes/{dispute_id}/resolve"): "aurora-agent",
    ("get", "/backing"): "aurora-agent",
    ("get", "/backing/departments/{department_id}"): "aurora-agent",
    ("get", "/backing/members/{member_id}"): "aurora-agent",
    ("post", "/pulses/{pulse_id}/answers"): "aurora-trainer",  # sent to teams; a trainer has none
    ("get", "/pulses/{pulse_id}/results"): "aurora-agent",
    # Recognition
    ("post", "/recognition/values"): "aurora-agent",
    ("patch", "/recognition/values/{value_id}"): "aurora-agent",
    ("post", "/decisions/{decision_id}/kudos"): "aurora-trainer",
    ("post", "/decisions/{decision_id}/celebrate"): "aurora-trainer",
    ("post", "/decisions/{decision_id}/award-nominations"): "aurora-agent",
    ("post", "/recognition/awards/{award_id}/confirm"): "aurora-agent",
    ("get", "/recognition/stats"): "aurora-agent",
    # Training
    ("post", "/training/modules"): "aurora-agent",
    ("patch", "/training/modules/{module_id}"): "aurora-agent",
    ("post", "/training/modules/{module_id}/attempts"): "aurora-trainer",
    ("post", "/training/modules/{module_id}/waivers"): "aurora-agent",
    ("get", "/training/tier-proposals"): "aurora-agent",
    ("post", "/training/tier-proposals/{tier_proposal_id}/confirm"): "aurora-agent",
    ("post", "/training/tier-proposals/{tier_proposal_id}/dismiss"): "aurora-agent",
    ("get", "/training/xapi/statements"): "aurora-agent",
    # Integrations (admins only)
    ("post", "/webhooks"): "aurora-agent",
    ("get", "/webhooks"): "aurora-agent",
    ("delete", "/webhooks/{webhook_id}"): "aurora-agent",
    ("get", "/webhooks/{webhook_id}/deliveries"): "aurora-agent",
    ("post", "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"): "aurora-agent",
    # Insights
    ("post", "/interactions"): "aurora-agent",
    ("get", "/interactions"): "aurora-agent",
    ("get", "/insights/roi"): "aurora-agent",
    # Reports
    ("get", "/reports/whatif"): "aurora-agent",
    ("get", "/reports/dashboard"): "aurora-agent",
}
# Operations that can conflict with the current state (their descriptions say when).
CONFLICTING = {
    ("post", "/decisions/preview"),  # no published policy yet
    ("post", "/decisions"),  # no policy; Idempotency-Key reused with another body
    ("post", "/decisions/{decision_id}/approve"),  # already decided; a hard budget cap
    ("post", "/decisions/{decision_id}/decline"),
    ("patch", "/members/{member_id}"),  # the last admin
    ("post", "/members/{member_id}/deactivate"),
    ("post", "/members/{member_id}/invitation"),  # a deactivated member
    ("post", "/charters/{charter_id}/sign"),  # superseded; already signed
    ("post", "/policy-proposals/{proposal_id}/answer"),  # already answered
    ("post", "/decisions/{decision_id}/reverse"),  # always: approved decisions are final
    ("post", "/decisions/{decision_id}/recharge"),  # always: no cost is charged to a person
    ("post", "/feedback/{feedback_id}/disputes"),  # already disputed
    ("post", "/disputes/{dispute_id}/resolve"),  # already resolved
    ("post", "/pulses/{pulse_id}/answers"),  # not open; already answered
    ("post", "/recognition/values"),  # the code is taken
    ("post", "/decisions/{decision_id}/kudos"),  # not approved; already given
    ("post", "/decisions/{decision_id}/celebrate"),  # not protected; already celebrated
    ("post", "/decisions/{decision_id}/award-nominations"),  # not protected; already nominated
    ("post", "/recognition/awards/{award_id}/confirm"),  # already confirmed; the period is taken
    ("post", "/interactions"),  # the reference is recorded with other details
    ("post", "/training/modules/{module_id}/attempts"),  # no policy; no questions under it
    ("post", "/training/attempts/{attempt_id}/answers"),  # already submitted
    ("post", "/training/tier-proposals/{tier_proposal_id}/confirm"),  # already answered; tier held
    ("post", "/training/tier-proposals/{tier_proposal_id}/dismiss"),  # already answered
}
# Operations that exist only to refuse (the reversal guard): they declare no success at all.
ALWAYS_REFUSED = {("post", "/decisions/{decision_id}/reverse"), ("post", "/decisions/{decision_id}/recharge")}
THROTTLED = {("post", "/auth/token")}
# Bodies valid enough to reach the role check of handlers that read the body first.
VALID_BODIES = {
    ("put", "/rates/{currency}"): {"rate": "1.10"},
    ("post", "/decisions/{decision_id}/decline"): {"reason": "Not this time."},
    ("post", "/decisions"): {
        "customer": "C-1001",
        "gesture": "waive_fee",
        "amount": "10.00",
        "currency": "USD",
        "reason": "billing_error",
    },
}
VALID_BODIES[("post", "/decisions/preview")] = VALID_BODIES[("post", "/decisions")]
VALID_BODIES |= {
    ("post", "/departments/{department_id}/charters"): {
        "texts": {"en": {"title": "Ours", "text": "We back."}}
    },
    ("post", "/decisions/{decision_id}/feedback"): {"kind": "praise", "message": "Well done."},
    ("post", "/decisions/{decision_id}/concerns"): {"text": "The policy is too tight."},
    ("post", "/policy-proposals/{proposal_id}/answer"): {"status": "adopted", "answer": "Taken in."},
    ("post", "/feedback/{feedback_id}/disputes"): {"comment": "I disagree."},
    ("post", "/disputes/{dispute_id}/resolve"): {"outcome": "rejected", "reason": "It stands."},
    ("post", "/pulses/{pulse_id}/answers"): {
        "scores": {"negative_feedback": 3, "losing_job": 3, "paying": 3, "held_against": 3}
    },
    ("post", "/recognition/values"): {"code": "be-kind", "names": {"en": "Be kind"}},
    ("post", "/decisions/{decision_id}/kudos"): {"value": "own-it"},
    ("post", "/decisions/{decision_id}/award-nominations"): {"period": "week"},
    ("post", "/interactions"): {
        "external_ref": "CALL-STATUS-1",
        "customer": "C-1001",
        "channel": "phone",
        "category": "billing_error",
        "occurred_at": "2025-03-01T14:30:00Z",
    },
    ("post", "/training/modules"): {"tier": "starter", "texts": {"en": {"title": "T"}}},
    ("post", "/training/modules/{module_id}/waivers"): {"member": "aurora-agente"},
}
ID_PARAMETERS = ("_id", "external_id")


def _operations(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield method, path.removeprefix(API), operation


def expected_statuses(method: str, path: str, operation: dict) -> set[int]:
    """The error statuses an operation can answer, from what its handler is."""
    expected = {422}
    authenticated = bool(operation.get("security"))
    if authenticated:
        expected.add(401)
    if any(
        parameter["in"] == "path" and parameter["name"].endswith(ID_PARAMETERS)
        for parameter in operation.get("parameters", [])
    ):
        expected.add(404)
    if "requestBody" in operation:
        expected |= {400, 413}
    if (authenticated and method in UNSAFE) or (method, path) in ROLE_RESTRICTED:
        expected.add(403)
    if (method, path) in CONFLICTING:
        expected.add(409)
    if (method, path) in THROTTLED:
        expected |= {401, 429}
    if (method, path) == ("post", "/outcomes"):
        expected.add(404)  # the decision it names is not one of the organization's
    return expected


@pytest.fixture
def document(client, db):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_every_operation_declares_the_error_statuses_it_can_answer(document):
    wrong = {}
    for method, path, operation in _operations(document):
        declared = {int(status) for status in operation["responses"] if int(status) >= 400}
        expected = expected_statuses(method, path, operation)
        if declared != expected:
            wrong[f"{method.upper()} {path}"] = {
                "missing": sorted(expected - declared),
                "not answered": sorted(declared - expected),
            }
    assert wrong == {}
    assert {(method, path) for method, path, _op in _operations(document)} >= set(ROLE_RESTRICTED)


def test_every_error_status_has_the_envelope_schema(document):
    envelope = document["components"]["schemas"]["ErrorOut"]
    assert envelope["required"] == ["error"]
    detail = document["components"]["schemas"]["ErrorDetail"]
    assert set(detail["required"]) == {"code", "message", "field"}
    for method, path, operation in _operations(document):
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path, status)


def test_the_success_statuses_are_declared_too(document):
    for method, path, operation in _operations(document):
        successes = [int(status) for status in operation["responses"] if int(status) < 400]
        if (method, path) in ALWAYS_REFUSED:
            assert successes == [] and "409" in operation["responses"], (method, path)
        else:
            assert successes, (method, path)


# --- Calling every operation the ways it can fail --------------------------------------------------


def _concrete(path: str, values: dict) -> str:
    for name, value in values.items():
        path = path.replace("{" + name + "}", str(value))
    return f"{API}{path}"


def _call(client, method, url, *, token=None, body=None, raw=None, query=""):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = raw if raw is not None else (json.dumps(body) if body is not None else None)
    kwargs = {"headers": headers}
    if data is not None:
        kwargs |= {"data": data, "content_type": "application/json"}
    return getattr(client, method)(url + query, **kwargs)


def _token(username: str) -> str:
    return token_create(member=Member.objects.get(username=username))[1]


def _demo_pk(model, organization) -> int:
    """One of the demo organization's objects, so a refused role meets its role check, not a 404."""
    return model.objects.filter(organization=organization).earliest("pk").pk


def test_every_operation_answers_only_statuses_it_declares(client, demo):
    document = client.get(f"{API}/openapi.json").json()
    tokens = {name: _token(name) for name in {"aurora-admin", *ROLE_RESTRICTED.values()}}
    admin = tokens["aurora-admin"]
    recorded = _call(
        client,
        "post",
        f"{API}/decisions",
        token=tokens["aurora-agent"],
        body=VALID_BODIES[("post", "/decisions")],
    )
    assert recorded.status_code == 201, recorded.content
    unknown = {
        "decision_id": "00000000-0000-0000-0000-000000000000",
        "member_id": 999_999_999,
        "site_id": 999_999_999,
        "department_id": 999_999_999,
        "team_id": 999_999_999,
        "external_id": "C-NOBODY",
        "currency": "EUR",
        "attempt_id": "00000000-0000-0000-0000-000000000000",
        **dict.fromkeys(
            (
                "charter_id",
                "proposal_id",
                "feedback_id",
                "dispute_id",
                "pulse_id",
                "value_id",
                "award_id",
                "webhook_id",
                "delivery_id",
                "module_id",
                "tier_proposal_id",
            ),
            999_999_999,
        ),
    }
    aurora = demo["aurora"]
    delivery = WebhookDelivery.objects.filter(organization=aurora).earliest("pk")
    real = {
        **unknown,
        "decision_id": recorded.json()["id"],
        "member_id": Member.objects.get(username="aurora-agent").pk,
        "external_id": "C-1001",
        "department_id": _demo_pk(Department, aurora),
        "charter_id": _demo_pk(Charter, aurora),
        "proposal_id": _demo_pk(PolicyProposal, aurora),
        "feedback_id": _demo_pk(Feedback, aurora),
        "dispute_id": _demo_pk(Dispute, aurora),
        "pulse_id": _demo_pk(Pulse, aurora),
        "value_id": _demo_pk(CompanyValue, aurora),
        "award_id": _demo_pk(Award, aurora),
        "webhook_id": delivery.endpoint_id,
        "delivery_id": delivery.pk,
        "module_id": _demo_pk(Module, aurora),
        "attempt_id": Attempt.objects.filter(organization=aurora).earliest("pk").public_id,
        "tier_proposal_id": _demo_pk(TierProposal, aurora),
    }
    answered = {}
    undeclared = []
    for method, path, operation in _operations(document):
        declared = {int(status) for status in operation["responses"]}
        has_body = "requestBody" in operation
        calls = [("NUL in the query", admin, {}, None, "?q=%00")]
        if operation.get("security"):
            calls.append(("no credentials", None, {}, None, ""))
        if has_body:
            calls.append(("malformed JSON", admin, {}, "{", ""))
            calls.append(("empty object", admin, {}, "{}", ""))
            calls.append(("too large", admin, {}, " " * (settings.LEEWAY_MAX_BODY_BYTES + 1), ""))
        if 404 in declared and "{" in path:
            calls.append(("unknown id", admin, {}, "{}" if has_body else None, ""))
        if (method, path) in ROLE_RESTRICTED:
            refused = tokens[ROLE_RESTRICTED[(method, path)]]
            body = json.dumps(VALID_BODIES.get((method, path), {})) if has_body else None
            calls.append(("refused role", refused, real, body, ""))
        for label, token, values, raw, query in calls:
            url = _concrete(path, values or unknown)
            response = _call(client, method, url, token=token, raw=raw, query=query)
            status = response.status_code
            answered.setdefault(f"{method.upper()} {path}", set()).add(status)
            if status not in declared:
                undeclared.append((method.upper(), path, label, status, response.content[:200]))
            elif status >= 400:
                body = response.json()
                assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field"}, body
    assert undeclared == []
    # The calls above do reach each status they aim at (not only statuses that happen to be declared).
    assert all(401 in statuses for op, statuses in answered.items() if op != "POST /auth/token")
    assert all(422 in statuses for statuses in answered.values())
    refused = {op for op, statuses in answered.items() if 403 in statuses}
    assert {f"{method.upper()} {path}" for method, path in ROLE_RESTRICTED} <= refused
