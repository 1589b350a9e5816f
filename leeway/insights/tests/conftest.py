"""Two organizations with people, a published policy and customers (the decisions app's worlds)."""

from leeway.decisions.tests.conftest import World, other_world, world  # noqa: F401 - fixtures
