"""Shared test setup: Chromium for Playwright, strict skips in CI, common fixtures."""

import os

import pytest

# live_server runs Django in a thread while Playwright's sync API drives the browser.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
os.environ.setdefault("LEEWAY_TESTING", "true")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1366, "height": 768}}


def _must_run(item) -> bool:
    """Browser tests always; PostgreSQL tests whenever the suite runs on PostgreSQL."""
    if item.get_closest_marker("browser"):
        return True
    return bool(item.get_closest_marker("postgres")) and os.environ.get("DATABASE_URL", "").startswith(
        "postgres"
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (LEEWAY_STRICT_SKIPS=1) a skipped browser or PostgreSQL test is a failure, not a pass."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("LEEWAY_STRICT_SKIPS") == "1" and report.skipped and _must_run(item):
        report.outcome = "failed"
        report.longrepr = f"{item.nodeid} was skipped, but CI requires it to run ({report.longrepr})"


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Test databases roll back and reuse ids; no cache may outlive a test (see leeway.core.caches)."""
    from django.core.cache import cache

    from leeway.core import caches

    cache.clear()
    caches.clear_all()
    yield
    cache.clear()
    caches.clear_all()


@pytest.fixture
def aurora(db):
    from leeway.people.tests.factories import OrganizationFactory

    return OrganizationFactory(slug="aurora", name="Aurora Utilities", base_currency="USD")


@pytest.fixture
def casa(db):
    from leeway.people.tests.factories import OrganizationFactory

    return OrganizationFactory(
        slug="casa-azul",
        name="Casa Azul",
        base_currency="EUR",
        default_language="es",
        time_zone="Europe/Madrid",
    )


@pytest.fixture
def demo(db):
    """The full demo data of API.md, loaded through the same command users run."""
    from django.core.management import call_command

    call_command("demo-data", verbosity=0)
    from leeway.people.models import Organization

    return {org.slug: org for org in Organization.objects.all()}


@pytest.fixture
def api_client():
    """A Django test client speaking JSON to /api/v1/ with a bearer token helper."""
    from leeway.people.tests.helpers import ApiClient

    return ApiClient()
