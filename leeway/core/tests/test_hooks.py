"""Hooks: a lower app's reader answers with its default until a higher app provides one."""

from leeway.core.hooks import Hook
from leeway.customers import selectors as customer_selectors
from leeway.people import selectors as people_selectors


def test_a_hook_answers_with_its_default_until_a_reader_is_provided():
    hook = Hook("test.greeting", default=lambda name, *, polite=False: None)
    assert hook("Ada", polite=True) is None
    hook.provide(lambda name, *, polite=False: f"{'Dear ' if polite else ''}{name}")
    assert hook("Ada", polite=True) == "Dear Ada"
    hook.provide(lambda name, *, polite=False: name.upper())  # a repeated ready() replaces it
    assert hook("Ada") == "ADA"


def test_every_hook_of_the_installed_apps_is_provided_at_start_up():
    hooks = [
        people_selectors.budgets_for,
        customer_selectors.recent_decisions,
        customer_selectors.recent_decision_payloads,
        customer_selectors.value_missing_reason,
    ]
    assert [hook.name for hook in hooks if hook.reader is None] == []
