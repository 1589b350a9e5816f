"""Customer endpoints: upsert, purchases, the customer card, type-ahead search and outcomes.

Who may do what: every role that serves customers (agent, lead, manager,
admin, analyst) may read them and record outcomes; only admins and analysts
(or their integration tokens) create or change customers and purchases.
Trainers have no customer access. Another organization's customer is 404.
"""

from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Status

from leeway.core.api_schemas import errors
from leeway.core.errors import Forbidden, InvalidInput
from leeway.customers import selectors, services
from leeway.customers.schemas import (
    BatchOut,
    CustomerOut,
    CustomerSearchFilters,
    CustomerSearchOut,
    CustomerUpsertIn,
    OutcomeIn,
    OutcomeOut,
    TransactionsIn,
    TransactionsOut,
)
from leeway.customers.validation import CUSTOMER_FIELDS
from leeway.people import api_auth
from leeway.people.models import Role

READ_ROLES = (Role.AGENT, Role.LEAD, Role.MANAGER, Role.ADMIN, Role.ANALYST)
WRITE_ROLES = (Role.ADMIN, Role.ANALYST)
OUTCOME_ROLES = READ_ROLES


def _check_role(member, roles):
    if member is not None and member.role not in roles:
        raise Forbidden()
    return member


# The classes keep the names of the ones they refine: the OpenAPI document names security schemes
# after the class, so every endpoint shows the same two schemes.
class BearerTokenAuth(api_auth.BearerTokenAuth):
    """A bearer token whose member has one of `roles` (403 otherwise, before the body is read)."""

    def __init__(self, roles):
        super().__init__()
        self.roles = roles

    def authenticate(self, request, token):
        return _check_role(super().authenticate(request, token), self.roles)


class MemberSessionAuth(api_auth.MemberSessionAuth):
    """A logged-in session whose member has one of `roles`."""

    def __init__(self, roles):
        super().__init__()
        self.roles = roles

    def authenticate(self, request, key):
        return _check_role(super().authenticate(request, key), self.roles)


def auth_for(roles):
    return [BearerTokenAuth(roles), MemberSessionAuth(roles)]


router = Router(tags=["customers"])


@router.post(
    "/customers",
    auth=auth_for(WRITE_ROLES),
    response={200: CustomerOut | BatchOut, 201: CustomerOut, **errors(400, 401, 403, 413, 422)},
    summary="Create or update customers by external id",
    description=(
        "One customer (201 when created, 200 when updated; fields left out keep their values), or "
        '`{"customers": [...]}` with up to 1,000 (200 with counts). A batch is all or nothing: '
        "one bad row refuses the whole request, and `field` names the row, e.g. `customers[3].email`. "
        "Admins and analysts only."
    ),
)
def customer_upsert(request, payload: CustomerUpsertIn):
    data = payload.model_dump(exclude_unset=True)
    if "customers" in data:
        if len(data) > 1:
            raise InvalidInput(
                _("Send either one customer or a list of customers, not both."),
                code="invalid",
                field="customers",
            )
        rows = services.batch_rows(data["customers"], field="customers")
        for index, row in enumerate(rows):
            unknown = sorted(set(row) - set(CUSTOMER_FIELDS))
            if unknown:
                raise InvalidInput(
                    _("This field is not allowed."), code="invalid", field=f"customers[{index}].{unknown[0]}"
                )
        results = services.customers_upsert(member=request.auth, rows=rows, batch=True)
        created = sum(1 for _customer, was_created in results if was_created)
        return Status(200, {"created": created, "updated": len(results) - created})
    [(customer, created)] = services.customers_upsert(member=request.auth, rows=[data])
    customer.organization = request.auth.organization
    return Status(201 if created else 200, selectors.customer_payload(customer))


@router.get(
    "/customers",
    auth=auth_for(READ_ROLES),
    response={200: list[CustomerSearchOut], **errors(401, 403, 422)},
    summary="Type-ahead customer search",
    description=(
        "Customers whose id, name (first or last), email or phone digits start with `q`, "
        "at most 10, ordered by id. Accents and case are ignored."
    ),
)
def customer_search(request, filters: Query[CustomerSearchFilters]):
    currency = request.auth.organization.base_currency
    return [
        selectors.customer_search_payload(customer, currency)
        for customer in selectors.customer_search(member=request.auth, q=filters.q, limit=filters.limit)
    ]


@router.get(
    "/customers/{external_id}",
    auth=auth_for(READ_ROLES),
    response={200: CustomerOut, **errors(401, 403, 404, 422)},
    summary="The customer card",
    description="Name, language, predicted value (null without enough history) and recent decisions.",
)
def customer_detail(request, external_id: str):
    return selectors.customer_payload(selectors.customer_for(request.auth, external_id))


@router.post(
    "/customers/{external_id}/transactions",
    auth=auth_for(WRITE_ROLES),
    response={201: TransactionsOut, **errors(400, 401, 403, 404, 413, 422)},
    summary="Record purchases",
    description=(
        'One purchase `{"date", "amount", "currency"}` or `{"transactions": [...]}` with up to 1,000, '
        "all or nothing. Amounts are converted to the base currency with the organization's rates; "
        "an unknown currency is 422 `unknown_currency`. Admins and analysts only."
    ),
)
def customer_transactions(request, external_id: str, payload: TransactionsIn):
    customer = selectors.customer_for(request.auth, external_id)
    data = payload.model_dump(exclude_unset=True)
    batch = "transactions" in data
    if batch:
        if len(data) > 1:
            raise InvalidInput(
                _("Send either one purchase or a list of purchases, not both."),
                code="invalid",
                field="transactions",
            )
        rows = services.batch_rows(data["transactions"], field="transactions")
    else:
        rows = [data]
    purchases = services.purchases_record(member=request.auth, customer=customer, rows=rows, batch=batch)
    base_currency = request.auth.organization.base_currency
    return Status(
        201,
        {
            "customer": customer.external_id,
            "created": len(purchases),
            "transactions": [
                {
                    "date": p.occurred_on.isoformat(),
                    "amount": f"{p.amount:.2f}",
                    "currency": p.currency,
                    "base_amount": f"{p.base_amount:.2f}",
                    "base_currency": base_currency,
                }
                for p in purchases
            ],
        },
    )


@router.post(
    "/outcomes",
    auth=auth_for(OUTCOME_ROLES),
    response={201: OutcomeOut, **errors(400, 401, 403, 404, 413, 422)},
    summary="Record what happened after",
    description=(
        "`kind` is retained, renewed, churned, purchase (value: decimal amount, also recorded as a "
        "purchase) or csat (value: whole number 1-5). `decision` optionally links the decision it "
        "follows (404 if it is not one of your organization's). An unknown customer is 422 "
        "`unknown_customer`."
    ),
)
def outcome_create(request, payload: OutcomeIn):
    outcome = services.outcome_record(member=request.auth, data=payload.model_dump(exclude_unset=True))
    return Status(201, services.outcome_payload(outcome))
