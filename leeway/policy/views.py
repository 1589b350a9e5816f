"""Policy pages for admins: catalogue, tiers, rules, budgets, settings, currencies, publishing."""

import json

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from leeway.core.decorators import role_required
from leeway.core.errors import DomainError, InvalidInput
from leeway.core.tenancy import get_for, scoped
from leeway.people.models import AuthorityTier, Role
from leeway.policy.diff import snapshot_changes
from leeway.policy.forms import (
    BudgetForm,
    GestureForm,
    PolicySettingsForm,
    PublishForm,
    RateForm,
    RatesImportForm,
    RuleForm,
    TierForm,
    add_domain_error,
)
from leeway.policy.models import AuthorityRule, Budget, ExchangeRate, Gesture, PolicyVersion
from leeway.policy.selectors import rates_for, version_contents
from leeway.policy.services import (
    RatesImportError,
    budget_create,
    budget_delete,
    budget_update,
    gesture_create,
    gesture_update,
    latest_version,
    policy_diff,
    policy_publish,
    policy_settings_for,
    policy_settings_update,
    rate_delete,
    rate_set,
    rates_import_csv,
    rule_set,
    tier_create,
    tier_update,
)

admin_required = role_required(Role.ADMIN)


def _gestures(member):
    return scoped(Gesture, member).prefetch_related("translations").order_by("position", "code")


@admin_required
def overview(request):
    """Where admins land: the live version, what the draft would change, and the way to each part."""
    member = request.user
    organization = member.organization
    version = (
        PolicyVersion.objects.filter(organization=organization)
        .select_related("published_by")
        .order_by("-number")
        .first()
    )
    changes = policy_diff(organization=organization)
    counts = {
        "gestures": scoped(Gesture, member).filter(active=True).count(),
        "tiers": scoped(AuthorityTier, member).count(),
        "rules": scoped(AuthorityRule, member).filter(gesture__active=True).count(),
        "budgets": scoped(Budget, member).filter(retired_at__isnull=True).count(),
        "rates": scoped(ExchangeRate, member).count(),
    }
    return render(
        request,
        "policy/overview.html",
        {"organization": organization, "version": version, "changes": changes, "counts": counts},
    )


@admin_required
def gesture_list(request):
    rows = [
        {"gesture": gesture, "names": {t.language_code: t.name for t in gesture.translations.all()}}
        for gesture in _gestures(request.user)
    ]
    return render(request, "policy/gestures.html", {"rows": rows})


@admin_required
def gesture_create_view(request):
    member = request.user
    form = GestureForm(request.POST or None, organization=member.organization)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            gesture = gesture_create(
                organization=member.organization,
                actor=member,
                code=data["code"],
                names=form.names(),
                descriptions=form.descriptions(),
                category=data["category"],
                default_amount=data["default_amount"],
                zero_cost=data["zero_cost"],
                shortcut=data["shortcut"],
                position=data["position"],
                active=data["active"],
            )
        except InvalidInput as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Gesture “%(name)s” added to the draft.") % {"name": gesture})
            return redirect("policy:gestures")
    return render(request, "policy/gesture_form.html", {"form": form, "gesture": None})


@admin_required
def gesture_edit(request, gesture_id: int):
    member = request.user
    gesture = get_for(member, Gesture, pk=gesture_id)
    form = GestureForm(
        request.POST or None,
        organization=member.organization,
        editing=True,
        initial=GestureForm.initial_for(gesture),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            gesture = gesture_update(
                gesture=gesture,
                actor=member,
                names=form.names(),
                descriptions=form.descriptions(),
                category=data["category"],
                default_amount=data["default_amount"],
                zero_cost=data["zero_cost"],
                shortcut=data["shortcut"],
                position=gesture.position if data["position"] is None else data["position"],
                active=data["active"],
            )
        except InvalidInput as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Gesture “%(name)s” saved in the draft.") % {"name": gesture})
            return redirect("policy:gestures")
    return render(request, "policy/gesture_form.html", {"form": form, "gesture": gesture})


@admin_required
def tier_list(request):
    """The tiers in order of authority, and a form to add one."""
    member = request.user
    form = TierForm(request.POST or None, organization=member.organization)
    if request.method == "POST" and form.is_valid():
        try:
            tier = tier_create(
                organization=member.organization,
                actor=member,
                code=form.cleaned_data["code"],
                rank=form.cleaned_data["rank"],
                names=form.names(),
            )
        except InvalidInput as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Tier “%(name)s” added. Give it authority on the rules page.") % {"name": tier.name},
            )
            return redirect("policy:tiers")
    tiers = scoped(AuthorityTier, member).order_by("rank")
    return render(request, "policy/tiers.html", {"tiers": tiers, "form": form})


@admin_required
def tier_edit(request, tier_id: int):
    member = request.user
    tier = get_for(member, AuthorityTier, pk=tier_id)
    form = TierForm(
        request.POST or None,
        organization=member.organization,
        editing=True,
        initial=TierForm.initial_for(tier),
    )
    if request.method == "POST" and form.is_valid():
        try:
            tier_update(tier=tier, actor=member, rank=form.cleaned_data["rank"], names=form.names())
        except InvalidInput as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Tier saved."))
            return redirect("policy:tiers")
    return render(request, "policy/tier_form.html", {"form": form, "tier": tier})


@admin_required
def rules(request):
    """The grid of tiers by gestures; saving is all or nothing."""
    member = request.user
    tiers = list(scoped(AuthorityTier, member).order_by("rank"))
    gestures = list(_gestures(member).filter(active=True))
    existing = {(rule.tier_id, rule.gesture_id): rule for rule in scoped(AuthorityRule, member)}
    data = request.POST if request.method == "POST" else None
    sections, forms = [], []
    for tier in tiers:
        rows = []
        for gesture in gestures:
            form = RuleForm(
                data,
                prefix=f"rule-{tier.pk}-{gesture.pk}",
                tier=tier,
                gesture=gesture,
                rule=existing.get((tier.pk, gesture.pk)),
            )
            rows.append(form)
            forms.append(form)
        sections.append({"tier": tier, "rows": rows})
    if data is not None:
        valid = all([form.is_valid() for form in forms])
        if valid:
            current = None
            try:
                with transaction.atomic():
                    for form in forms:
                        if not form.has_changed():
                            continue
                        current = form
                        rule_set(
                            organization=member.organization,
                            actor=member,
                            tier=form.tier,
                            gesture=form.gesture,
                            **form.values(),
                        )
            except InvalidInput as error:
                add_domain_error(current, error)
            else:
                messages.success(request, _("Rules saved in the draft."))
                return redirect("policy:rules")
        messages.error(request, _("Nothing was saved: fix the values marked below."))
    return render(
        request,
        "policy/rules.html",
        {"sections": sections, "currency": member.organization.base_currency, "has_gestures": bool(gestures)},
    )


@admin_required
def budget_list(request):
    member = request.user
    form = BudgetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            budget_create(organization=member.organization, actor=member, **form.cleaned_data)
        except InvalidInput as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Budget added to the draft."))
            return redirect("policy:budgets")
    budgets = scoped(Budget, member).filter(retired_at__isnull=True).order_by("scope", "period")
    return render(
        request,
        "policy/budgets.html",
        {"budgets": budgets, "form": form, "currency": member.organization.base_currency},
    )


@admin_required
def budget_edit(request, budget_id: int):
    member = request.user
    budget = get_for(member, Budget.objects.filter(retired_at__isnull=True), pk=budget_id)
    form = BudgetForm(request.POST or None, editing=True, initial={"cap": budget.cap})
    if request.method == "POST" and form.is_valid():
        try:
            budget_update(budget=budget, actor=member, cap=form.cleaned_data["cap"])
        except InvalidInput as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Budget saved in the draft."))
            return redirect("policy:budgets")
    return render(
        request,
        "policy/budget_form.html",
        {"form": form, "budget": budget, "currency": member.organization.base_currency},
    )


@require_POST
@admin_required
def budget_delete_view(request, budget_id: int):
    member = request.user
    budget = get_for(member, Budget.objects.filter(retired_at__isnull=True), pk=budget_id)
    budget_delete(budget=budget, actor=member)
    messages.success(request, _("Budget removed from the draft. It still applies until you publish."))
    return redirect("policy:budgets")


@admin_required
def settings_edit(request):
    member = request.user
    row = policy_settings_for(member.organization)
    form = PolicySettingsForm(
        request.POST or None,
        initial={
            "red_response_minutes": row.red_response_minutes,
            "auto_approve_ceiling": row.auto_approve_ceiling,
            "panel_allowed_origins": row.panel_allowed_origins,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            policy_settings_update(organization=member.organization, actor=member, **form.cleaned_data)
        except InvalidInput as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Settings saved in the draft."))
            return redirect("policy:settings")
    return render(
        request, "policy/settings.html", {"form": form, "currency": member.organization.base_currency}
    )


@admin_required
def rates(request):
    """Exchange rates: set one, or import many from a CSV with a per-row error report."""
    member = request.user
    organization = member.organization
    rate_form = RateForm(request.POST if request.POST.get("action") == "set" else None, prefix="rate")
    import_form = RatesImportForm(
        request.POST if request.POST.get("action") == "import" else None,
        request.FILES if request.POST.get("action") == "import" else None,
        prefix="import",
    )
    import_errors = None
    if request.method == "POST" and rate_form.is_bound and rate_form.is_valid():
        try:
            rate = rate_set(organization=organization, actor=member, **rate_form.cleaned_data)
        except InvalidInput as error:
            add_domain_error(rate_form, error)
        else:
            messages.success(request, _("Rate for %(currency)s saved.") % {"currency": rate.currency})
            return redirect("policy:rates")
    if request.method == "POST" and import_form.is_bound and import_form.is_valid():
        try:
            result = rates_import_csv(
                organization=organization, actor=member, file=import_form.cleaned_data["file"]
            )
        except RatesImportError as error:
            import_errors = error.errors
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Rates imported: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.") % result,
            )
            return redirect("policy:rates")
    return render(
        request,
        "policy/rates.html",
        {
            "rates": rates_for(organization),
            "base_currency": organization.base_currency,
            "rate_form": rate_form,
            "import_form": import_form,
            "import_errors": import_errors,
        },
    )


@require_POST
@admin_required
def rate_delete_view(request, rate_id: int):
    rate = get_for(request.user, ExchangeRate, pk=rate_id)
    rate_delete(rate=rate, actor=request.user)
    messages.success(
        request,
        _("%(currency)s removed: decisions in it are refused until it has a rate.")
        % {"currency": rate.currency},
    )
    return redirect("policy:rates")


@admin_required
def publish(request):
    """What publishing would change, and the button that freezes the next version."""
    member = request.user
    organization = member.organization
    latest = latest_version(organization.pk)
    next_number = (latest.number if latest else 0) + 1
    form = PublishForm(request.POST or None, initial={"number": next_number})
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["number"] != next_number:
            messages.error(
                request,
                _("Someone published version %(number)s meanwhile. Review the changes again.")
                % {"number": next_number - 1},
            )
            return redirect("policy:publish")
        try:
            version = policy_publish(
                organization=organization, actor=member, summary=form.cleaned_data["summary"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Version %(number)s is live: new decisions are judged by it.") % {"number": version.number},
            )
            return redirect("policy:version", number=version.number)
    changes = policy_diff(organization=organization)
    return render(
        request,
        "policy/publish.html",
        {"form": form, "changes": changes, "next_number": next_number, "latest": latest},
    )


@admin_required
def versions(request):
    history = scoped(PolicyVersion, request.user).select_related("published_by").order_by("-number")
    return render(request, "policy/versions.html", {"versions": history})


@admin_required
def version_detail(request, number: int):
    member = request.user
    version = get_for(member, PolicyVersion.objects.select_related("published_by"), number=number)
    previous = scoped(PolicyVersion, member).filter(number=number - 1).first()
    return render(
        request,
        "policy/version.html",
        {
            "version": version,
            "contents": version_contents(version.snapshot, get_language()),
            "changes": snapshot_changes(previous.snapshot if previous else None, version.snapshot),
            "previous": previous,
            "snapshot_json": json.dumps(version.snapshot, indent=2, ensure_ascii=False, sort_keys=True),
        },
    )
