"""Demo customers with two years of purchases drawn from the BG/NBD + Gamma-Gamma process, and outcomes.

Aurora (USD): C-1001 … C-1200 (200 customers), English and Spanish speakers; C-1201 is brand new
(no purchases, so the page shows why there is no value). Casa Azul (EUR):
CA-2001 … CA-2060, hotel guests. A fixed seed makes every load the same;
running it twice changes nothing. The value app's demo computes their values next.
"""

import datetime as dt
import math
import random
import zoneinfo
from decimal import Decimal

from django.utils import timezone

from leeway.customers.models import Customer, Outcome, OutcomeKind, Purchase, Segment, customer_search_keys
from leeway.people.models import Organization

HISTORY_WEEKS = 104

FIRST_EN = [
    "Avery",
    "Jordan",
    "Taylor",
    "Morgan",
    "Riley",
    "Casey",
    "Jamie",
    "Quinn",
    "Harper",
    "Emerson",
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Ethan",
    "Sophia",
    "Mason",
    "Isabella",
    "Lucas",
    "Grace",
    "Henry",
    "Chloe",
    "Owen",
    "Zoe",
    "Caleb",
    "Nora",
    "Isaac",
    "Hannah",
    "Wyatt",
]
LAST_EN = [
    "Johnson",
    "Smith",
    "Brooks",
    "Walker",
    "Bennett",
    "Hughes",
    "Foster",
    "Sullivan",
    "Price",
    "Myers",
    "Coleman",
    "Jenkins",
    "Perry",
    "Powell",
    "Long",
    "Patterson",
    "Flores",
    "Washington",
    "Butler",
    "Barnes",
    "Fisher",
    "Henderson",
    "Graham",
    "Reynolds",
    "Hamilton",
    "Wallace",
    "West",
    "Cole",
    "Hayes",
    "Ellis",
]
FIRST_ES = [
    "María",
    "José",
    "Lucía",
    "Sofía",
    "Mateo",
    "Valentina",
    "Santiago",
    "Camila",
    "Diego",
    "Martina",
    "Alejandro",
    "Ximena",
    "Andrés",
    "Paula",
    "Joaquín",
    "Daniela",
    "Tomás",
    "Renata",
    "Iñigo",
    "Inés",
    "Julián",
    "Carmen",
    "Rodrigo",
    "Elena",
    "Héctor",
    "Begoña",
    "Álvaro",
    "Pilar",
    "Raúl",
    "Mónica",
]
LAST_ES = [
    "García",
    "Martínez",
    "Rodríguez",
    "López",
    "Hernández",
    "González",
    "Pérez",
    "Sánchez",
    "Ramírez",
    "Torres",
    "Flores",
    "Rivera",
    "Gómez",
    "Díaz",
    "Cruz",
    "Morales",
    "Ortiz",
    "Gutiérrez",
    "Chávez",
    "Ramos",
    "Ruiz",
    "Álvarez",
    "Jiménez",
    "Vargas",
    "Castillo",
    "Romero",
    "Núñez",
    "Muñoz",
    "Ibáñez",
    "Peña",
]


def _ascii(text: str) -> str:
    from leeway.customers.models import search_key

    return search_key(text).replace(" ", ".")


# The demo's segment codes, named in both languages (the codes stay as CSV files and the API send them).
SEGMENT_NAMES = {
    "residential": {"en": "Residential", "es": "Residencial"},
    "small_business": {"en": "Small business", "es": "Pequeña empresa"},
    "commercial": {"en": "Commercial", "es": "Comercial"},
    "leisure": {"en": "Leisure", "es": "Ocio"},
    "business": {"en": "Business travel", "es": "Viaje de negocios"},
    "loyalty": {"en": "Loyalty club", "es": "Club de fidelidad"},
}

# Weekly BG/NBD and Gamma-Gamma parameters (realistic, not CDNOW's): Aurora's customers buy about
# every two months on average, spend about 60 USD; Casa Azul's guests stay a few times a year and
# spend about 300 EUR a stay.
PROFILES = {
    "aurora": {
        "prefix": "C-",
        "first_number": 1001,
        "count": 200,
        "spanish_share": 0.35,
        "segments": ["residential", "residential", "residential", "small_business", "commercial"],
        "bgnbd": (0.9, 8.0, 0.7, 3.5),
        "gamma_gamma": (5.0, 4.0, 36.0),
        "area_code": "303",
        "country": "+1",
        "seed": 20240601,
    },
    "casa-azul": {
        "prefix": "CA-",
        "first_number": 2001,
        "count": 60,
        "spanish_share": 0.7,
        "segments": ["leisure", "leisure", "business", "loyalty"],
        "bgnbd": (1.6, 10.0, 0.6, 5.0),
        "gamma_gamma": (4.0, 6.0, 380.0),
        "area_code": "91",
        "country": "+34",
        "seed": 20240602,
    },
}


def _draw_history(rng: random.Random, profile: dict, *, today: dt.date) -> list[tuple[dt.date, Decimal]]:
    """One customer's purchases: BG/NBD timing (dropout only after repeat purchases), Gamma-Gamma spend."""
    r, alpha, a, b = profile["bgnbd"]
    p_shape, q, gamma = profile["gamma_gamma"]
    rate = rng.gammavariate(r, 1.0 / alpha)
    dropout = min(max(rng.betavariate(a, b), 1e-9), 1.0)
    nu = rng.gammavariate(q, 1.0 / gamma)
    start = rng.uniform(0, HISTORY_WEEKS - 20)
    moments = [start]
    moment = start
    while rate > 0:
        moment += rng.expovariate(rate)
        if moment > HISTORY_WEEKS:
            break
        moments.append(moment)
        if rng.random() < dropout:
            break
    history = []
    for week in moments:
        day = today - dt.timedelta(days=math.floor((HISTORY_WEEKS - week) * 7))
        amount = max(Decimal("1.00"), Decimal(f"{rng.gammavariate(p_shape, 1.0 / nu):.2f}"))
        history.append((day, amount))
    return history


def _people(rng: random.Random, profile: dict, organization: Organization) -> list[Customer]:
    customers = []
    for index in range(profile["count"]):
        number = profile["first_number"] + index
        spanish = rng.random() < profile["spanish_share"]
        first = rng.choice(FIRST_ES if spanish else FIRST_EN)
        last = rng.choice(LAST_ES if spanish else LAST_EN)
        if spanish and rng.random() < 0.5:
            last = f"{last} {rng.choice(LAST_ES)}"
        name = f"{first} {last}"
        external_id = f"{profile['prefix']}{number}"
        domain = rng.choice(["example.com", "example.org", "example.net"])
        phone = f"{profile['country']} {profile['area_code']} 555 {number % 10000:04d}"
        customer = Customer(
            organization=organization,
            external_id=external_id,
            name=name,
            email=f"{_ascii(first)}.{_ascii(last.split()[0])}{number}@{domain}",
            phone=phone,
            language="es" if spanish else "en",
            segment=rng.choice(profile["segments"]),
        )
        customer.__dict__.update(customer_search_keys(external_id=external_id, name=name, phone=phone))
        customers.append(customer)
    return customers


def _load_organization(organization: Organization, profile: dict) -> tuple[int, int]:
    zone = zoneinfo.ZoneInfo(organization.time_zone)
    today = timezone.now().astimezone(zone).date()
    rng = random.Random(profile["seed"])
    wanted = _people(rng, profile, organization)
    existing = set(
        Customer.objects.filter(
            organization=organization, external_id__in=[c.external_id for c in wanted]
        ).values_list("external_id", flat=True)
    )
    new = [customer for customer in wanted if customer.external_id not in existing]
    histories = {customer.external_id: _draw_history(rng, profile, today=today) for customer in wanted}
    for customer in new:
        customer.created_on = histories[customer.external_id][0][0]
    Customer.objects.bulk_create(new, batch_size=500)
    purchases = [
        Purchase(
            organization=organization,
            customer=customer,
            occurred_on=day,
            amount=amount,
            currency=organization.base_currency,
            base_amount=amount,
        )
        for customer in new
        for day, amount in histories[customer.external_id]
    ]
    Purchase.objects.bulk_create(purchases, batch_size=1000)
    return len(new), len(purchases)


def _extras(organization: Organization) -> None:
    """Aurora's brand-new customer without purchases, to show why a value can be missing."""
    if organization.slug != "aurora":
        return
    Customer.objects.get_or_create(
        organization=organization,
        external_id="C-1201",
        defaults={
            "name": "Nadia Okafor",
            "email": "nadia.okafor1201@example.com",
            "phone": "+1 303 555 1201",
            "language": "en",
            "segment": "residential",
            "created_on": timezone.localdate(),
        },
    )


def _outcomes(organization: Organization) -> int:
    """Some outcomes after interactions: retained, renewed, churned, csat (no decision links here)."""
    if Outcome.objects.filter(organization=organization).exists():
        return 0
    rng = random.Random(f"outcomes-{organization.slug}")
    customers = list(Customer.objects.filter(organization=organization).order_by("external_id")[:120])
    now = timezone.now()
    outcomes = []
    for customer in customers[::3]:
        occurred = now - dt.timedelta(days=rng.randint(1, 60), hours=rng.randint(0, 23))
        kind = rng.choices(
            [OutcomeKind.RETAINED, OutcomeKind.RENEWED, OutcomeKind.CHURNED, OutcomeKind.CSAT],
            weights=[4, 2, 1, 5],
        )[0]
        score = rng.choices([5, 4, 3, 2, 1], weights=[6, 4, 2, 1, 1])[0] if kind == OutcomeKind.CSAT else None
        outcomes.append(
            Outcome(
                organization=organization, customer=customer, kind=kind, score=score, occurred_at=occurred
            )
        )
    Outcome.objects.bulk_create(outcomes)
    return len(outcomes)


def _segments(organization, profile) -> None:
    """Name the profile's segments in each language (a name an admin changed stays)."""
    for code in dict.fromkeys(profile["segments"]):
        segment, _created = Segment.objects.get_or_create(organization=organization, code=code)
        for language, name in SEGMENT_NAMES[code].items():
            if not segment.has_translation(language):
                segment.set_current_language(language)
                segment.name = name
                segment.save_translations()


def load() -> str:
    parts = []
    for slug, profile in PROFILES.items():
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            continue
        _segments(organization, profile)
        customers, purchases = _load_organization(organization, profile)
        _extras(organization)
        outcomes = _outcomes(organization)
        parts.append(f"{slug} {customers} customers, {purchases} purchases, {outcomes} outcomes")
    return "; ".join(parts) or "no organizations"
