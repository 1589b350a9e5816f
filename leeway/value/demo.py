"""Demo values: the demo customers' lifetime values, fitted once their purchases are loaded.

`leeway demo-data` runs the apps' demos in INSTALLED_APPS order, so this runs after the customers'
demo has loaded the purchases. Running it again changes nothing: an organization is refitted only
while it has no successful run or has customers with purchases but no value.
"""

from django.db.models import Exists, OuterRef

from leeway.customers.demo import PROFILES
from leeway.customers.models import Customer, Purchase
from leeway.people.models import Organization
from leeway.value.models import ValueRun, ValueRunStatus
from leeway.value.refresh import value_refresh_organization
from leeway.value.selectors import value_settings_for


def _needs_values(organization: Organization) -> bool:
    if not ValueRun.objects.filter(organization=organization, status=ValueRunStatus.SUCCEEDED).exists():
        return True
    bought = Purchase.objects.filter(organization_id=organization.pk, customer_id=OuterRef("pk"))
    return (
        Customer.objects.filter(organization=organization, predicted_clv__isnull=True)
        .filter(Exists(bought))
        .exists()
    )


def load() -> str:
    parts = []
    for slug in PROFILES:
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            continue
        value_settings_for(organization)
        if _needs_values(organization):
            run = value_refresh_organization(organization=organization, trigger="demo")
            parts.append(f"{slug} values {run.status}")
        else:
            parts.append(f"{slug} values kept")
    return "; ".join(parts) or "no organizations"
