"""Demo policy for both organizations: API.md's catalogue, limits and budgets, then version 1.

Runs after the people demo (it needs the tiers). Only what is missing is
created, and version 1 is published only when the organization has none, so
a second run changes nothing.
"""

from decimal import Decimal

from leeway.people.models import AuthorityTier, Organization
from leeway.policy.models import AuthorityRule, Budget, ExchangeRate, Gesture, PolicyVersion
from leeway.policy.services import (
    budget_create,
    gesture_create,
    policy_publish,
    policy_settings_update,
    rate_set,
    rule_create,
)

# code, category, zero cost, shortcut, default amount, (en name, en description), (es name, es description)
GESTURES = [
    (
        "waive_fee",
        "fee_waiver",
        False,
        "1",
        "25.00",
        ("Waive a fee", "Remove a late, service or change fee from the customer's bill."),
        ("Anular un cargo", "Quitar de la factura del cliente un recargo por demora, servicio o cambio."),
    ),
    (
        "account_credit",
        "credit",
        False,
        "2",
        "20.00",
        ("Account credit", "Credit the customer's account towards future bills."),
        ("Crédito en cuenta", "Abonar un crédito en la cuenta del cliente para próximas facturas."),
    ),
    (
        "refund",
        "refund",
        False,
        "3",
        "30.00",
        ("Refund", "Give money back for a charge the customer should not have paid."),
        ("Reembolso", "Devolver el dinero de un cargo que el cliente no debería haber pagado."),
    ),
    (
        "upgrade",
        "upgrade",
        False,
        "4",
        "40.00",
        ("Upgrade", "Move the customer to a better plan, room or service level at no extra charge."),
        (
            "Mejora",
            "Pasar al cliente a un plan, habitación o nivel de servicio superior sin coste adicional.",
        ),
    ),
    (
        "deadline_extension",
        "extension",
        False,
        "5",
        "10.00",
        ("Deadline extension", "Give the customer more time to pay, return or decide, without penalty."),
        (
            "Ampliación de plazo",
            "Dar al cliente más tiempo para pagar, devolver o decidir, sin penalización.",
        ),
    ),
    (
        "expedited_shipping",
        "shipping",
        False,
        "6",
        "15.00",
        ("Expedited shipping", "Send the order or replacement by the fastest carrier, at our cost."),
        (
            "Envío urgente",
            "Enviar el pedido o la reposición con el transportista más rápido, a nuestra costa.",
        ),
    ),
    (
        "replacement",
        "replacement",
        False,
        "7",
        "60.00",
        ("Replacement", "Send a new item for one that arrived damaged, faulty or not at all."),
        ("Reposición", "Enviar un artículo nuevo en lugar de uno que llegó dañado, defectuoso o no llegó."),
    ),
    (
        "discount",
        "discount",
        False,
        "8",
        "15.00",
        ("Discount", "Take an amount off the customer's next purchase or renewal."),
        ("Descuento", "Rebajar un importe de la próxima compra o renovación del cliente."),
    ),
    (
        "rule_bend",
        "rule_bend",
        True,
        "9",
        "0.00",
        (
            "No-cost rule bend",
            "Bend a rule that costs nothing: accept a request after the cutoff, a late check-out, "
            "a document by email instead of post.",
        ),
        (
            "Excepción sin coste",
            "Flexibilizar una norma que no cuesta nada: aceptar una solicitud fuera de plazo, "
            "una salida tardía, un documento por correo electrónico en lugar de por carta.",
        ),
    ),
]

# Per tier: (green, stretch) per gesture, in the base currency; zero-cost gestures have 0/0.
LIMITS = {
    "starter": {
        "waive_fee": ("50.00", "100.00"),
        "account_credit": ("50.00", "100.00"),
        "refund": ("40.00", "80.00"),
        "upgrade": ("60.00", "120.00"),
        "deadline_extension": ("25.00", "50.00"),
        "expedited_shipping": ("30.00", "60.00"),
        "replacement": ("75.00", "150.00"),
        "discount": ("25.00", "50.00"),
        "rule_bend": ("0.00", "0.00"),
    },
    "experienced": {
        "waive_fee": ("100.00", "200.00"),
        "account_credit": ("100.00", "200.00"),
        "refund": ("100.00", "200.00"),
        "upgrade": ("120.00", "240.00"),
        "deadline_extension": ("50.00", "100.00"),
        "expedited_shipping": ("60.00", "120.00"),
        "replacement": ("150.00", "300.00"),
        "discount": ("50.00", "100.00"),
        "rule_bend": ("0.00", "0.00"),
    },
    "senior": {
        "waive_fee": ("200.00", "400.00"),
        "account_credit": ("200.00", "400.00"),
        "refund": ("250.00", "500.00"),
        "upgrade": ("250.00", "500.00"),
        "deadline_extension": ("100.00", "200.00"),
        "expedited_shipping": ("120.00", "240.00"),
        "replacement": ("300.00", "600.00"),
        "discount": ("100.00", "200.00"),
        "rule_bend": ("0.00", "0.00"),
    },
}

# Per tier, across all agents and sites: (gestures, amount) per customer in 30 days.
CUSTOMER_CAPS = {
    "starter": (5, "300.00"),
    "experienced": (6, "600.00"),
    "senior": (8, "1200.00"),
}
RULE_BEND_CAP = 3
CAP_WINDOW_DAYS = 30

# (scope, period, cap): site, team, department and organization budgets never bind before the agent's own.
BUDGETS = [
    ("agent", "day", "200.00"),
    ("agent", "month", "2000.00"),
    ("site", "day", "5000.00"),  # each site's own daily envelope (API.md)
    ("team", "day", "2000.00"),
    ("department", "month", "50000.00"),
    ("organization", "month", "500000.00"),
]

# Units of base currency per unit of each currency.
RATES = {
    "aurora": {
        "CAD": "0.73",
        "EUR": "1.08",
        "PLN": "0.25",
        "PHP": "0.0175",
        "COP": "0.00025",
        "MXN": "0.055",
    },
    "casa-azul": {"USD": "0.92", "GBP": "1.17"},
}

PANEL_ORIGINS = {
    "aurora": ["https://crm.aurora.example"],
    "casa-azul": ["https://reservas.casa-azul.example"],
}


def _load_organization(organization: Organization) -> dict[str, int]:
    created = {"gestures": 0, "rules": 0, "budgets": 0, "rates": 0, "versions": 0}
    gestures = {}
    for code, category, zero_cost, shortcut, amount, english, spanish in GESTURES:
        gesture = Gesture.objects.filter(organization=organization, code=code).first()
        if gesture is None:
            gesture = gesture_create(
                organization=organization,
                actor=None,
                code=code,
                names={"en": english[0], "es": spanish[0]},
                descriptions={"en": english[1], "es": spanish[1]},
                category=category,
                default_amount=amount,
                zero_cost=zero_cost,
                shortcut=shortcut,
                position=int(shortcut),
            )
            created["gestures"] += 1
        gestures[code] = gesture
    tiers = AuthorityTier.objects.filter(organization=organization)
    existing = set(
        AuthorityRule.objects.filter(organization=organization).values_list("tier_id", "gesture_id")
    )
    for tier in tiers:
        limits = LIMITS.get(tier.code, LIMITS["starter"])
        cap_count, cap_amount = CUSTOMER_CAPS.get(tier.code, CUSTOMER_CAPS["starter"])
        for code, gesture in gestures.items():
            if (tier.pk, gesture.pk) in existing:
                continue
            green, stretch = limits[code]
            rule_create(
                organization=organization,
                actor=None,
                tier=tier,
                gesture=gesture,
                green_limit=green,
                stretch_limit=stretch,
                customer_cap_count=RULE_BEND_CAP if gesture.zero_cost else cap_count,
                customer_cap_amount=None if gesture.zero_cost else cap_amount,
                customer_cap_window_days=CAP_WINDOW_DAYS,
            )
            created["rules"] += 1
    for scope, period, cap in BUDGETS:
        if not Budget.objects.filter(organization=organization, scope=scope, period=period).exists():
            budget_create(organization=organization, actor=None, scope=scope, period=period, cap=cap)
            created["budgets"] += 1
    for currency, rate in RATES.get(organization.slug, {}).items():
        if not ExchangeRate.objects.filter(organization=organization, currency=currency).exists():
            rate_set(organization=organization, currency=currency, rate=Decimal(rate), actor=None)
            created["rates"] += 1
    if not PolicyVersion.objects.filter(organization=organization).exists():
        policy_settings_update(
            organization=organization,
            actor=None,
            red_response_minutes=2,
            auto_approve_ceiling="25.00",
            panel_allowed_origins=PANEL_ORIGINS.get(organization.slug, []),
        )
        summary = "Política de demostración" if organization.default_language == "es" else "Demo policy"
        policy_publish(organization=organization, actor=None, summary=summary)
        created["versions"] += 1
    return created


def load() -> str:
    """Create whatever of the demo policy is missing in aurora and casa-azul; publish v1 once."""
    totals = {"gestures": 0, "rules": 0, "budgets": 0, "rates": 0, "versions": 0}
    for organization in Organization.objects.filter(slug__in=["aurora", "casa-azul"]):
        for key, count in _load_organization(organization).items():
            totals[key] += count
    return (
        f"{totals['gestures']} gestures, {totals['rules']} rules, {totals['budgets']} budgets, "
        f"{totals['rates']} rates, {totals['versions']} versions published"
    )
