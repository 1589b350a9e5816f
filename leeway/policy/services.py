"""Writes to the policy: the draft catalogue, tiers, rules, budgets, settings, rates, and publishing.

Admins edit the draft rows; nothing they change reaches a decision until
`policy_publish` freezes the draft into a new immutable version.
"""

import csv
import io
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from leeway.core.audit import audit_record
from leeway.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from leeway.core.outbox import outbox_emit
from leeway.people.models import AuthorityTier, Member, Organization
from leeway.policy.checks import (
    CODE_RE,
    MAX_RANK,
    Problems,
    budget_problems,
    gesture_problems,
    parse_count,
    parse_currency,
    parse_rate,
    rule_problems,
    settings_problems,
)
from leeway.policy.diff import snapshot_changes
from leeway.policy.models import (
    AuthorityRule,
    Budget,
    ExchangeRate,
    Gesture,
    PolicySettings,
    PolicyVersion,
)
from leeway.policy.selectors import forget_rates
from leeway.policy.snapshot import build_snapshot_data, forget_current_policy

UNSET = object()
NAME_MAX = 120
DESCRIPTION_MAX = 2000
TIER_NAME_MAX = 80
SUMMARY_MAX = 2000
CSV_MAX_BYTES = 256 * 1024
CSV_MAX_ROWS = 1000


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _check_actor(actor: Member | None, organization: Organization) -> int | None:
    """A service acts for one organization; an actor from another one is refused outright."""
    if actor is None:
        return None
    if actor.organization_id != organization.pk:
        raise Forbidden()
    return actor.pk


def _audit(organization_id: int, actor_id, action: str, obj, data: dict) -> None:
    audit_record(
        organization_id=organization_id,
        actor_id=actor_id,
        action=action,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        data=data,
    )


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    return value


def _apply(obj, values: dict) -> dict:
    """Set the values that differ; return {field: [old, new]} for the audit trail."""
    changes = {}
    for name, value in values.items():
        old = getattr(obj, name)
        if old != value:
            changes[name] = [_plain(old), _plain(value)]
            setattr(obj, name, value)
    return changes


# --- Gestures -----------------------------------------------------------------------------------


def _clean_texts(texts: dict | None, *, field: str, limit: int) -> dict[str, str]:
    cleaned = {}
    for language, text in (texts or {}).items():
        if language not in _languages():
            raise InvalidInput(_("Unknown language."), code="unknown_language", field=f"{field}_{language}")
        text = (text or "").strip()
        if len(text) > limit:
            raise InvalidInput(
                _("Keep it under %(limit)s characters.") % {"limit": limit},
                code="too_long",
                field=f"{field}_{language}",
            )
        cleaned[language] = text
    return cleaned


def _check_shortcut(organization: Organization, shortcut: str, *, exclude_pk=None) -> None:
    if not shortcut:
        return
    clash = Gesture.objects.filter(organization=organization, shortcut=shortcut, active=True)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise InvalidInput(
            _("Another active gesture already uses the key %(key)s.") % {"key": shortcut},
            code="shortcut_taken",
            field="shortcut",
        )


def _save_translations(gesture: Gesture, names: dict, descriptions: dict) -> dict:
    changes = {}
    for language in _languages():
        if language not in names and language not in descriptions:
            continue
        gesture.set_current_language(language)
        has = gesture.has_translation(language)
        old_name = gesture.safe_translation_getter("name", language_code=language) if has else ""
        old_description = (
            gesture.safe_translation_getter("description", language_code=language) if has else ""
        )
        name = names.get(language, old_name or "")
        description = descriptions.get(language, old_description or "")
        if not name and not description:
            if has:
                gesture.delete_translation(language)
                changes[f"name_{language}"] = [old_name, ""]
            continue
        if not name:
            raise InvalidInput(
                _("Give the gesture a name in this language too, or leave the description empty."),
                code="name_required",
                field=f"name_{language}",
            )
        if name != old_name:
            changes[f"name_{language}"] = [old_name or "", name]
        if description != (old_description or ""):
            changes[f"description_{language}"] = [old_description or "", description]
        gesture.name = name
        gesture.description = description
        gesture.save_translations()
    gesture.set_current_language(get_language() or settings.LANGUAGE_CODE)
    return changes


def gesture_create(
    *,
    organization: Organization,
    actor: Member | None,
    code: str,
    names: dict[str, str],
    descriptions: dict[str, str] | None = None,
    category: str,
    default_amount="0.00",
    zero_cost: bool = False,
    shortcut: str = "",
    position: int | None = None,
    active: bool = True,
) -> Gesture:
    """Add a gesture to the draft catalogue, named in the organization's language (others optional)."""
    actor_id = _check_actor(actor, organization)
    values, problems = gesture_problems(
        code=code,
        category=category,
        default_amount=default_amount,
        zero_cost=zero_cost,
        shortcut=shortcut,
        position=position,
    )
    problems.raise_first()
    names = _clean_texts(names, field="name", limit=NAME_MAX)
    descriptions = _clean_texts(descriptions, field="description", limit=DESCRIPTION_MAX)
    if not names.get(organization.default_language):
        raise InvalidInput(
            _("Give the gesture a name in the organization's language."),
            code="name_required",
            field=f"name_{organization.default_language}",
        )
    with transaction.atomic():
        if Gesture.objects.filter(organization=organization, code=values["code"]).exists():
            raise InvalidInput(
                _("A gesture with this code already exists."), code="duplicate_code", field="code"
            )
        if active:
            _check_shortcut(organization, values["shortcut"])
        if values.get("position") is None:
            last = Gesture.objects.filter(organization=organization).order_by("-position").first()
            values["position"] = (last.position + 1) if last else 1
        gesture = Gesture(organization=organization, active=bool(active), **values)
        gesture.set_current_language(organization.default_language)
        gesture.name = names[organization.default_language]
        gesture.description = descriptions.get(organization.default_language, "")
        gesture.save()
        _save_translations(gesture, names, descriptions)
        _audit(
            organization.pk,
            actor_id,
            "gesture.created",
            gesture,
            {**{k: _plain(v) for k, v in values.items()}, "active": bool(active), "names": names},
        )
    return gesture


def gesture_update(
    *,
    gesture: Gesture,
    actor: Member | None,
    names: dict[str, str] | None = None,
    descriptions: dict[str, str] | None = None,
    category=UNSET,
    default_amount=UNSET,
    zero_cost=UNSET,
    shortcut=UNSET,
    position=UNSET,
    active=UNSET,
) -> Gesture:
    """Change a draft gesture; its code never changes, because integrations send it."""
    organization = gesture.organization
    actor_id = _check_actor(actor, organization)

    def pick(value, current):
        return current if value is UNSET else value

    values, problems = gesture_problems(
        category=pick(category, gesture.category),
        default_amount=pick(default_amount, gesture.default_amount),
        zero_cost=pick(zero_cost, gesture.zero_cost),
        shortcut=pick(shortcut, gesture.shortcut),
        position=pick(position, gesture.position),
    )
    problems.raise_first()
    values["active"] = bool(pick(active, gesture.active))
    names = _clean_texts(names, field="name", limit=NAME_MAX)
    descriptions = _clean_texts(descriptions, field="description", limit=DESCRIPTION_MAX)
    default_language = organization.default_language
    if default_language in names and not names[default_language]:
        raise InvalidInput(
            _("Give the gesture a name in the organization's language."),
            code="name_required",
            field=f"name_{default_language}",
        )
    with transaction.atomic():
        gesture = Gesture.objects.select_for_update().get(pk=gesture.pk)
        if values["active"]:
            _check_shortcut(organization, values["shortcut"], exclude_pk=gesture.pk)
        changes = _apply(gesture, values)
        if changes:
            gesture.save(update_fields=list(changes))
        changes.update(_save_translations(gesture, names, descriptions))
        if changes:
            _audit(organization.pk, actor_id, "gesture.updated", gesture, {"code": gesture.code, **changes})
    return gesture


# --- Authority tiers ----------------------------------------------------------------------------


def _tier_values(organization: Organization, *, code=None, name, rank, exclude_pk=None) -> dict:
    problems = Problems()
    values: dict = {}
    if code is not None:
        code = str(code).strip()
        if not CODE_RE.match(code):
            problems.add(
                _("Use 1 to 40 lowercase letters, digits, - or _, starting with a letter (e.g. starter)."),
                code="invalid_code",
                field="code",
            )
        elif (
            AuthorityTier.objects.filter(organization=organization, code=code).exclude(pk=exclude_pk).exists()
        ):
            problems.add(_("A tier with this code already exists."), code="duplicate_code", field="code")
        values["code"] = code
    name = str(name or "").strip()
    if not name:
        problems.add(_("Give the tier a name."), code="name_required", field="name")
    elif len(name) > TIER_NAME_MAX:
        problems.add(
            _("Keep it under %(limit)s characters.") % {"limit": TIER_NAME_MAX}, code="too_long", field="name"
        )
    values["name"] = name
    rank = problems.run(parse_count, rank, field="rank", minimum=1, maximum=MAX_RANK)
    if rank is None and not problems.has("rank"):
        problems.add(_("Give the tier a rank (1 = least authority)."), code="rank_required", field="rank")
    elif rank is not None and (
        AuthorityTier.objects.filter(organization=organization, rank=rank).exclude(pk=exclude_pk).exists()
    ):
        problems.add(
            _("Another tier already has rank %(rank)s; ranks order the tiers, so each is unique.")
            % {"rank": rank},
            code="duplicate_rank",
            field="rank",
        )
    values["rank"] = rank
    problems.raise_first()
    return values


def tier_create(
    *, organization: Organization, actor: Member | None, code: str, name: str, rank
) -> AuthorityTier:
    """Add an authority tier; a higher rank means more authority."""
    actor_id = _check_actor(actor, organization)
    with transaction.atomic():
        values = _tier_values(organization, code=code, name=name, rank=rank)
        tier = AuthorityTier.objects.create(organization=organization, **values)
        _audit(organization.pk, actor_id, "tier.created", tier, values)
    return tier


def tier_update(*, tier: AuthorityTier, actor: Member | None, name=UNSET, rank=UNSET) -> AuthorityTier:
    """Rename or re-rank a tier (its code stays: members and rules refer to it)."""
    organization = tier.organization
    actor_id = _check_actor(actor, organization)
    with transaction.atomic():
        tier = AuthorityTier.objects.select_for_update().get(pk=tier.pk)
        values = _tier_values(
            organization,
            name=tier.name if name is UNSET else name,
            rank=tier.rank if rank is UNSET else rank,
            exclude_pk=tier.pk,
        )
        changes = _apply(tier, values)
        if changes:
            tier.save(update_fields=list(changes))
            _audit(organization.pk, actor_id, "tier.updated", tier, {"code": tier.code, **changes})
    return tier


# --- Authority rules ----------------------------------------------------------------------------


def _rule_values(**kwargs) -> dict:
    values, problems = rule_problems(**kwargs)
    problems.raise_first()
    return values


def rule_create(
    *,
    organization: Organization,
    actor: Member | None,
    tier: AuthorityTier,
    gesture: Gesture,
    green_limit,
    stretch_limit,
    customer_cap_count=None,
    customer_cap_amount=None,
    customer_cap_window_days=30,
) -> AuthorityRule:
    """Give a tier authority over a gesture: green and stretch limits and per-customer caps."""
    actor_id = _check_actor(actor, organization)
    if tier.organization_id != organization.pk or gesture.organization_id != organization.pk:
        raise NotFound()
    values = _rule_values(
        green_limit=green_limit,
        stretch_limit=stretch_limit,
        customer_cap_count=customer_cap_count,
        customer_cap_amount=customer_cap_amount,
        customer_cap_window_days=customer_cap_window_days,
    )
    with transaction.atomic():
        if AuthorityRule.objects.filter(tier=tier, gesture=gesture).exists():
            raise Conflict(_("This tier already has a rule for this gesture."), code="rule_exists")
        rule = AuthorityRule.objects.create(organization=organization, tier=tier, gesture=gesture, **values)
        _audit(
            organization.pk,
            actor_id,
            "rule.created",
            rule,
            {"tier": tier.code, "gesture": gesture.code, **{k: _plain(v) for k, v in values.items()}},
        )
    return rule


def rule_update(
    *,
    rule: AuthorityRule,
    actor: Member | None,
    green_limit=UNSET,
    stretch_limit=UNSET,
    customer_cap_count=UNSET,
    customer_cap_amount=UNSET,
    customer_cap_window_days=UNSET,
) -> AuthorityRule:
    """Change a rule's limits or caps (None clears a cap)."""
    organization = rule.organization
    actor_id = _check_actor(actor, organization)
    given = {
        "green_limit": green_limit,
        "stretch_limit": stretch_limit,
        "customer_cap_count": customer_cap_count,
        "customer_cap_amount": customer_cap_amount,
        "customer_cap_window_days": customer_cap_window_days,
    }
    with transaction.atomic():
        rule = AuthorityRule.objects.select_for_update().select_related("tier", "gesture").get(pk=rule.pk)
        values = _rule_values(
            **{name: getattr(rule, name) if value is UNSET else value for name, value in given.items()}
        )
        changes = _apply(rule, values)
        if changes:
            rule.save(update_fields=list(changes))
            _audit(
                organization.pk,
                actor_id,
                "rule.updated",
                rule,
                {"tier": rule.tier.code, "gesture": rule.gesture.code, **changes},
            )
    return rule


def rule_delete(*, rule: AuthorityRule, actor: Member | None) -> None:
    """Take a gesture away from a tier: from the next version on, its requests go to a lead."""
    organization = rule.organization
    actor_id = _check_actor(actor, organization)
    with transaction.atomic():
        _audit(
            organization.pk,
            actor_id,
            "rule.deleted",
            rule,
            {"tier": rule.tier.code, "gesture": rule.gesture.code},
        )
        rule.delete()


def rule_set(
    *,
    organization: Organization,
    actor: Member | None,
    tier: AuthorityTier,
    gesture: Gesture,
    green_limit=None,
    stretch_limit=None,
    customer_cap_count=None,
    customer_cap_amount=None,
    customer_cap_window_days=30,
) -> AuthorityRule | None:
    """Create, change or (with both limits empty) remove the rule for one tier and gesture."""
    rule = AuthorityRule.objects.filter(organization=organization, tier=tier, gesture=gesture).first()
    if green_limit in (None, "") and stretch_limit in (None, ""):
        if rule is not None:
            rule_delete(rule=rule, actor=actor)
        return None
    caps = {
        "customer_cap_count": customer_cap_count,
        "customer_cap_amount": customer_cap_amount,
        "customer_cap_window_days": customer_cap_window_days,
    }
    if rule is None:
        return rule_create(
            organization=organization,
            actor=actor,
            tier=tier,
            gesture=gesture,
            green_limit=green_limit,
            stretch_limit=stretch_limit,
            **caps,
        )
    return rule_update(rule=rule, actor=actor, green_limit=green_limit, stretch_limit=stretch_limit, **caps)


# --- Budgets ------------------------------------------------------------------------------------


def budget_create(
    *, organization: Organization, actor: Member | None, scope: str, period: str, cap
) -> Budget:
    """Add a goodwill envelope; re-adding a deleted one revives it with its spend so far."""
    actor_id = _check_actor(actor, organization)
    values, problems = budget_problems(scope=scope, period=period, cap=cap)
    problems.raise_first()
    with transaction.atomic():
        budget = (
            Budget.objects.select_for_update()
            .filter(organization=organization, scope=values["scope"], period=values["period"])
            .first()
        )
        if budget is not None and budget.retired_at is None:
            raise InvalidInput(
                _("There is already a budget for this scope and period; change its cap instead."),
                code="budget_exists",
                field="period",
            )
        if budget is None:
            budget = Budget.objects.create(organization=organization, **values)
        else:
            budget.cap, budget.retired_at = values["cap"], None
            budget.save(update_fields=["cap", "retired_at"])
        _audit(organization.pk, actor_id, "budget.created", budget, {k: _plain(v) for k, v in values.items()})
    return budget


def budget_update(*, budget: Budget, actor: Member | None, cap) -> Budget:
    """Change a budget's cap. Scope and period stay: its counters are kept per subject and period."""
    organization = budget.organization
    actor_id = _check_actor(actor, organization)
    values, problems = budget_problems(cap=cap)
    problems.raise_first()
    with transaction.atomic():
        budget = Budget.objects.select_for_update().get(pk=budget.pk)
        if budget.retired_at is not None:
            raise NotFound()
        changes = _apply(budget, values)
        if changes:
            budget.save(update_fields=list(changes))
            _audit(
                organization.pk,
                actor_id,
                "budget.updated",
                budget,
                {"scope": budget.scope, "period": budget.period, **changes},
            )
    return budget


def budget_delete(*, budget: Budget, actor: Member | None) -> Budget:
    """Remove a budget from the draft (it stops applying when the next version is published)."""
    organization = budget.organization
    actor_id = _check_actor(actor, organization)
    with transaction.atomic():
        budget = Budget.objects.select_for_update().get(pk=budget.pk)
        if budget.retired_at is not None:
            return budget
        budget.retired_at = timezone.now()
        budget.save(update_fields=["retired_at"])
        _audit(
            organization.pk,
            actor_id,
            "budget.deleted",
            budget,
            {"scope": budget.scope, "period": budget.period, "cap": _plain(budget.cap)},
        )
    return budget


# --- Settings -----------------------------------------------------------------------------------


def policy_settings_for(organization: Organization) -> PolicySettings:
    settings_row, _created = PolicySettings.objects.get_or_create(organization=organization)
    return settings_row


def policy_settings_update(
    *,
    organization: Organization,
    actor: Member | None,
    red_response_minutes=UNSET,
    auto_approve_ceiling=UNSET,
    panel_allowed_origins=UNSET,
) -> PolicySettings:
    """Change the response-time target, the auto-approve ceiling or the panel's allowed origins."""
    actor_id = _check_actor(actor, organization)
    with transaction.atomic():
        policy_settings_for(organization)
        row = PolicySettings.objects.select_for_update().get(organization=organization)
        values, problems = settings_problems(
            red_response_minutes=row.red_response_minutes
            if red_response_minutes is UNSET
            else red_response_minutes,
            auto_approve_ceiling=row.auto_approve_ceiling
            if auto_approve_ceiling is UNSET
            else auto_approve_ceiling,
            panel_allowed_origins=row.panel_allowed_origins
            if panel_allowed_origins is UNSET
            else panel_allowed_origins,
        )
        problems.raise_first()
        values["panel_allowed_origins"] = "\n".join(values["panel_allowed_origins"])
        changes = _apply(row, values)
        if changes:
            row.save(update_fields=list(changes))
            _audit(organization.pk, actor_id, "policy_settings.updated", row, changes)
    return row


# --- Publishing ---------------------------------------------------------------------------------


def latest_version(organization_id: int) -> PolicyVersion | None:
    return PolicyVersion.objects.filter(organization_id=organization_id).order_by("-number").first()


def policy_diff(*, organization: Organization) -> list[str]:
    """What publishing now would change, in words, against the latest published version."""
    latest = latest_version(organization.pk)
    return snapshot_changes(latest.snapshot if latest else None, build_snapshot_data(organization))


def policy_publish(*, organization: Organization, actor: Member | None, summary: str = "") -> PolicyVersion:
    """Freeze the draft into the next numbered, immutable version; decisions use it from then on."""
    actor_id = _check_actor(actor, organization)
    summary = (summary or "").strip()[:SUMMARY_MAX]
    with transaction.atomic():
        # One lock per organization: two admins publishing at once get 1 and 2, never 1 and 1.
        policy_settings_for(organization)
        PolicySettings.objects.select_for_update().get(organization=organization)
        latest = latest_version(organization.pk)
        data = build_snapshot_data(organization)
        if not data["gestures"]:
            raise InvalidInput(
                _("Add at least one active gesture before publishing."), code="empty_catalogue"
            )
        if latest is not None and latest.snapshot == data:
            raise Conflict(
                _("Nothing changed since version %(number)s.") % {"number": latest.number},
                code="nothing_to_publish",
            )
        number = (latest.number if latest else 0) + 1
        try:
            with transaction.atomic():
                version = PolicyVersion.objects.create(
                    organization=organization,
                    number=number,
                    snapshot=data,
                    published_by_id=actor_id,
                    summary=summary,
                )
        except IntegrityError:
            raise Conflict(
                _("Someone else published at the same moment. Review the changes and try again."),
                code="publish_race",
            ) from None
        _audit(
            organization.pk,
            actor_id,
            "policy.published",
            version,
            {"number": number, "summary": summary},
        )
        outbox_emit(
            organization_id=organization.pk,
            topic="policy.published",
            payload={"number": number, "published_at": version.published_at.isoformat(), "summary": summary},
        )
        organization_id = organization.pk
        transaction.on_commit(lambda: forget_current_policy(organization_id))
    forget_current_policy(organization.pk)
    return version


# --- Exchange rates -----------------------------------------------------------------------------


def _forget_rates_on_commit(organization_id: int) -> None:
    forget_rates(organization_id)
    transaction.on_commit(lambda: forget_rates(organization_id))


def rate_set(*, organization: Organization, currency: str, rate, actor: Member | None) -> ExchangeRate:
    """Set how many units of the base currency one unit of `currency` is worth."""
    actor_id = _check_actor(actor, organization)
    problems = Problems()
    code = problems.run(parse_currency, currency, base_currency=organization.base_currency)
    value = problems.run(parse_rate, rate)
    problems.raise_first()
    with transaction.atomic():
        row = (
            ExchangeRate.objects.select_for_update().filter(organization=organization, currency=code).first()
        )
        old = None if row is None else row.rate
        if row is None:
            row = ExchangeRate.objects.create(
                organization=organization, currency=code, rate=value, updated_by_id=actor_id
            )
        elif row.rate != value:
            row.rate, row.updated_by_id = value, actor_id
            row.save(update_fields=["rate", "updated_by", "updated_at"])
        else:
            return row
        _audit(
            organization.pk,
            actor_id,
            "rate.set",
            row,
            {"currency": code, "old": _plain(old), "new": _plain(value)},
        )
        _forget_rates_on_commit(organization.pk)
    return row


def rate_delete(*, rate: ExchangeRate, actor: Member | None) -> None:
    """Stop accepting a currency: decisions in it are refused until a rate is set again."""
    organization = rate.organization
    actor_id = _check_actor(actor, organization)
    with transaction.atomic():
        _audit(
            organization.pk,
            actor_id,
            "rate.deleted",
            rate,
            {"currency": rate.currency, "old": _plain(rate.rate)},
        )
        rate.delete()
        _forget_rates_on_commit(organization.pk)


class RatesImportError(InvalidInput):
    """A rates file with problems; `errors` lists each with its row, field and reason."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        super().__init__(
            _("The file has problems; nothing was imported. Fix them and upload it again."),
            code="invalid_rates_file",
            field="file",
        )


def _read_upload(file) -> str:
    if isinstance(file, str):
        raw = file.encode()
    elif isinstance(file, bytes):
        raw = file
    else:
        raw = file.read(CSV_MAX_BYTES + 1)
        if isinstance(raw, str):
            raw = raw.encode()
    if len(raw) > CSV_MAX_BYTES:
        raise RatesImportError(
            [{"row": None, "field": "file", "message": str(_("The file is too large (limit 256 KB)."))}]
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RatesImportError(
            [{"row": None, "field": "file", "message": str(_("Save the file as UTF-8 text (CSV)."))}]
        ) from None


def _parse_rates_csv(text: str, *, base_currency: str) -> tuple[dict[str, Decimal], list[dict]]:
    errors: list[dict] = []
    first_line = text.split("\n", 1)[0]
    # Spreadsheets set to Spanish save with ";" and a decimal comma.
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        header = []
    columns = [cell.strip().lower() for cell in header]
    if sorted(columns) != ["currency", "rate"]:
        errors.append(
            {
                "row": 1,
                "field": "header",
                "message": str(_("The first row must be the header: currency,rate")),
            }
        )
        return {}, errors
    currency_at, rate_at = columns.index("currency"), columns.index("rate")
    rates: dict[str, Decimal] = {}
    seen_rows: dict[str, int] = {}
    try:
        for row in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(rates) + len(errors) >= CSV_MAX_ROWS:
                errors.append(
                    {
                        "row": number,
                        "field": "file",
                        "message": str(_("Too many rows (limit %(limit)s).") % {"limit": CSV_MAX_ROWS}),
                    }
                )
                break
            if len(row) != 2:
                errors.append(
                    {
                        "row": number,
                        "field": "row",
                        "message": str(_("Each row needs a currency and a rate.")),
                    }
                )
                continue
            rate_text = row[rate_at].strip()
            if delimiter == ";":
                rate_text = rate_text.replace(",", ".")
            try:
                currency = parse_currency(row[currency_at], base_currency=base_currency)
            except InvalidInput as error:
                errors.append({"row": number, "field": "currency", "message": str(error.message)})
                currency = None
            try:
                rate = parse_rate(rate_text)
            except InvalidInput as error:
                errors.append({"row": number, "field": "rate", "message": str(error.message)})
                rate = None
            if currency and currency in seen_rows:
                errors.append(
                    {
                        "row": number,
                        "field": "currency",
                        "message": str(
                            _("%(currency)s is already on row %(row)s.")
                            % {"currency": currency, "row": seen_rows[currency]}
                        ),
                    }
                )
                continue
            if currency:
                seen_rows[currency] = number
            if currency and rate is not None:
                rates[currency] = rate
    except csv.Error:
        errors.append(
            {"row": reader.line_num, "field": "file", "message": str(_("The file is not valid CSV."))}
        )
    if not rates and not errors:
        errors.append({"row": None, "field": "file", "message": str(_("The file has no rates."))})
    return rates, errors


def rates_import_csv(*, organization: Organization, file, actor: Member | None) -> dict:
    """Set many rates from a `currency,rate` CSV: every row valid, or nothing changes."""
    actor_id = _check_actor(actor, organization)
    rates, errors = _parse_rates_csv(_read_upload(file), base_currency=organization.base_currency)
    if errors:
        raise RatesImportError(errors)
    created, updated, unchanged = [], [], 0
    with transaction.atomic():
        existing = {
            row.currency: row
            for row in ExchangeRate.objects.select_for_update().filter(organization=organization)
        }
        for currency, rate in rates.items():
            row = existing.get(currency)
            if row is None:
                ExchangeRate.objects.create(
                    organization=organization, currency=currency, rate=rate, updated_by_id=actor_id
                )
                created.append({"currency": currency, "new": str(rate)})
            elif row.rate != rate:
                updated.append({"currency": currency, "old": str(row.rate), "new": str(rate)})
                row.rate, row.updated_by_id = rate, actor_id
                row.save(update_fields=["rate", "updated_by", "updated_at"])
            else:
                unchanged += 1
        if created or updated:
            audit_record(
                organization_id=organization.pk,
                actor_id=actor_id,
                action="rates.imported",
                object_type="exchangerate",
                object_id="csv",
                data={"created": created, "updated": updated, "unchanged": unchanged},
            )
            _forget_rates_on_commit(organization.pk)
    return {"created": len(created), "updated": len(updated), "unchanged": unchanged}
