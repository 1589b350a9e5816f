"""The organization keeps an active admin even when two admins step down at the same moment (PostgreSQL)."""

import threading

import pytest
from django.db import connection, connections

from leeway.core.errors import Conflict
from leeway.people.models import Member, Role
from leeway.people.services import member_deactivate, member_update
from leeway.people.tests.factories import MemberFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks across connections)")


def _at_once(*works) -> list:
    barrier = threading.Barrier(len(works))
    results: list = [None] * len(works)

    def target(index):
        try:
            barrier.wait()
            results[index] = works[index]()
        except Exception as error:  # reported to the test
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(index,)) for index in range(len(works))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.parametrize("rounds", range(5))
def test_two_admins_leaving_at_once_leave_one_admin(aurora, rounds):
    first = MemberFactory(organization=aurora, role=Role.ADMIN, username=f"admin-a-{rounds}")
    second = MemberFactory(organization=aurora, role=Role.ADMIN, username=f"admin-b-{rounds}")

    def first_leaves():
        return member_deactivate(
            member=Member.objects.get(pk=first.pk), actor=Member.objects.get(pk=first.pk)
        )

    def second_steps_down():
        me = Member.objects.get(pk=second.pk)
        return member_update(member=me, actor=me, role=Role.ANALYST)

    results = _at_once(first_leaves, second_steps_down)
    refused = [result for result in results if isinstance(result, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], Conflict) and refused[0].code == "last_admin", results
    assert Member.objects.filter(organization=aurora, role=Role.ADMIN, is_active=True).count() == 1
