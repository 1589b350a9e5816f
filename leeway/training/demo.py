"""Demo training in aurora: the three core modules in English and Spanish (one per tier), an agent certified
and proposed for the experienced tier (Keisha Williams), and one due for re-certification (Ravi Patel).

Modules, attempts and answers go through the services; the demo agents are neither of API.md's
`aurora-agent` and `aurora-agente`, whose tier stays starter. Running it twice changes nothing.
"""

from datetime import timedelta

from django.utils import timezone

from leeway.people.models import AuthorityTier, Member, Organization
from leeway.policy.snapshot import current_policy
from leeway.training import selectors, services
from leeway.training.models import Attempt, Certification, Module

MODULES = [
    {
        "code": "empowerment-basics",
        "tier": "starter",
        "gestures": ["waive_fee", "account_credit", "refund", "rule_bend"],
        "en": {
            "title": "Empowerment at Aurora: your authority",
            "summary": "What you may do for a customer on the spot, and why you are covered.",
            "lesson_meaning": (
                "At Aurora you may make a goodwill decision in the customer's favour without asking anyone, "
                "inside guardrails the company set in advance.\n\n"
                "A decision inside policy is protected: it records the policy version that allowed it, its "
                "cost "
                "is charged to the company goodwill budget, never to you, and nobody can hold it against you."
            ),
            "lesson_practice": (
                "Find the customer, pick a gesture (one key), check the amount and press Enter. The zone "
                "shows "
                "while you type, in colour, words and an icon.\n\n"
                "Green: inside your authority, approved at once. Amber: above your green limit but inside "
                "your "
                "stretch: add one line of why and it is approved and protected. Red: beyond stretch, a cap "
                "or a "
                "budget: it goes to your lead, and no money moves until they approve. Asking is always right."
            ),
            "lesson_celebration": (
                "Good decisions are celebrated in the team feed, with kudos from your lead and peers, and "
                "the best "
                "of the week can win an award. Amber decisions are learning cases, never mistakes."
            ),
        },
        "es": {
            "title": "Empoderamiento en Aurora: tu autoridad",
            "summary": "Lo que puedes hacer por un cliente en el momento, y por qué estás cubierto.",
            "lesson_meaning": (
                "En Aurora puedes tomar una decisión de buena voluntad a favor del cliente sin pedir "
                "permiso, "
                "dentro de los límites que la empresa fijó de antemano.\n\n"
                "Una decisión dentro de la política está protegida: registra la versión de la política que "
                "la "
                "permitió, su coste se carga al presupuesto de buena voluntad de la empresa, nunca a ti, y "
                "nadie "
                "puede usarla en tu contra."
            ),
            "lesson_practice": (
                "Busca al cliente, elige un gesto (una tecla), revisa el importe y pulsa Intro. La zona "
                "aparece "
                "mientras escribes, con color, palabras y un icono.\n\n"
                "Verde: dentro de tu autoridad, se aprueba al instante. Ámbar: por encima de tu límite verde "
                "pero "
                "dentro del margen: añade una línea de por qué y queda aprobada y protegida. Rojo: más allá "
                "del "
                "margen, de un tope o de un presupuesto: va a tu responsable y no se mueve dinero hasta que "
                "lo "
                "apruebe. Preguntar siempre es lo correcto."
            ),
            "lesson_celebration": (
                "Las buenas decisiones se celebran en el muro del equipo, con reconocimientos de tu "
                "responsable y "
                "tus compañeros, y la mejor de la semana puede ganar un premio. Las decisiones ámbar son "
                "casos de "
                "aprendizaje, nunca errores."
            ),
        },
    },
    {
        "code": "stretching-with-care",
        "tier": "experienced",
        "gestures": ["waive_fee", "account_credit", "refund", "replacement"],
        "en": {
            "title": "Stretching with care: the experienced tier",
            "summary": "Larger gestures, the stretch zone and the customer's caps.",
            "lesson_meaning": (
                "Experienced agents carry twice the starter's authority. The company trusts your judgement "
                "with larger amounts because you have shown you use it well."
            ),
            "lesson_practice": (
                "Your green and stretch limits double. The customer's caps (how many gestures and how much "
                "in 30 "
                "days) still apply, and so do the budgets: the console shows both before you press Enter. "
                "Write "
                "the justification for the lead who reads it later: what happened and why this gesture fits."
            ),
            "lesson_celebration": (
                "Your amber decisions become the team's learning cases; leads praise the judgement, not only "
                "the "
                "outcome. Your track record can propose you for the senior tier."
            ),
        },
        "es": {
            "title": "Estirar con cuidado: el nivel experimentado",
            "summary": "Gestos más grandes, la zona de margen y los topes por cliente.",
            "lesson_meaning": (
                "Los agentes experimentados tienen el doble de autoridad que los iniciales. La empresa "
                "confía en "
                "tu criterio con importes mayores porque has demostrado usarlo bien."
            ),
            "lesson_practice": (
                "Tus límites verde y de margen se duplican. Los topes por cliente (cuántos gestos y cuánto "
                "en 30 "
                "días) siguen aplicándose, igual que los presupuestos: la consola muestra ambos antes de "
                "pulsar "
                "Intro. Escribe la justificación para el responsable que la leerá: qué pasó y por qué encaja "
                "este "
                "gesto."
            ),
            "lesson_celebration": (
                "Tus decisiones ámbar se convierten en casos de aprendizaje del equipo; los responsables "
                "elogian "
                "el criterio, no solo el resultado. Tu historial puede proponerte para el nivel sénior."
            ),
        },
    },
    {
        "code": "senior-authority",
        "tier": "senior",
        "gestures": ["upgrade", "replacement", "refund", "discount"],
        "en": {
            "title": "Senior authority: the big gestures",
            "summary": "Upgrades, replacements and refunds that keep a valuable customer.",
            "lesson_meaning": (
                "Senior agents handle the rare, costly cases: a customer of great value about to leave, a "
                "replacement that cannot wait. Weigh the gesture against the customer's predicted value."
            ),
            "lesson_practice": (
                "The customer card shows what the customer is worth and what they already received. A 250.00 "
                "refund to a customer worth 12,000.00 is 2 % of her value: say so in the justification."
            ),
            "lesson_celebration": (
                "Senior decisions are shown to the whole organization as examples of empowerment done well, "
                "and "
                "you coach newer agents through the cases you handled."
            ),
        },
        "es": {
            "title": "Autoridad sénior: los grandes gestos",
            "summary": "Mejoras, sustituciones y reembolsos que retienen a un cliente valioso.",
            "lesson_meaning": (
                "Los agentes sénior atienden los casos raros y costosos: un cliente de gran valor a punto de "
                "irse, "
                "una sustitución que no puede esperar. Sopesa el gesto frente al valor previsto del cliente."
            ),
            "lesson_practice": (
                "La ficha del cliente muestra cuánto vale y qué ha recibido ya. Un reembolso de 250,00 a una "
                "clienta que vale 12.000,00 es el 2 % de su valor: dilo en la justificación."
            ),
            "lesson_celebration": (
                "Las decisiones sénior se muestran a toda la organización como ejemplos de empoderamiento "
                "bien "
                "hecho, y orientas a los agentes nuevos con los casos que llevaste."
            ),
        },
    },
]
SCENARIO = {
    "module": "empowerment-basics",
    "gestures": ["waive_fee", "account_credit"],
    "amount": "70.00",
    "reason": "service_outage",
    "texts": {
        "en": {
            "situation": "A pensioner was charged a 70.00 reconnection fee after our outage cut her line.",
            "rubric": "Name the outage: the fee exists only because of our fault.",
            "key_terms": "outage, our fault, our error",
        },
        "es": {
            "situation": (
                "A una pensionista le cobraron 70,00 de reconexión después de que nuestra avería "
                "cortara su línea."
            ),
            "rubric": "Nombra la avería: el cargo existe solo por nuestra culpa.",
            "key_terms": "avería, nuestra culpa, nuestro error",
        },
    },
}
CERTIFIED = "kwilliams"  # passes the starter and experienced modules: proposed for experienced
DUE_AGAIN = "rpatel"  # passed the starter module thirteen months ago: expired


def _modules(organization: Organization, trainer: Member) -> dict[str, Module]:
    modules = {}
    for position, spec in enumerate(MODULES):
        module = Module.objects.filter(organization=organization, code=spec["code"]).first()
        tier = AuthorityTier.objects.filter(organization=organization, code=spec["tier"]).first()
        if module is None and tier is not None:
            module = services.module_create(
                actor=trainer,
                code=spec["code"],
                texts={"en": spec["en"], "es": spec["es"]},
                tier=tier,
                gesture_codes=spec["gestures"],
                policy_questions=4,
                position=position,
                published=True,
            )
        if module is not None:
            modules[spec["code"]] = module
    basics = modules.get(SCENARIO["module"])
    if basics is not None and not basics.scenarios.exists():
        services.scenario_create(
            module=basics,
            actor=trainer,
            texts=SCENARIO["texts"],
            gesture_codes=SCENARIO["gestures"],
            amount=SCENARIO["amount"],
            reason=SCENARIO["reason"],
        )
    return modules


def _pass(module: Module, member: Member) -> Attempt:
    attempt = services.attempt_start(module=module, member=member, language=member.language)
    return services.attempt_submit(attempt=attempt, member=member, answers=selectors.model_answers(attempt))


def load() -> str:
    organization = Organization.objects.filter(slug="aurora").first()
    trainer = Member.objects.filter(username="aurora-trainer").first()
    if organization is None or trainer is None or current_policy(organization.pk) is None:
        return "no aurora"
    modules = _modules(organization, trainer)
    certified = Member.objects.filter(organization=organization, username=CERTIFIED).first()
    if certified is not None and not Certification.objects.filter(member=certified).exists():
        for code in ("empowerment-basics", "stretching-with-care"):
            if code in modules:
                _pass(modules[code], certified)
    due = Member.objects.filter(organization=organization, username=DUE_AGAIN).first()
    basics = modules.get("empowerment-basics")
    if due is not None and basics is not None and not Certification.objects.filter(member=due).exists():
        attempt = _pass(basics, due)
        # Thirteen months ago: the twelve-month certificate has lapsed.
        past = timezone.now() - timedelta(days=395)
        Attempt.objects.filter(pk=attempt.pk).update(
            started_at=past - timedelta(minutes=6), submitted_at=past
        )
        Certification.objects.filter(attempt=attempt).update(
            certified_at=past, expires_at=past + timedelta(days=365)
        )
    certifications = Certification.objects.filter(organization=organization).count()
    return f"{len(modules)} modules, {certifications} certifications"
