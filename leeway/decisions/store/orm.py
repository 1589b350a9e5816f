"""The ORM store: Django's querysets, for SQLite (the embedded default) and any other database.

Plain and one query per step. On SQLite every transaction is IMMEDIATE (settings.py): it holds the
database's write lock from its first statement, so what it reads stays exact until it commits and
`select_for_update()` has nothing to add; elsewhere `select_for_update()` locks the rows as the
PostgreSQL store does (the customer for caps, the budget set in id order).
"""

from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Count, F, Q, Sum

from leeway.core.audit import audit_record
from leeway.customers.models import Customer
from leeway.decisions.judging.rules import ZERO, BudgetState, BudgetTarget, CapUsage
from leeway.decisions.models import Decision, DecisionStatus, IdempotencyRecord
from leeway.decisions.store.base import (
    CUSTOMER_FIELDS,
    AnswerKey,
    BudgetRefused,
    Charge,
    CustomerKey,
    DecisionStore,
    DecisionWrite,
    Inputs,
    StoredAnswer,
    as_amount,
    first_refused,
    forget_counters,
    has_caps,
    remember_counters,
    unknown_counters,
)
from leeway.policy.models import BudgetCounter
from leeway.policy.snapshot import GestureRule


class OrmStore(DecisionStore):
    """Reads, charges and writes through Django's ORM."""

    def read_inputs(
        self,
        *,
        organization_id: int,
        customer,
        gesture_id: int,
        rule: GestureRule | None,
        now: datetime,
        targets: list[BudgetTarget],
        deciding: bool,
        optimistic: bool = False,
        answer: AnswerKey | None = None,
    ) -> Inputs:
        """The customer (locked when deciding with caps), the stored answer, the cap usage, the budget set.

        The budget set is locked whenever deciding: without a guarded write, the judgement must be
        made on counters that cannot move before the charge (`optimistic` is the PostgreSQL store's).
        """
        found = None
        customer_id = customer if isinstance(customer, int) else getattr(customer, "pk", None)
        if isinstance(customer, CustomerKey) or (deciding and has_caps(rule)):
            customers = Customer.objects.only(*CUSTOMER_FIELDS)
            if deciding and has_caps(rule) and connection.features.has_select_for_update:
                customers = customers.select_for_update(
                    no_key=connection.features.has_select_for_no_key_update
                )
            if isinstance(customer, CustomerKey):
                found = customers.filter(
                    organization_id=customer.organization_id, external_id=customer.external_id
                ).first()
                customer_id = found.pk if found is not None else None
            else:
                customers.filter(pk=customer_id).first()
        stored = None
        if answer is not None:
            row = (
                IdempotencyRecord.objects.filter(member_id=answer.member_id, key=answer.key)
                .values_list("request_hash", "response_status", "response_body")
                .first()
            )
            stored = StoredAnswer(*row) if row is not None else None
        cap_usage = None
        if has_caps(rule):
            cap_usage = _cap_usage(organization_id, customer_id, gesture_id, rule, now)
        budgets = self._budgets(organization_id, targets, lock=deciding) if targets else []
        return Inputs(cap_usage=cap_usage, budgets=budgets, customer=found, answer=stored)

    def _budgets(self, organization_id: int, targets: list[BudgetTarget], *, lock: bool) -> list[BudgetState]:
        """Deciding (`lock`) creates the missing counter rows first; a preview reads a missing one as 0."""
        unknown = unknown_counters(targets) if lock else []
        if unknown:
            BudgetCounter.objects.bulk_create(
                [
                    BudgetCounter(
                        organization_id=organization_id,
                        budget_id=t.budget_id,
                        subject_id=t.subject_id,
                        period_start=t.period_start,
                        spent=ZERO,
                    )
                    for t in unknown
                ],
                ignore_conflicts=True,
            )
            remember_counters(unknown)
        rows = _counters(targets, lock=lock)
        found = {
            (budget_id, subject_id, start): (pk, spent) for pk, budget_id, subject_id, start, spent in rows
        }
        missing = [t for t in targets if t.key not in found]
        if missing and not lock:
            return [
                BudgetState(target=t, spent=as_amount(found[t.key][1]), counter_id=found[t.key][0])
                if t.key in found
                else BudgetState(target=t, spent=ZERO)
                for t in targets
            ]
        if missing:  # a remembered counter vanished (its creating transaction rolled back)
            forget_counters(missing)
            return self._budgets(organization_id, targets, lock=lock)
        return [
            BudgetState(target=t, spent=as_amount(found[t.key][1]), counter_id=found[t.key][0])
            for t in targets
        ]

    def charge(self, charge: Charge) -> list[BudgetState]:
        """The counters locked and read, checked (`first_refused`), then charged in one UPDATE."""
        states = charge.counters
        if not states or charge.amount <= 0:
            return list(charge.budgets)
        ids = [state.counter_id for state in states]
        counters = BudgetCounter.objects.filter(pk__in=ids).order_by("pk")
        if connection.features.has_select_for_update:
            counters = counters.select_for_update()
        spent = {pk: as_amount(value) for pk, value in counters.values_list("pk", "spent")}
        refused = first_refused(charge, spent)
        if refused is not None:
            raise BudgetRefused(refused)
        BudgetCounter.objects.filter(pk__in=ids).update(spent=F("spent") + charge.amount)
        return [
            BudgetState(target=s.target, spent=spent[s.counter_id] + charge.amount, counter_id=s.counter_id)
            if s.counter_id in spent
            else s
            for s in charge.budgets
        ]

    def write(self, record: DecisionWrite, *, charge: Charge | None = None) -> None:
        """Charge, then one INSERT each and `audit_record`."""
        if charge is not None:
            self.charge(charge)
        record.decision.save(force_insert=True)
        record.event.save(force_insert=True)
        if record.answer is not None:
            record.answer.decision = record.decision
            record.answer.save(force_insert=True)
        audit_record(**record.audit)


def _counters(targets: list[BudgetTarget], *, lock: bool) -> list[tuple]:
    """The budget set's rows (id, budget, subject, period start, spent), in id order; locked with `lock`."""
    condition = Q()
    for target in targets:
        condition |= Q(
            budget_id=target.budget_id, subject_id=target.subject_id, period_start=target.period_start
        )
    query = BudgetCounter.objects.filter(condition).order_by("pk")
    if lock and connection.features.has_select_for_update:
        query = query.select_for_update()
    return list(query.values_list("pk", "budget_id", "subject_id", "period_start", "spent"))


def _cap_usage(organization_id, customer_id, gesture_id, rule: GestureRule, now: datetime) -> CapUsage:
    """Approved gestures of this kind for this customer in the rule's window, across all agents."""
    if customer_id is None:
        return CapUsage(count=0, total=ZERO)
    usage = Decision.objects.filter(
        organization_id=organization_id,
        customer_id=customer_id,
        gesture_id=gesture_id,
        status=DecisionStatus.APPROVED,
        created_at__gte=now - timedelta(days=rule.customer_cap_window_days),
    ).aggregate(count=Count("id"), total=Sum("base_amount"))
    return CapUsage(
        count=usage["count"] or 0, total=ZERO if usage["total"] is None else as_amount(usage["total"])
    )
