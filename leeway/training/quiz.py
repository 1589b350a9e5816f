"""Questions drawn from the published policy and graded by the decision engine's own `evaluate`.

Nothing here restates a limit: an amount is placed against the tier's rule as the snapshot holds it
(well inside the green limit, between green and stretch, beyond stretch), and the right zone is what
`leeway.decisions.judging.evaluate` answers for the gesture the agent chose. A new policy version
therefore changes the questions and their answers at once. Budgets and the customer's caps are taken
to have room (the situation says so): the question is about the tier's authority.
"""

import hashlib
import json
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from leeway.core.forms import format_amount
from leeway.decisions.judging import evaluate
from leeway.decisions.models import DecisionReason, Zone
from leeway.policy.snapshot import PolicySnapshot

UNIT = Decimal("1")
CENT = Decimal("0.01")
BANDS = (Zone.GREEN, Zone.AMBER, Zone.RED)

# What situation each kind of gesture answers, and which kinds of gesture fit it.
SITUATIONS = {
    "fee_waiver": (
        DecisionReason.BILLING_ERROR,
        _("A customer was charged a late fee after a billing error on our side."),
        ("fee_waiver", "credit"),
    ),
    "credit": (
        DecisionReason.SERVICE_OUTAGE,
        _("A customer lost service for two days during an outage."),
        ("credit", "fee_waiver", "discount"),
    ),
    "refund": (
        DecisionReason.BILLING_ERROR,
        _("A customer was billed twice for the same month."),
        ("refund", "credit"),
    ),
    "upgrade": (
        DecisionReason.LOYALTY,
        _("A customer of eight years had a poor experience and asks for something better."),
        ("upgrade", "discount", "credit"),
    ),
    "extension": (
        DecisionReason.SERVICE_OUTAGE,
        _("A customer missed a payment deadline because our site was down."),
        ("extension", "fee_waiver"),
    ),
    "shipping": (
        DecisionReason.DELIVERY_DELAY,
        _("A customer's order is a week late and they need it for Friday."),
        ("shipping", "credit"),
    ),
    "replacement": (
        DecisionReason.PRODUCT_DEFECT,
        _("A customer's new device arrived broken."),
        ("replacement", "refund"),
    ),
    "discount": (
        DecisionReason.LOYALTY,
        _("A long-standing customer is thinking of leaving over the price."),
        ("discount", "credit"),
    ),
    "rule_bend": (
        DecisionReason.OTHER,
        _("A customer sends a form one day after the cutoff; accepting it costs nothing."),
        ("rule_bend",),
    ),
    "other": (DecisionReason.OTHER, _("A customer asks for a goodwill gesture."), ("other",)),
}


@dataclass(frozen=True)
class Draft:
    """A question before it is stored: its key, the situation in words, the amount and what fits."""

    key: str
    situation: str
    amount: Decimal
    accepted_gestures: tuple[str, ...]
    scenario_id: int | None = None


@dataclass(frozen=True)
class Grade:
    engine_zone: str
    gesture_ok: bool
    zone_ok: bool
    justification_ok: bool

    @property
    def correct(self) -> bool:
        return self.gesture_ok and self.zone_ok and self.justification_ok


def covered_gestures(snapshot: PolicySnapshot, *, tier_id: int, gesture_codes: list[str]) -> list[str]:
    """The module's gestures that the tier has a rule for in this policy (all of them when none are named)."""
    codes = gesture_codes or list(snapshot.gestures)
    return [code for code in codes if code in snapshot.gestures and snapshot.rule_for(tier_id, code)]


def coverage(snapshot: PolicySnapshot, *, tier_id: int, gesture_codes: list[str]) -> str:
    """A fingerprint of the rules a module covers: it changes exactly when the policy changes them."""
    rules = {}
    for code in covered_gestures(snapshot, tier_id=tier_id, gesture_codes=gesture_codes):
        rule = snapshot.rule_for(tier_id, code)
        rules[code] = [
            str(rule.green_limit),
            str(rule.stretch_limit),
            rule.customer_cap_count,
            None if rule.customer_cap_amount is None else str(rule.customer_cap_amount),
            rule.customer_cap_window_days,
        ]
    return hashlib.sha256(json.dumps(rules, sort_keys=True).encode()).hexdigest()


def band_amount(snapshot: PolicySnapshot, *, tier_id: int, gesture: str, band: str) -> Decimal | None:
    """An amount that sits in `band` against the tier's rule, or None when the rule leaves no such room."""
    entry = snapshot.gestures[gesture]
    rule = snapshot.rule_for(tier_id, gesture)
    if rule is None:
        return None
    if entry.zero_cost:
        return Decimal("0.00") if band == Zone.GREEN else None
    green, stretch = rule.green_limit, rule.stretch_limit
    if band == Zone.GREEN:
        amount = (green * Decimal("0.6")).quantize(UNIT, rounding=ROUND_HALF_UP)
        return amount.quantize(CENT) if Decimal("0") < amount <= green else None
    if band == Zone.AMBER:
        if stretch <= green:
            return None
        amount = ((green + stretch) / 2).quantize(UNIT, rounding=ROUND_HALF_UP)
        return amount.quantize(CENT) if green < amount <= stretch else None
    step = max((stretch * Decimal("0.25")).quantize(UNIT, rounding=ROUND_HALF_UP), Decimal("5"))
    return (stretch + step).quantize(CENT)


def situation_for(snapshot: PolicySnapshot, gesture: str) -> tuple[str, str, tuple[str, ...]]:
    """(reason, words, gesture codes that fit) for the kind of situation a gesture answers."""
    category = snapshot.gestures[gesture].category
    reason, words, categories = SITUATIONS.get(category, SITUATIONS["other"])
    fitting = tuple(code for code, entry in snapshot.gestures.items() if entry.category in categories)
    return reason, words, fitting or (gesture,)


def policy_question(
    snapshot: PolicySnapshot, *, tier, gesture: str, band: str, language: str
) -> Draft | None:
    """The question for one gesture and zone band under this policy, in `language`; None if it has no room."""
    amount = band_amount(snapshot, tier_id=tier.pk, gesture=gesture, band=band)
    if amount is None:
        return None
    _reason, words, fitting = situation_for(snapshot, gesture)
    with translation.override(language):
        situation = _(
            "%(situation)s At stake: %(amount)s %(currency)s. Your tier: %(tier)s. "
            "Which gesture, which zone, and why?"
        ) % {
            "situation": words,
            "amount": format_amount(amount, language=language),
            "currency": snapshot.base_currency,
            "tier": tier.safe_translation_getter("name", language_code=language, any_language=True)
            or tier.code,
        }
    return Draft(
        key=f"policy:{gesture}:{band}", situation=str(situation), amount=amount, accepted_gestures=fitting
    )


def policy_questions(
    snapshot: PolicySnapshot, *, tier, gesture_codes: list[str], count: int, language: str, seed: str
) -> list[Draft]:
    """`count` questions drawn from every (gesture, band) the policy has room for, in a seeded order."""
    drafts = []
    for gesture in covered_gestures(snapshot, tier_id=tier.pk, gesture_codes=gesture_codes):
        for band in BANDS:
            draft = policy_question(snapshot, tier=tier, gesture=gesture, band=band, language=language)
            if draft is not None:
                drafts.append(draft)
    rng = random.Random(seed)
    rng.shuffle(drafts)
    # Each zone at least once when the count allows (a quiz of greens only teaches nothing), then as many
    # different gestures as there are, then the rest.
    picked: list[Draft] = []

    def gesture(draft: Draft) -> str:
        return draft.key.split(":")[1]

    for band in BANDS:
        in_band = [d for d in drafts if d.key.endswith(f":{band}") and d not in picked]
        fresh = [d for d in in_band if gesture(d) not in {gesture(p) for p in picked}]
        if (fresh or in_band) and len(picked) < count:
            picked.append((fresh or in_band)[0])
    rest = [d for d in drafts if d not in picked]
    rest.sort(key=lambda d: gesture(d) in {gesture(p) for p in picked})  # stable: new gestures first
    picked += rest[: max(count - len(picked), 0)]
    return picked


def engine_zone(snapshot: PolicySnapshot, *, tier_id: int, gesture: str, amount: Decimal) -> str:
    """What the decision engine says about this gesture and amount for the tier (room in budgets and caps)."""
    judgement = evaluate(
        rule=snapshot.rule_for(tier_id, gesture),
        base_amount=amount,
        base_currency=snapshot.base_currency,
        cap_usage=None,
        budgets=[],
    )
    return judgement.zone


def key_terms(text: str) -> list[str]:
    return [term.strip().casefold() for term in (text or "").split(",") if term.strip()]


def grade(
    snapshot: PolicySnapshot,
    *,
    tier_id: int,
    amount: Decimal,
    accepted_gestures: list[str],
    gesture: str,
    zone: str,
    justification: str,
    terms: list[str] = (),
) -> Grade:
    """Grade one answer: the gesture fits, the zone is the engine's for it, and why is given where needed.

    A justification is needed where the console asks for one (amber) and where the lead reads one (red);
    a trainer's scenario also wants one of its rubric's key terms in it.
    """
    gesture_ok = gesture in accepted_gestures and gesture in snapshot.gestures
    judged = gesture if gesture_ok else accepted_gestures[0]
    right = engine_zone(snapshot, tier_id=tier_id, gesture=judged, amount=amount)
    text = (justification or "").strip().casefold()
    justification_ok = True
    if right in (Zone.AMBER, Zone.RED) or terms:
        justification_ok = bool(text) and (not terms or any(term in text for term in terms))
    return Grade(
        engine_zone=right, gesture_ok=gesture_ok, zone_ok=zone == right, justification_ok=justification_ok
    )
