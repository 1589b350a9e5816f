"""One list of the per-process caches, one reset: what the tests (and anyone else) call between runs."""

import ast
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leeway.core import caches
from leeway.people.models import ApiToken
from leeway.people.tests.factories import MemberFactory
from leeway.people.tests.helpers import assert_error

ROOT = Path(__file__).resolve().parents[2]

# Every cache the application keeps per process (core/batch.py keeps its statement caches itself).
EXPECTED = {
    "core.nearcache",  # policy version, exchange rates, team → site and department
    "core.audit.known_chains",
    "core.audit.append_sql",
    "policy.snapshot.parsed",
    "people.tokens",  # token → member
    "people.token_query",
    "decisions.known_counters",
    "decisions.locked_counters_sql",
    "decisions.counter_arrays_sql",
    "decisions.customer_lookup_sql",
    "decisions.customer_lock_sql",
    "decisions.charge_sql",
    "decisions.number_symbols",
    "decisions.formatted_amounts",
    "decisions.reason_sentences",
}


@pytest.fixture
def scratch():
    """Registrations made by a test, taken out again afterwards."""
    before = dict(caches._CLEARS)
    yield
    caches._CLEARS.clear()
    caches._CLEARS.update(before)


def test_clear_all_empties_every_registered_cache(scratch):
    seen = {"a": 1}
    caches.register("test.dict", seen.clear)
    calls = []

    @caches.memo("test.memo", maxsize=8)
    def square(n):
        calls.append(n)
        return n * n

    assert (square(3), square(3)) == (9, 9)
    assert calls == [3]
    caches.clear_all()
    assert seen == {}
    assert square(3) == 9
    assert calls == [3, 3]
    assert caches.registered()[-2:] == ["test.dict", "test.memo"]


def test_registering_a_name_again_replaces_it(scratch):
    first, second = {"a": 1}, {"b": 2}
    caches.register("test.reloaded", first.clear)
    caches.register("test.reloaded", second.clear)
    caches.clear_all()
    assert (first, second) == ({"a": 1}, {})
    assert caches.registered().count("test.reloaded") == 1


def test_every_process_cache_of_the_application_is_registered():
    assert EXPECTED <= set(caches.registered())


@pytest.mark.django_db
def test_clear_all_forgets_a_cached_token_another_process_revoked(api_client, aurora, settings):
    settings.LEEWAY_TOKEN_CACHE_SECONDS = 60
    member = MemberFactory(organization=aurora)
    api_client.authenticate(member)
    assert api_client.get_json("/api/v1/me").status_code == 200
    ApiToken.objects.filter(member=member).update(revoked_at=timezone.now())  # sends no signal
    assert api_client.get_json("/api/v1/me").status_code == 200  # this process still trusts it
    caches.clear_all()
    assert_error(api_client.get_json("/api/v1/me"), 401, "not_authenticated")


@pytest.mark.django_db
def test_after_clear_all_the_parsed_policy_is_read_again(aurora):
    from leeway.policy.snapshot import current_policy
    from leeway.policy.tests.factories import make_policy

    version = make_policy(aurora)["version"]
    assert current_policy(aurora.pk).version_id == version.pk
    with CaptureQueriesContext(connection) as memoised:
        assert current_policy(aurora.pk).version_id == version.pk
    caches.clear_all()
    with CaptureQueriesContext(connection) as fresh:
        assert current_policy(aurora.pk).version_id == version.pk
    assert len(memoised.captured_queries) == 0
    assert len(fresh.captured_queries) == 1


# Modules that keep lru_caches of their own: core/batch.py (statement caches, being rewritten) and
# decisions' judging (registered from decisions/apps.py until it is split into a package).
OWN_CACHES = ("core/batch.py", "decisions/judging")


def test_no_module_keeps_an_unregistered_functools_cache():
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/tests/" in f"/{relative}" or relative == "core/caches.py" or relative.startswith(OWN_CACHES):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module == "functools":
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                names = [node.attr] if node.value.id == "functools" else []
            if {"lru_cache", "cache"} & set(names):
                found.append(f"{relative}:{node.lineno}")
    assert found == [], "use leeway.core.caches.memo, so clear_all() reaches it"
