"""Attempts and certifications as cmi5-shaped xAPI statements, for a company's Learning Record Store.

Built from the rows on demand (the rows are the record; the statements are a view of them), with
stable ids (UUID 5 of the attempt and the verb), so exporting twice sends an LRS the same statements
and it keeps one of each. A module is a cmi5 assignable unit; an attempt is a registration.
"""

import uuid
from datetime import timedelta

from django.conf import settings

from leeway.core.tenancy import scoped
from leeway.training.models import Attempt, Certification

XAPI_VERSION = "1.0.3"
VERBS = {
    "launched": "http://adlnet.gov/expapi/verbs/launched",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "failed": "http://adlnet.gov/expapi/verbs/failed",
    "waived": "https://w3id.org/xapi/adl/verbs/waived",
}
VERB_NAMES = {
    "launched": {"en-US": "launched", "es": "inició"},
    "completed": {"en-US": "completed", "es": "completó"},
    "passed": {"en-US": "passed", "es": "aprobó"},
    "failed": {"en-US": "failed", "es": "suspendió"},
    "waived": {"en-US": "waived", "es": "convalidó"},
}
CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
MOVEON_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/moveon"
MASTERY_SCORE = "https://w3id.org/xapi/cmi5/context/extensions/masteryscore"
REASON = "https://w3id.org/xapi/cmi5/context/extensions/reason"
NAMESPACE = uuid.UUID("6f0b7f36-5d0f-4b8e-9d0a-2f7f6c4b1e14")


def _home(organization) -> str:
    base = (getattr(settings, "LEEWAY_PUBLIC_URL", "") or "").rstrip("/")
    return base or f"urn:leeway:{organization.slug}"


def iso_duration(delta: timedelta) -> str:
    """ISO 8601 duration, as xAPI's result.duration wants it: PT4M5.2S."""
    seconds = max(delta.total_seconds(), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = "PT"
    if hours:
        text += f"{int(hours)}H"
    if minutes:
        text += f"{int(minutes)}M"
    return text + f"{round(seconds, 2):g}S"


def _actor(member, home: str) -> dict:
    return {
        "objectType": "Agent",
        "name": member.display_name,
        "account": {"homePage": home, "name": member.username},
    }


def _activity(module, home: str) -> dict:
    names = {}
    for translation in module.translations.all():
        names["en-US" if translation.language_code == "en" else translation.language_code] = translation.title
    return {
        "objectType": "Activity",
        "id": f"{home}/training/modules/{module.code}",
        "definition": {"type": "http://adlnet.gov/expapi/activities/module", "name": names},
    }


def _statement(
    *, key: str, verb: str, member, module, home: str, registration, timestamp, result=None, extra=None
):
    context = {
        "registration": str(registration),
        "contextActivities": {"category": [{"id": CMI5_CATEGORY, "objectType": "Activity"}]},
        "extensions": {MASTERY_SCORE: module.pass_mark / 100, **(extra or {})},
        "language": member.language,
    }
    if verb in ("passed", "failed"):
        context["contextActivities"]["category"].append({"id": MOVEON_CATEGORY, "objectType": "Activity"})
    statement = {
        "id": str(uuid.uuid5(NAMESPACE, f"{key}:{verb}")),
        "version": XAPI_VERSION,
        "actor": _actor(member, home),
        "verb": {"id": VERBS[verb], "display": VERB_NAMES[verb]},
        "object": _activity(module, home),
        "context": context,
        "timestamp": timestamp.isoformat(),
    }
    if result is not None:
        statement["result"] = result
    return statement


def attempt_statements(attempt: Attempt, *, home: str) -> list[dict]:
    """launched; once submitted, completed (completion, duration) and passed or failed (score, success)."""
    member, module = attempt.member, attempt.module
    common = {"member": member, "module": module, "home": home, "registration": attempt.public_id}
    key = f"attempt:{attempt.public_id}"
    statements = [_statement(key=key, verb="launched", timestamp=attempt.started_at, **common)]
    if not attempt.is_submitted:
        return statements
    duration = iso_duration(attempt.duration)
    statements.append(
        _statement(
            key=key,
            verb="completed",
            timestamp=attempt.submitted_at,
            result={"completion": True, "duration": duration},
            **common,
        )
    )
    verb = "passed" if attempt.passed else "failed"
    statements.append(
        _statement(
            key=key,
            verb=verb,
            timestamp=attempt.submitted_at,
            result={
                "score": {"scaled": attempt.score, "raw": attempt.correct, "min": 0, "max": attempt.total},
                "success": bool(attempt.passed),
                "completion": True,
                "duration": duration,
            },
            **common,
        )
    )
    return statements


def waiver_statement(certification: Certification, *, home: str) -> dict:
    return _statement(
        key=f"waiver:{certification.pk}",
        verb="waived",
        member=certification.member,
        module=certification.module,
        home=home,
        registration=uuid.uuid5(NAMESPACE, f"waiver:{certification.pk}"),
        timestamp=certification.certified_at,
        result={"success": True, "completion": True},
        extra={REASON: "Administrative"},
    )


def statements_for(reader, *, member=None, since=None) -> list[dict]:
    """Every statement of the reader's organization (or one agent's), oldest first."""
    home = _home(reader.organization)
    attempts = (
        scoped(Attempt, reader).select_related("member", "module").prefetch_related("module__translations")
    )
    waivers = (
        scoped(Certification, reader)
        .filter(attempt__isnull=True)
        .select_related("member", "module")
        .prefetch_related("module__translations")
    )
    if member is not None:
        attempts, waivers = attempts.filter(member=member), waivers.filter(member=member)
    if since is not None:
        attempts, waivers = attempts.filter(started_at__gte=since), waivers.filter(certified_at__gte=since)
    statements = [s for attempt in attempts for s in attempt_statements(attempt, home=home)]
    statements += [waiver_statement(certification, home=home) for certification in waivers]
    # Completed comes before passed or failed at the same moment, as cmi5 orders them.
    order = {iri: rank for rank, iri in enumerate(VERBS.values())}
    statements.sort(key=lambda s: (s["timestamp"], order[s["verb"]["id"]], s["id"]))
    return statements
