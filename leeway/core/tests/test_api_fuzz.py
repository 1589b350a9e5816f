"""A property-based fuzzer against the running API: no input gets a 5xx or an undocumented answer.

Schemathesis reads `/api/v1/openapi.json` from the live test server (pytest-django's `live_server`,
with the demo data) and, for every operation, generates LEEWAY_FUZZ_EXAMPLES requests (25 by default)
from the document: valid ones and ones that break its rules (wrong types, values past the limits,
missing fields), sent with the demo token of an admin, then of an agent. Each answer must not be a
5xx, must have a status the operation declares and must match the schema declared for that status
(the error envelope for errors); a request that breaks the document's rules must be refused with a
4xx. Generation is derandomized, so a CI run is repeatable and a failure replays.

Why `APIOperation.as_strategy()` with Hypothesis's `@given` rather than `@schema.parametrize()`:
the live server's address is known only inside a fixture, and schemathesis's fixture loader
(`schemathesis.pytest.from_fixture`, 4.32) fails on pytest 9.2 (it sets `Function._nodeid`, which
pytest 9.2 no longer has). One test per member also loads the demo data once, not once per operation.
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from leeway.people.models import Member
from leeway.people.services import token_create

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("LEEWAY_FUZZ_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
    negative_data_rejection,
]
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    # Shrinking a failure to its smallest example costs minutes on a live server; the report gives the
    # failing request as a curl command, which is enough to reproduce it.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


def _failures_of(operation, token: str) -> list[str]:
    """Send one operation's examples; its failure as text (each operation runs, whatever the others do)."""
    strategy = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
    )
    headers = {"Authorization": f"Bearer {token}"}

    @FUZZ_SETTINGS
    @given(case=strategy)
    def check(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        check()
    except Exception as error:  # every failing operation is reported, not only the first
        return [f"{operation.label}: {error}"]
    return []


@pytest.mark.parametrize("username", ["aurora-admin", "aurora-agent"])
def test_no_request_gets_a_server_error_or_an_undocumented_answer(live_server, demo, username):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(
        [method for path in schema.raw_schema["paths"].values() for method in path]
    ), "every operation of the document is fuzzed"
    _token, raw = token_create(member=Member.objects.get(username=username), name="fuzz")
    failures = []
    for operation in operations:
        failures += _failures_of(operation, raw)
    assert not failures, "\n\n".join(failures)
