import pytest

from leeway.people.models import Role
from leeway.people.tests.factories import MemberFactory


@pytest.fixture
def analyst(aurora):
    return MemberFactory(organization=aurora, role=Role.ANALYST, username="aurora-analyst-t")


@pytest.fixture
def agent(aurora):
    return MemberFactory(organization=aurora, role=Role.AGENT, username="aurora-agent-t")


@pytest.fixture
def casa_analyst(casa):
    return MemberFactory(organization=casa, role=Role.ANALYST, username="casa-analyst-t", language="es")
