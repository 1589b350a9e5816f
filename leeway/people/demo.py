"""Demo organizations and people (API.md's users plus realistic bilingual teams)."""

from leeway.people.models import AuthorityTier, Department, Member, Organization, Role, Site, Team

DEMO_PASSWORD = "demo-pass-1"  # noqa: S105 - published in API.md and the README

ORGANIZATIONS = [
    {
        "slug": "aurora",
        "name": "Aurora Utilities",
        "base_currency": "USD",
        "default_language": "en",
        "time_zone": "America/Denver",
    },
    {
        "slug": "casa-azul",
        "name": "Casa Azul Hoteles",
        "base_currency": "EUR",
        "default_language": "es",
        "time_zone": "Europe/Madrid",
    },
]

# Tiers are named in every language, as gestures are.
TIERS = [
    ("starter", {"en": "Starter", "es": "Inicial"}, 1),
    ("experienced", {"en": "Experienced", "es": "Con experiencia"}, 2),
    ("senior", {"en": "Senior", "es": "Sénior"}, 3),
]

SITES = {
    "aurora": [
        ("Denver", "Denver", "US", "America/Denver", "en,es"),
        ("Toronto", "Toronto", "CA", "America/Toronto", "en,fr"),
        ("Kraków", "Kraków", "PL", "Europe/Warsaw", "pl,en"),
        ("Manila", "Manila", "PH", "Asia/Manila", "en,tl"),
        ("Bogotá", "Bogotá", "CO", "America/Bogota", "es,en"),
    ],
    "casa-azul": [
        ("Madrid", "Madrid", "ES", "Europe/Madrid", "es,en"),
        ("Valencia", "Valencia", "ES", "Europe/Madrid", "es,en"),
    ],
}

DEPARTMENTS = {
    "aurora": ["Billing", "Shipping", "Sales", "Support"],
    "casa-azul": ["Reservas", "Recepción"],
}

# (team, department, site)
TEAMS = {
    "aurora": [
        ("Denver Billing", "Billing", "Denver"),
        ("Toronto Support", "Support", "Toronto"),
        ("Kraków Shipping", "Shipping", "Kraków"),
        ("Manila Billing", "Billing", "Manila"),
        ("Bogotá Ventas", "Sales", "Bogotá"),
    ],
    "casa-azul": [
        ("Madrid Reservas", "Reservas", "Madrid"),
        ("Valencia Recepción", "Recepción", "Valencia"),
    ],
}

# username, first, last, organization, role, tier, language, team, department, time zone
PEOPLE = [
    (
        "aurora-agent",
        "Avery",
        "Johnson",
        "aurora",
        Role.AGENT,
        "starter",
        "en",
        "Denver Billing",
        None,
        "America/Denver",
    ),
    (
        "aurora-agente",
        "Lucía",
        "Fernández",
        "aurora",
        Role.AGENT,
        "starter",
        "es",
        "Denver Billing",
        None,
        "America/Denver",
    ),
    (
        "aurora-lead",
        "Morgan",
        "Reyes",
        "aurora",
        Role.LEAD,
        None,
        "en",
        "Denver Billing",
        None,
        "America/Denver",
    ),
    ("aurora-admin", "Dana", "Whitfield", "aurora", Role.ADMIN, None, "en", None, None, "America/Denver"),
    (
        "aurora-manager",
        "Priya",
        "Raman",
        "aurora",
        Role.MANAGER,
        None,
        "en",
        None,
        "Billing",
        "America/Denver",
    ),
    ("aurora-trainer", "Tomás", "Ibarra", "aurora", Role.TRAINER, None, "es", None, None, "America/Bogota"),
    (
        "aurora-analyst",
        "Hannah",
        "Kowalczyk",
        "aurora",
        Role.ANALYST,
        None,
        "en",
        None,
        None,
        "Europe/Warsaw",
    ),
    (
        "aurora-lead-toronto",
        "Olivier",
        "Tremblay",
        "aurora",
        Role.LEAD,
        None,
        "en",
        "Toronto Support",
        None,
        "America/Toronto",
    ),
    (
        "aurora-lead-krakow",
        "Agnieszka",
        "Nowak",
        "aurora",
        Role.LEAD,
        None,
        "en",
        "Kraków Shipping",
        None,
        "Europe/Warsaw",
    ),
    (
        "aurora-lead-manila",
        "Maricel",
        "Santos",
        "aurora",
        Role.LEAD,
        None,
        "en",
        "Manila Billing",
        None,
        "Asia/Manila",
    ),
    (
        "aurora-lider-bogota",
        "Andrés",
        "Restrepo",
        "aurora",
        Role.LEAD,
        None,
        "es",
        "Bogotá Ventas",
        None,
        "America/Bogota",
    ),
    (
        "aurora-manager-shipping",
        "Marek",
        "Wiśniewski",
        "aurora",
        Role.MANAGER,
        None,
        "en",
        None,
        "Shipping",
        "Europe/Warsaw",
    ),
    (
        "aurora-gerente-ventas",
        "Valentina",
        "Ospina",
        "aurora",
        Role.MANAGER,
        None,
        "es",
        None,
        "Sales",
        "America/Bogota",
    ),
    (
        "aurora-manager-support",
        "Graham",
        "MacLeod",
        "aurora",
        Role.MANAGER,
        None,
        "en",
        None,
        "Support",
        "America/Toronto",
    ),
    (
        "casa-agent",
        "Carmen",
        "Ruiz",
        "casa-azul",
        Role.AGENT,
        "starter",
        "es",
        "Madrid Reservas",
        None,
        "Europe/Madrid",
    ),
    (
        "casa-lead",
        "Javier",
        "Moreno",
        "casa-azul",
        Role.LEAD,
        None,
        "es",
        "Madrid Reservas",
        None,
        "Europe/Madrid",
    ),
    ("casa-admin", "Elena", "Navarro", "casa-azul", Role.ADMIN, None, "es", None, None, "Europe/Madrid"),
    (
        "casa-lider-valencia",
        "Pilar",
        "Soler",
        "casa-azul",
        Role.LEAD,
        None,
        "es",
        "Valencia Recepción",
        None,
        "Europe/Madrid",
    ),
]

# More agents: (username, first, last, team, language, tier, time zone)
AGENTS = {
    "aurora": [
        ("jmartinez", "Jorge", "Martínez", "Denver Billing", "es", "experienced", "America/Denver"),
        ("kwilliams", "Keisha", "Williams", "Denver Billing", "en", "starter", "America/Denver"),
        ("bnguyen", "Bao", "Nguyen", "Denver Billing", "en", "senior", "America/Denver"),
        ("sgagnon", "Sophie", "Gagnon", "Toronto Support", "en", "experienced", "America/Toronto"),
        ("rpatel", "Ravi", "Patel", "Toronto Support", "en", "starter", "America/Toronto"),
        ("eokafor", "Emeka", "Okafor", "Toronto Support", "en", "starter", "America/Toronto"),
        ("mkowalski", "Michał", "Kowalski", "Kraków Shipping", "en", "experienced", "Europe/Warsaw"),
        ("zlewandowska", "Zofia", "Lewandowska", "Kraków Shipping", "en", "starter", "Europe/Warsaw"),
        ("pzielinski", "Piotr", "Zieliński", "Kraków Shipping", "en", "senior", "Europe/Warsaw"),
        ("jdelacruz", "Joy", "Dela Cruz", "Manila Billing", "en", "starter", "Asia/Manila"),
        ("rbautista", "Rafael", "Bautista", "Manila Billing", "en", "experienced", "Asia/Manila"),
        ("mgarcia", "Maria Luisa", "García", "Manila Billing", "es", "starter", "Asia/Manila"),
        ("aramos", "Angelica", "Ramos", "Manila Billing", "en", "starter", "Asia/Manila"),
        ("cgomez", "Camila", "Gómez", "Bogotá Ventas", "es", "starter", "America/Bogota"),
        ("svargas", "Santiago", "Vargas", "Bogotá Ventas", "es", "experienced", "America/Bogota"),
        ("dlopez", "Daniela", "López", "Bogotá Ventas", "es", "starter", "America/Bogota"),
        ("fcastro", "Felipe", "Castro", "Bogotá Ventas", "es", "senior", "America/Bogota"),
        ("ltorres", "Laura", "Torres", "Bogotá Ventas", "es", "starter", "America/Bogota"),
        ("okim", "Olivia", "Kim", "Denver Billing", "en", "starter", "America/Denver"),
        ("hmorales", "Héctor", "Morales", "Denver Billing", "es", "starter", "America/Denver"),
    ],
    "casa-azul": [
        ("casa-mperez", "Manuel", "Pérez", "Madrid Reservas", "es", "starter", "Europe/Madrid"),
        ("casa-isanchez", "Inés", "Sánchez", "Madrid Reservas", "es", "experienced", "Europe/Madrid"),
        ("casa-agarcia", "Alba", "García", "Valencia Recepción", "es", "starter", "Europe/Madrid"),
        ("casa-ttaylor", "Tom", "Taylor", "Valencia Recepción", "en", "starter", "Europe/Madrid"),
    ],
}


def _member(username, first, last, organization, role, tier, language, team, department, time_zone) -> bool:
    if Member.objects.filter(username=username).exists():
        return False
    member = Member(
        username=username,
        first_name=first,
        last_name=last,
        email=f"{username}@{organization.slug}.example",
        organization=organization,
        role=role,
        tier=AuthorityTier.objects.get(organization=organization, code=tier) if tier else None,
        language=language,
        team=Team.objects.get(organization=organization, name=team) if team else None,
        department=Department.objects.get(organization=organization, name=department) if department else None,
        time_zone=time_zone,
    )
    member.set_password(DEMO_PASSWORD)
    member.save()
    return True


def _tier(organization, code: str, names: dict[str, str], rank: int) -> None:
    """The tier, with any name it lacks (a name an admin gave it stays).

    Before tiers were translated, the demo named them in English in every organization; such a name in
    another language is the demo's own placeholder, so it gets that language's name.
    """
    tier = AuthorityTier.objects.filter(organization=organization, code=code).first()
    if tier is None:
        tier = AuthorityTier(organization=organization, code=code, rank=rank)
        tier.set_current_language(organization.default_language)
        tier.name = names[organization.default_language]
        tier.save()
    for language, name in names.items():
        has = tier.has_translation(language)
        placeholder = (
            has
            and language != "en"
            and tier.safe_translation_getter("name", language_code=language) == names["en"]
        )
        if not has or (placeholder and name != names["en"]):
            tier.set_current_language(language)
            tier.name = name
            tier.save_translations()


def load() -> str:
    """Create whatever of the demo people is missing; never change what exists."""
    created = 0
    organizations = {}
    for spec in ORGANIZATIONS:
        organization, _ = Organization.objects.get_or_create(slug=spec["slug"], defaults=spec)
        organizations[spec["slug"]] = organization
        for code, names, rank in TIERS:
            _tier(organization, code, names, rank)
        for name, city, country, zone, languages in SITES[spec["slug"]]:
            Site.objects.get_or_create(
                organization=organization,
                name=name,
                defaults={"city": city, "country": country, "time_zone": zone, "languages": languages},
            )
        for name in DEPARTMENTS[spec["slug"]]:
            Department.objects.get_or_create(organization=organization, name=name)
        for name, department, site in TEAMS[spec["slug"]]:
            Team.objects.get_or_create(
                organization=organization,
                name=name,
                defaults={
                    "department": Department.objects.get(organization=organization, name=department),
                    "site": Site.objects.get(organization=organization, name=site),
                },
            )
    for username, first, last, slug, role, tier, language, team, department, zone in PEOPLE:
        created += _member(
            username, first, last, organizations[slug], role, tier, language, team, department, zone
        )
    for slug, agents in AGENTS.items():
        for username, first, last, team, language, tier, zone in agents:
            created += _member(
                username, first, last, organizations[slug], Role.AGENT, tier, language, team, None, zone
            )
    return f"{created} members created"
