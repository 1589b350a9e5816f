"""Writes to the draft: gestures, tiers, rules, budgets and settings."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from leeway.core.errors import Conflict, InvalidInput, NotFound
from leeway.people.models import AuthorityTier, Member, Organization
from leeway.policy.checks import (
    CODE_RE,
    MAX_RANK,
    Problems,
    budget_problems,
    gesture_problems,
    parse_count,
    rule_problems,
    settings_problems,
)
from leeway.policy.models import AuthorityRule, Budget, Gesture, PolicySettings
from leeway.policy.services._common import (
    DESCRIPTION_MAX,
    NAME_MAX,
    TIER_NAME_MAX,
    UNSET,
    _apply,
    _audit,
    _check_actor,
    _languages,
    _plain,
)

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


def _tier_name(tier: AuthorityTier, language: str) -> str:
    if not tier.has_translation(language):
        return ""
    return tier.safe_translation_getter("name", language_code=language) or ""


def _save_tier_names(tier: AuthorityTier, names: dict[str, str]) -> dict:
    """Store the tier's name per language (an empty one removes that translation); the changes made."""
    changes = {}
    for language, name in names.items():
        old = _tier_name(tier, language)
        if name == old:
            continue
        changes[f"name_{language}"] = [old, name]
        if not name:
            tier.delete_translation(language)
            continue
        tier.set_current_language(language)
        tier.name = name
        tier.save_translations()
    tier.set_current_language(
        get_language() or tier.organization.default_language
    )  # read as the caller reads
    return changes


def _tier_names(organization: Organization, name, names: dict | None) -> dict[str, str]:
    """The names by language: `name` is the one in the organization's language, which is required."""
    names = _clean_texts(names, field="name", limit=TIER_NAME_MAX)
    if name is not UNSET and name is not None:
        names[organization.default_language] = str(name).strip()
    return names


def tier_create(
    *,
    organization: Organization,
    actor: Member | None,
    code: str,
    rank,
    name=UNSET,
    names: dict[str, str] | None = None,
) -> AuthorityTier:
    """Add an authority tier named in the organization's language (others optional); higher ranks do more."""
    actor_id = _check_actor(actor, organization)
    names = _tier_names(organization, name, names)
    with transaction.atomic():
        values = _tier_values(
            organization, code=code, name=names.get(organization.default_language), rank=rank
        )
        values.pop("name")
        tier = AuthorityTier(organization=organization, **values)
        tier.set_current_language(organization.default_language)
        tier.name = names[organization.default_language]
        tier.save()
        _save_tier_names(tier, {k: v for k, v in names.items() if k != organization.default_language})
        _audit(organization.pk, actor_id, "tier.created", tier, {**values, "names": names})
    return tier


def tier_update(
    *, tier: AuthorityTier, actor: Member | None, name=UNSET, rank=UNSET, names: dict[str, str] | None = None
) -> AuthorityTier:
    """Rename (in any language) or re-rank a tier; its code stays, because members and rules refer to it."""
    organization = tier.organization
    actor_id = _check_actor(actor, organization)
    names = _tier_names(organization, name, names)
    with transaction.atomic():
        tier = AuthorityTier.objects.select_for_update().get(pk=tier.pk)
        default_language = organization.default_language
        values = _tier_values(
            organization,
            name=names.get(default_language, _tier_name(tier, default_language)),
            rank=tier.rank if rank is UNSET else rank,
            exclude_pk=tier.pk,
        )
        values.pop("name")
        changes = _apply(tier, values)
        if changes:
            tier.save(update_fields=list(changes))
        changes.update(_save_tier_names(tier, names))
        if changes:
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
